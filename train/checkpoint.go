package train

import (
	"math"
	"os"
	"reflect"
	"slices"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/nn"
)

// Save writes a checkpoint of everything needed to predict with the model or
// to continue training it: the architecture, every weight (BatchNorm's
// moving statistics included), the loss and metrics, the optimiser's
// hyperparameters and state, and the number of epochs completed.
//
// The file is written atomically (package internal/atomicfile), so a crash
// or kill during Save leaves the previous checkpoint at path intact. The format is described in checkpoint_format.go.
//
// A model holding a NaN or infinite weight (or optimiser state) is not saved (errors.Is
// ErrNonFinite): Load would refuse the file, and a checkpoint callback must
// never replace a good file with a broken one. Save takes the trainer's
// lock, so a concurrent Fit cannot change weights half-way through.
func (t *Trainer) Save(path string) error {
	t.mu.Lock()
	raw, err := t.encodeFinite()
	t.mu.Unlock()
	if err != nil {
		return errors.Wrapf(err, "save %s", path)
	}
	return errors.Wrapf(atomicfile.WriteBytes(path, raw), "save %s", path)
}

// encodeFinite is encode, refusing non-finite weights.
func (t *Trainer) encodeFinite() ([]byte, error) {
	for _, p := range t.Model.Params() {
		if !allFinite(p.Value) {
			return nil, errors.Wrapf(ErrNonFinite, "param %q holds NaN or infinite values", p.Name)
		}
	}
	if st := optimizerSlots(t.Optimizer); st != nil {
		for i, p := range st.bind {
			if !slotFinite(st, i) {
				return nil, errors.Wrapf(ErrNonFinite, "%s's state for param %q holds NaN or infinite values", t.Optimizer.Name(), p.Name)
			}
		}
	}
	return t.encode()
}

