package train

import (
	"math/rand"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// Trainer is a model compiled with an optimiser, a loss and metrics
// (Keras's model.compile): it fits, evaluates and predicts.
//
// A Trainer is safe for concurrent use: its graphs, weights and metrics are
// shared state, so Evaluate, Predict, Save, LoadWeights, Clone, Epoch,
// EarlyStopping's snapshots and restores, and the steps of Fit take turns
// (Fit lets others in between its steps, and runs its callbacks outside the
// lock, so a callback may call Evaluate or Save). StopTraining may be
// called from any goroutine. One Fit runs at a time: a second Fit on the
// same trainer while one runs returns ErrFitRunning at once (two would
// interleave their steps and share the training metrics). For inference
// in parallel, give each goroutine a Clone.
type Trainer struct {
	Model     Model
	Optimizer Optimizer
	Loss      Loss
	Metrics   []Metric

	mu      sync.Mutex    // held while a graph of the trainer runs
	evalMs  []Metric      // evaluation's own metric instances (evalMetrics)
	outputs []namedOutput // per output, from CompileOutputs; nil: Loss and Metrics
	guard   stepGuard     // keeps an overflowing update from reaching a weight
	gate    stepGate      // whether a step's loops may split across cores

	train   map[int]*step // training graphs by batch size
	wtrain  map[int]*step // training graphs with per-sample weights, by batch size
	weigh   *weighting    // the running Fit's sample weights; nil for none
	infer   map[int]*step // inference graphs by batch size
	stop    atomic.Bool   // StopTraining was called during this Fit
	fitting atomic.Bool   // a Fit is running
	epoch   int           // epochs completed, across Fit calls; under mu
}

// Compile binds a model to an optimiser, a loss and metrics.
func Compile(model Model, opt Optimizer, loss Loss, metrics ...Metric) (*Trainer, error) {
	if model == nil {
		return nil, errors.New("compile: nil model")
	}
	if opt == nil {
		return nil, errors.Errorf("compile %q: no optimizer", model.ModelName())
	}
	if loss == nil {
		return nil, errors.Errorf("compile %q: no loss", model.ModelName())
	}
	if err := validateOptimizer(opt); err != nil {
		return nil, errors.Wrapf(err, "compile %q", model.ModelName())
	}
	names := map[string]bool{"loss": true}
	for _, m := range metrics {
		if m == nil || names[m.Name()] {
			return nil, errors.Errorf("compile %q: nil or duplicate metric", model.ModelName())
		}
		names[m.Name()] = true
	}
	return &Trainer{Model: model, Optimizer: opt, Loss: loss, Metrics: metrics,
		gate: newStepGate(), train: map[int]*step{}, wtrain: map[int]*step{}, infer: map[int]*step{}}, nil
}

// StopTraining asks the running Fit to stop after the current epoch
// (Keras's model.stop_training = True); callbacks call it, and so may
// another goroutine. A call while no Fit runs has no effect: Fit clears it
// when it starts.
func (t *Trainer) StopTraining() { t.stop.Store(true) }

// Epoch is the number of epochs completed so far, across Fit calls.
func (t *Trainer) Epoch() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.epoch
}

// step is one compiled graph with its inputs and staging buffers.
type step struct {
	m      *graph.Machine
	xs     []*graph.Input // one per model input
	ys     []*graph.Input // one per output: its encoded targets
	w      *graph.Input   // per-sample loss weights (batch, 1); nil when unweighted
	wbuf   []float32
	rows   int
	xbuf   []float32   // a batch of flat feature rows, when not filled in place
	ybuf   []float32   // a batch of raw target rows
	tbuf   []float32   // one output's raw targets
	enc    [][]float32 // per output: encoded targets
	out64  [][]float64 // per output: outputs as float64 for the metrics
	tgt64  [][]float64 // per output: targets as float64 for the metrics
	losses []float64   // per output: its loss in the last run (several outputs)
	heads  []outHead   // the outputs' losses and widths the graph was built with
	tws    []int       // per output: the width of its targets in the data's rows
	params []*graph.Param
	grads  []*tensor.Dense
}

