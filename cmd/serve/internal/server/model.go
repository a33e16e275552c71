package server

import (
	"encoding/json"
	"path/filepath"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/train"
)

// Tensor describes one input or output of a served model: its name and its
// per-sample shape (the batch dimension left out, as gradgraph's shapes
// are). Classifier marks an output of class probabilities, whose argmax
// answers carry under "classes".
type Tensor struct {
	Name       string `json:"name"`
	Shape      []int  `json:"shape"`
	Classifier bool   `json:"classifier,omitempty"`
}

// Size is the number of values in one sample of t.
func (t Tensor) Size() int { return nn.Shape(t.Shape).Size() }

// Model is what a Server serves: a checkpoint's trainer or an imported
// ONNX file's model (FromTrainer; see Open).
//
// Predict takes rows samples, each the inputs' values one after another
// in the order of Inputs, and returns rows rows of the outputs' values in
// the order of Outputs. Every row's answer must depend on that row alone,
// whatever else is in the batch: the server batches requests together and
// promises each the answer it would get alone. A Model is used by one
// goroutine at a time; Clone gives another for a second worker.
type Model interface {
	Inputs() []Tensor
	Outputs() []Tensor
	Predict(x []float32, rows int) ([]float32, error)
	Clone() (Model, error)
}

// Open loads the model file at path, chosen by its extension: an ONNX
// file (.onnx) is imported (onnx.ReadFile: its images channels last, as
// gradgraph takes them) and compiled for prediction alone; anything else is
// read as a gradgraph checkpoint (train.Load). chunk is the most rows one
// graph run takes (FromTrainer).
func Open(path string, chunk int) (Model, error) {
	if strings.EqualFold(filepath.Ext(path), ".onnx") {
		m, err := onnx.ReadFile(path)
		if err != nil {
			return nil, errors.Wrap(err, "load model")
		}
		// A trainer needs an optimiser and a loss per output, which
		// Predict never uses. Which outputs are a classifier's is read
		// from their layers' activations (softmaxLayers).
		outs := map[string]train.Output{}
		for _, n := range m.OutputNames() {
			outs[n] = train.Output{Loss: train.MeanSquaredError()}
		}
		tr, err := train.CompileOutputs(m, train.SGD(0.01), outs)
		if err != nil {
			return nil, errors.Wrapf(err, "model %s", path)
		}
		return FromTrainer(tr, chunk)
	}
	tr, err := train.Load(path)
	if err != nil {
		return nil, errors.Wrap(err, "load model")
	}
	return FromTrainer(tr, chunk)
}

// NameOf is the name a model file is served under: its base name without
// the extension ("models/iris.ckpt" is "iris").
func NameOf(path string) string {
	base := filepath.Base(path)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// trainerModel serves a trainer's model through Predict.
type trainerModel struct {
	tr      *train.Trainer
	chunk   int
	inputs  []Tensor
	outputs []Tensor
}

// FromTrainer serves tr's model. chunk is the most rows one graph run
// takes: Predict runs a batch of more rows as several, so a trainer holds
// graphs for at most chunk batch sizes (it keeps one per size it has run).
//
// An output is a classifier's (its answers carry classes) when the layer
// making it ends in a softmax, or when the model has one output and the
// trainer's loss is a cross-entropy.
func FromTrainer(tr *train.Trainer, chunk int) (Model, error) {
	if tr == nil || tr.NN() == nil {
		return nil, errors.New("server: no model")
	}
	m := tr.NN()
	if !m.Built() {
		return nil, errors.Errorf("model %q: not built", m.Name)
	}
	if chunk < 1 {
		return nil, errors.Errorf("model %q: chunk %d: want at least 1 row", m.Name, chunk)
	}
	t := &trainerModel{tr: tr, chunk: chunk}
	for i, n := range m.InputNames() {
		t.inputs = append(t.inputs, Tensor{Name: n, Shape: m.InputShapes()[i]})
	}
	softmax := softmaxLayers(m)
	_, crossEntropy := tr.Loss.(*train.CrossEntropy)
	names := m.OutputNames()
	for i, n := range names {
		t.outputs = append(t.outputs, Tensor{Name: n, Shape: m.OutputShapes()[i],
			Classifier: softmax[n] || len(names) == 1 && crossEntropy})
	}
	return t, nil
}

// softmaxLayers names the layers of m whose activation is a softmax or a
// log-softmax (a PyTorch classifier's usual end, whose argmax is the same
// class), read from their saved settings (Dense, Conv2D and Activation
// layers have one).
func softmaxLayers(m *nn.Model) map[string]bool {
	out := map[string]bool{}
	for _, l := range m.Layers {
		cf, ok := l.(nn.Configurer)
		if !ok {
			continue
		}
		var s struct {
			Activation string `json:"activation"`
		}
		if c := cf.Config(); json.Unmarshal(c.Settings, &s) == nil && (s.Activation == "softmax" || s.Activation == "log_softmax") {
			out[l.Name()] = true
		}
	}
	return out
}

func (t *trainerModel) Inputs() []Tensor  { return t.inputs }
func (t *trainerModel) Outputs() []Tensor { return t.outputs }

func (t *trainerModel) Clone() (Model, error) {
	c, err := t.tr.Clone()
	if err != nil {
		return nil, err
	}
	return &trainerModel{tr: c, chunk: t.chunk, inputs: t.inputs, outputs: t.outputs}, nil
}

// Predict is tr.Predict on rows made into a data source: a data.Dataset for
// one input, a data.Join of one per input otherwise (train predicts from a
// Source, not from a matrix).
func (t *trainerModel) Predict(x []float32, rows int) ([]float32, error) {
	width := 0
	for _, in := range t.inputs {
		width += in.Size()
	}
	if rows < 1 || len(x) != rows*width {
		return nil, errors.Errorf("predict: %d values are not %d rows of %d", len(x), rows, width)
	}
	var src data.Source
	if len(t.inputs) == 1 {
		d, err := data.NewDataset("request", x, width, nil, 0, nil)
		if err != nil {
			return nil, errors.Wrap(err, "predict")
		}
		src = d
	} else {
		var parts []data.Named
		off := 0
		for _, in := range t.inputs {
			w := in.Size()
			col := make([]float32, rows*w)
			for r := 0; r < rows; r++ {
				copy(col[r*w:(r+1)*w], x[r*width+off:r*width+off+w])
			}
			d, err := data.NewDataset(in.Name, col, w, nil, 0, nil)
			if err != nil {
				return nil, errors.Wrap(err, "predict")
			}
			parts = append(parts, data.Named{Name: in.Name, Source: d})
			off += w
		}
		j, err := data.Join(parts, nil)
		if err != nil {
			return nil, errors.Wrap(err, "predict")
		}
		src = j
	}
	out, err := t.tr.Predict(src, min(rows, t.chunk))
	if err != nil {
		return nil, err
	}
	ow := t.tr.NN().OutputWidth()
	flat := make([]float32, 0, rows*ow)
	for _, row := range out {
		flat = append(flat, row...)
	}
	return flat, nil
}