func (t *Trainer) encode() ([]byte, error) {
	m := t.Model
	mc, err := configOf(m)
	if err != nil {
		return nil, err
	}
	known := nn.RegisteredLayers()
	layers := 0
	err = mc.Walk(func(l nn.LayerConfig) error {
		layers++
		if !slices.Contains(known, l.Type) {
			// Refuse now rather than write a file Load cannot read.
			return errors.Errorf("layer %q: type %q is not registered (nn.RegisterLayer), so the checkpoint could not be loaded", l.Name, l.Type)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if layers > MaxCheckpointLayers {
		return nil, errors.Errorf("the model has %d layers (those of models called as layers included), more than the %d a checkpoint may hold (MaxCheckpointLayers)", layers, MaxCheckpointLayers)
	}
	cc, err := compileConfigOf(t)
	if err != nil {
		return nil, err
	}
	oc, slots, err := optimizerState(t.Optimizer, m.Trainable())
	if err != nil {
		return nil, err
	}
	var ts []tensorData
	for _, p := range m.Params() {
		td := tensorData{name: p.Name, shape: p.Shape()}
		switch d := p.Value.Data().(type) {
		case []float32:
			td.f32 = d
		case []float64:
			td.f64 = d
		}
		ts = append(ts, td)
	}
	return encodeCheckpoint(checkpointHeader{Model: mc, Compile: cc, Optimizer: oc, Epoch: t.epoch}, append(ts, slots...))
}

// Load reads a checkpoint written by Save and returns a trainer holding the
// saved model, loss, metrics and optimiser state, ready to Evaluate, Predict,
// or continue training with Fit(FitOptions{InitialEpoch: t.Epoch(), ...}).
// A truncated, corrupted or foreign file, or one of another format version,
// gives an error naming the file and the problem; errors.Is(err, ErrCorrupt)
// tells a damaged or inconsistent file, errors.Is(err, nn.ErrUnknownLayer) a
// layer type this program has not registered, errors.Is(err,
// ErrUnknownOptimizer) an optimiser it has not (RegisterOptimizer).
//
// Load reads only regular files (a named pipe or a device is refused by
// name, before it is read) and allocates nothing its header, checked before
// the tensor data is read, does not account for: the header is capped at
// 16 MiB, the model at MaxCheckpointLayers layers and the tensors at
// MaxCheckpointElements, and the tensors must fill the file exactly, with
// no trailing or extra data.
// A weight, statistic or optimiser state that is NaN or infinite is refused
// with an error naming its tensor (ErrCorrupt).
func Load(path string) (*Trainer, error) {
	d, err := openCheckpoint(path)
	if err != nil {
		return nil, err
	}
	return trainerFrom(d, path)
}

// decodeTrainer is Load on the bytes of a file called path.
func decodeTrainer(raw []byte, path string) (*Trainer, error) {
	d, err := decodeCheckpoint(raw, path)
	if err != nil {
		return nil, err
	}
	return trainerFrom(d, path)
}

// trainerFrom builds the trainer a verified checkpoint describes.
func trainerFrom(d *decodedCheckpoint, path string) (*Trainer, error) {
	// Past the checksum, anything wrong is in a header that describes no
	// model this format can hold, except a layer type or optimiser nobody
	// registered: that file may be sound, and the fix is in the program.
	bad := func(err error) error {
		if errors.Is(err, nn.ErrUnknownLayer) || errors.Is(err, ErrUnknownOptimizer) {
			return errors.Wrapf(err, "checkpoint %s", path)
		}
		return corrupt(path, err)
	}
	// Check the declared architecture against the bytes present before
	// allocating it: a header may claim any size. Counting stops once the
	// weights could not fit in the file (4 bytes each at least), which
	// bounds what layers built to be counted allocate.
	n, err := d.header.Model.ParamCountWithin(int64(len(d.data)) / 4)
	if err != nil {
		return nil, bad(err)
	}
	if n*4 > int64(len(d.data)) {
		return nil, bad(errors.Errorf("the model declares %d or more weights, the file holds %d bytes of tensors", n, len(d.data)))
	}
	m, err := nn.FromConfig(d.header.Model)
	if err != nil {
		return nil, bad(err)
	}
	loss, metrics, outputs, err := fromCompileConfig(d.header.Compile)
	if err != nil {
		return nil, bad(err)
	}
	if err := loadParams(m.Params(), d); err != nil {
		return nil, bad(err)
	}
	opt, err := optimizerFromState(d.header.Optimizer, m.Trainable(), d)
	if err != nil {
		return nil, bad(err)
	}
	if err := d.checkAllUsed(nil); err != nil {
		return nil, bad(err)
	}
	var t *Trainer
	if outputs != nil {
		t, err = CompileOutputs(m, opt, outputs)
	} else {
		t, err = Compile(m, opt, loss, metrics...)
	}
	if err != nil {
		return nil, bad(err)
	}
	t.epoch = d.header.Epoch
	return t, nil
}

// configOf returns m's architecture for a checkpoint, or an error naming
// the model when it cannot describe one.
func configOf(m Model) (nn.ModelConfig, error) {
	c, ok := m.(Configured)
	if !ok {
		return nn.ModelConfig{}, errors.Errorf("model %q: a %T has no Config (train.Configured), so no checkpoint can hold it", m.ModelName(), m)
	}
	return c.Config()
}

// LoadWeights sets the trainer's weights from a checkpoint whose model has
// the same architecture; the optimiser and epoch are left alone. A
// checkpoint of another architecture gives an *ArchitectureError
// (errors.Is(err, ErrArchitecture)) naming the first difference; a damaged
// file gives ErrCorrupt as with Load.
func (t *Trainer) LoadWeights(path string) error {
	d, err := openCheckpoint(path)
	if err != nil {
		return err
	}
	want, err := configOf(t.Model)
	if err != nil {
		return err
	}
	if err := sameArchitecture(d.header.Model, want); err != nil {
		return errors.WithStack(&ArchitectureError{Path: path, Model: t.Model.ModelName(), Err: err})
	}
	t.mu.Lock()
	err = loadParams(t.Model.Params(), d)
	t.guard.reset()
	t.mu.Unlock()
	if err != nil {
		// The header matches the model, so the tensors disagree with it.
		return corrupt(path, err)
	}
	// The optimiser state is not loaded here but belongs in the file.
	if err := d.checkAllUsed(slotTensorOf(t.Model.Trainable(), d.header.Optimizer.Slots)); err != nil {
		return corrupt(path, err)
	}
	return nil
}

// openCheckpoint reads and verifies the checkpoint at path. Only a regular
// file is opened: a named pipe would block the read until someone writes
// to it, and a device such as /dev/zero never ends. Its size, from stat,
// bounds every read (readCheckpoint).
func openCheckpoint(path string) (*decodedCheckpoint, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, errors.Wrap(err, "checkpoint")
	}
	if err := regularFile(path, st); err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "checkpoint")
	}
	defer f.Close()
	// Stat again what was opened: path may have been replaced meanwhile.
	if st, err = f.Stat(); err != nil {
		return nil, errors.Wrap(err, "checkpoint")
	}
	if err := regularFile(path, st); err != nil {
		return nil, err
	}
	return readCheckpoint(f, st.Size(), path)
}

// regularFile refuses anything but a regular file, saying what it is.
func regularFile(path string, st os.FileInfo) error {
	m := st.Mode()
	if m.IsRegular() {
		return nil
	}
	what := "mode " + m.String()
	switch {
	case m.IsDir():
		what = "a directory"
	case m&os.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case m&os.ModeDevice != 0:
		what = "a device"
	case m&os.ModeSocket != 0:
		what = "a socket"
	}
	return errors.Errorf("checkpoint %s: %s, not a regular file", path, what)
}