// stepFor returns the graph for batches of rows samples, building and
// caching it on first use.
func (t *Trainer) stepFor(rows int, training bool) (*step, error) {
	cache := t.infer
	weighted := training && t.weigh != nil
	switch {
	case weighted:
		cache = t.wtrain
	case training:
		cache = t.train
	}
	if s, ok := cache[rows]; ok {
		return s, nil
	}
	m := t.Model
	b, err := graph.NewBuilder(m.DType(), rows, training)
	if err != nil {
		return nil, err
	}
	hs := t.heads()
	many := len(hs) > 1 || len(m.InputNames()) > 1
	s := &step{rows: rows, heads: hs, tws: make([]int, len(hs))}
	var xn []*G.Node
	for i, shape := range m.InputShapes() {
		name := "x"
		if many {
			name = "x:" + m.InputNames()[i]
		}
		in := b.Input(name, rows, nn.Shape(shape).Size())
		s.xs, xn = append(s.xs, in), append(xn, in.Node)
	}
	for i, h := range hs {
		name := "y"
		if many {
			name = "y:" + m.OutputNames()[i]
		}
		s.ys = append(s.ys, b.Input(name, rows, h.width))
	}
	if weighted {
		s.w = b.Input("sample_weight", rows, 1)
	}
	outs, err := m.ForwardInputs(b, xn)
	if err != nil {
		return nil, err
	}
	// One output: its loss, as always. Several: the weighted sum, and each
	// output's own loss read back as an extra output of the graph.
	var loss *G.Node
	var each []*G.Node
	for i, h := range hs {
		var l *G.Node
		if weighted {
			wl, ok := h.loss.(WeightedLoss)
			if !ok {
				return nil, errors.Errorf("model %q: loss %s cannot weight samples (train.WeightedLoss)", m.ModelName(), h.loss.Name())
			}
			l, err = wl.BuildWeighted(b, outs[i], s.ys[i].Node, s.w.Node)
		} else {
			l, err = h.loss.Build(b, outs[i], s.ys[i].Node)
		}
		if err != nil {
			return nil, errors.Wrapf(err, "model %q: output %d", m.ModelName(), i)
		}
		each = append(each, l)
		if h.weight != 1 {
			if l, err = G.Mul(l, b.Const(h.weight)); err != nil {
				return nil, errors.Wrapf(err, "model %q: output %d", m.ModelName(), i)
			}
		}
		if loss == nil {
			loss = l
		} else if loss, err = G.Add(loss, l); err != nil {
			return nil, errors.Wrapf(err, "model %q", m.ModelName())
		}
	}
	// The layers' weight penalties (kernel regularizers), in training and
	// evaluation graphs alike as Keras 3 adds them; a model without any
	// builds the graph it always did.
	var pen *G.Node
	if r, ok := m.(Regularized); ok {
		if pen, err = r.Penalty(b); err != nil {
			return nil, err
		}
	}
	if pen != nil {
		if loss, err = G.Add(loss, pen); err != nil {
			return nil, errors.Wrapf(err, "model %q: penalty", m.ModelName())
		}
	}
	if training {
		s.params = m.Trainable()
		s.grads = make([]*tensor.Dense, len(s.params))
	}
	fetch := outs
	if len(hs) > 1 {
		fetch = append(append([]*G.Node(nil), outs...), each...)
		s.losses = make([]float64, len(hs))
	}
	if s.m, err = b.Compile(loss, s.params, fetch...); err != nil {
		return nil, errors.Wrapf(err, "model %q", m.ModelName())
	}
	if len(s.xs) > 1 || s.xs[0].Float32s() == nil {
		s.xbuf = make([]float32, rows*inputWidth(m))
	}
	for _, h := range hs {
		s.enc = append(s.enc, make([]float32, rows*h.width))
		s.out64 = append(s.out64, make([]float64, rows*h.width))
		s.tgt64 = append(s.tgt64, make([]float64, rows*h.width))
	}
	cache[rows] = s
	return s, nil
}