func loadParams(params []*graph.Param, d *decodedCheckpoint) error {
	vals := make([][]float64, len(params))
	for i, p := range params {
		v, err := d.float64s(p.Name, p.Shape())
		if err != nil {
			return err
		}
		vals[i] = v
	}
	return graph.Restore(params, vals)
}

func sameArchitecture(got, want nn.ModelConfig) error {
	if !reflect.DeepEqual(got.Inputs, want.Inputs) || !reflect.DeepEqual(got.Nodes, want.Nodes) || !reflect.DeepEqual(got.Outputs, want.Outputs) {
		return errors.New("its graph (inputs, layer calls or outputs) differs from the model's")
	}
	if !got.Input.Equal(want.Input) {
		return errors.Errorf("it takes inputs of shape %v, the model %v", []int(got.Input), []int(want.Input))
	}
	if len(got.Layers) != len(want.Layers) {
		return errors.Errorf("it has %d layers, the model %d", len(got.Layers), len(want.Layers))
	}
	for i := range got.Layers {
		if !got.Layers[i].Equal(want.Layers[i]) {
			return errors.Errorf("layer %d is %+v in the checkpoint, %+v in the model", i, got.Layers[i], want.Layers[i])
		}
	}
	if got.DType != want.DType {
		return errors.Errorf("its weights are %s, the model's %s", got.DType, want.DType)
	}
	return nil
}

func compileConfigOf(t *Trainer) (compileConfig, error) {
	c, err := lossConfigOf(t.Loss, t.Metrics)
	if err != nil || t.outputs == nil {
		return c, err
	}
	for _, o := range t.outputs {
		oc, err := lossConfigOf(o.Loss, o.Metrics)
		if err != nil {
			return c, errors.Wrapf(err, "output %q", o.name)
		}
		c.Outputs = append(c.Outputs, outputConfig{Name: o.name, Loss: oc.Loss, FromLogits: oc.FromLogits, Weight: o.Weight, Metrics: oc.Metrics})
	}
	return c, nil
}

// lossConfigOf describes a loss and its metrics.
func lossConfigOf(loss Loss, metrics []Metric) (compileConfig, error) {
	var c compileConfig
	switch l := loss.(type) {
	case *CrossEntropy:
		c.Loss, c.FromLogits = l.Name(), l.FromLogits
	case MSE:
		c.Loss = l.Name()
	default:
		return c, errors.Errorf("loss %s cannot be saved", loss.Name())
	}
	for _, m := range metrics {
		if _, ok := m.(*AccuracyMetric); !ok {
			return c, errors.Errorf("metric %s cannot be saved", m.Name())
		}
		c.Metrics = append(c.Metrics, m.Name())
	}
	return c, nil
}

// fromCompileConfig makes the loss and metrics a file describes, and for a
// model of several outputs each output's set-up.
func fromCompileConfig(c compileConfig) (Loss, []Metric, map[string]Output, error) {
	loss, ms, err := lossFromConfig(c.Loss, c.FromLogits, c.Metrics)
	if err != nil || len(c.Outputs) == 0 {
		return loss, ms, nil, err
	}
	outs := map[string]Output{}
	for i, o := range c.Outputs {
		if _, dup := outs[o.Name]; dup {
			return nil, nil, nil, errors.Errorf("output %q is set up twice", o.Name)
		}
		if !(o.Weight > 0 && o.Weight <= math.MaxFloat64) {
			return nil, nil, nil, errors.Errorf("output %d (%q): loss weight %v", i, o.Name, o.Weight)
		}
		l, ms, err := lossFromConfig(o.Loss, o.FromLogits, o.Metrics)
		if err != nil {
			return nil, nil, nil, errors.Wrapf(err, "output %q", o.Name)
		}
		outs[o.Name] = Output{Loss: l, Weight: o.Weight, Metrics: ms}
	}
	return loss, ms, outs, nil
}

func lossFromConfig(name string, fromLogits bool, metrics []string) (Loss, []Metric, error) {
	var loss Loss
	switch name {
	case "sparse_categorical_crossentropy":
		loss = &CrossEntropy{Sparse: true, FromLogits: fromLogits}
	case "categorical_crossentropy":
		loss = &CrossEntropy{FromLogits: fromLogits}
	case "mean_squared_error":
		loss = MSE{}
	default:
		return nil, nil, errors.Errorf("unknown loss %q", name)
	}
	var ms []Metric
	for _, n := range metrics {
		if n != "accuracy" {
			return nil, nil, errors.Errorf("unknown metric %q", n)
		}
		ms = append(ms, Accuracy())
	}
	return loss, ms, nil
}