// run feeds the samples idx of src through s and returns the batch loss.
// Outputs and encoded targets are left in s.out64 and s.tgt64, each
// output's loss in s.losses when there are several.
func (t *Trainer) run(s *step, src data.Source, idx []int, rng *rand.Rand) (float64, error) {
	hs := s.heads
	tws := targetWidths(s.tws, src, hs)
	tw := 0
	for _, w := range tws {
		tw += w
	}
	if cap(s.ybuf) < len(idx)*tw {
		s.ybuf = make([]float32, len(idx)*tw)
	}
	ys := s.ybuf[:len(idx)*tw]
	if s.xbuf == nil {
		fill(src, idx, s.xs[0].Float32s(), ys)
	} else {
		fill(src, idx, s.xbuf, ys)
		if err := s.splitInputs(len(idx)); err != nil {
			return 0, err
		}
	}
	off := 0
	for i, h := range hs {
		raw := ys
		if len(hs) > 1 {
			// This output's columns of the target rows.
			w := tws[i]
			if cap(s.tbuf) < len(idx)*w {
				s.tbuf = make([]float32, len(idx)*w)
			}
			raw = s.tbuf[:len(idx)*w]
			for r := range idx {
				copy(raw[r*w:(r+1)*w], ys[r*tw+off:r*tw+off+w])
			}
			off += w
		}
		if err := h.loss.Encode(raw, len(idx), h.width, s.enc[i]); err != nil {
			return 0, errors.Wrapf(err, "%s", h.key("targets"))
		}
		if err := s.ys[i].Set(s.enc[i]); err != nil {
			return 0, err
		}
	}
	if s.w != nil {
		if err := t.weigh.fill(s, src, idx, ys, tw); err != nil {
			return 0, err
		}
	}
	if err := s.m.Run(rng); err != nil {
		return 0, err
	}
	for i := range hs {
		switch o := s.m.Output(i).Data().(type) {
		case []float32:
			for j, v := range o {
				s.out64[i][j] = float64(v)
			}
		case []float64:
			copy(s.out64[i], o)
		}
		for j, v := range s.enc[i] {
			s.tgt64[i][j] = float64(v)
		}
		if s.losses != nil {
			s.losses[i] = s.m.OutputScalar(len(hs) + i)
		}
	}
	return s.m.Loss(), nil
}

// splitInputs copies the staged feature rows into the graph's inputs: for
// several inputs, each its columns of the rows.
func (s *step) splitInputs(rows int) error {
	if len(s.xs) == 1 {
		return s.xs[0].Set(s.xbuf)
	}
	width := len(s.xbuf) / s.rows
	off := 0
	for _, in := range s.xs {
		w := in.Tensor.Shape()[1]
		part := in.Float32s()
		if part == nil { // a float64 graph: convert through a copy
			part = make([]float32, s.rows*w)
		}
		for r := 0; r < rows; r++ {
			copy(part[r*w:(r+1)*w], s.xbuf[r*width+off:r*width+off+w])
		}
		if in.Float32s() == nil {
			if err := in.Set(part); err != nil {
				return err
			}
		}
		off += w
	}
	return nil
}

// checkData validates a data set against the compiled model.
func (t *Trainer) checkData(what string, src data.Source) error {
	if src == nil {
		return errors.Errorf("%s: no data", what)
	}
	if src.Len() == 0 {
		return errors.Errorf("%s: data set is empty", what)
	}
	if src.Features() != inputWidth(t.Model) {
		return errors.Errorf("%s: data has %d features, model %q takes %d", what, src.Features(), t.Model.ModelName(), inputWidth(t.Model))
	}
	return errors.Wrap(t.checkTargets(src), what)
}

// fill is src.Fill, split over the cores when src says Fill may run
// concurrently (data.ConcurrentFiller, such as *data.Images); other sources
// are filled in one call, as they may not be safe for concurrent use.
func fill(src data.Source, idx []int, x, y []float32) {
	cf, ok := src.(data.ConcurrentFiller)
	if !ok || !cf.FillsConcurrently() || x == nil || y == nil {
		src.Fill(idx, x, y)
		return
	}
	f, tw := src.Features(), src.TargetWidth()
	inChunks(len(idx)*f, func(lo, hi int) {
		// Whole samples: chunk boundaries rounded to samples.
		a, b := (lo+f-1)/f, (hi+f-1)/f
		if a < b {
			cf.Fill(idx[a:b], x[a*f:b*f], y[a*tw:b*tw])
		}
	})
}
