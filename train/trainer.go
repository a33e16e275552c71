package train

import (
	"math/rand"
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"
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
	Model     *nn.Model
	Optimizer Optimizer
	Loss      Loss
	Metrics   []Metric

	mu     sync.Mutex // held while a graph of the trainer runs
	evalMs []Metric   // evaluation's own metric instances (evalMetrics)
	guard  stepGuard  // keeps an overflowing update from reaching a weight
	gate   stepGate   // whether a step's loops may split across cores

	train   map[int]*step // training graphs by batch size
	infer   map[int]*step // inference graphs by batch size
	stop    atomic.Bool   // StopTraining was called during this Fit
	fitting atomic.Bool   // a Fit is running
	epoch   int           // epochs completed, across Fit calls; under mu
}

// Compile binds a model to an optimiser, a loss and metrics.
func Compile(model *nn.Model, opt Optimizer, loss Loss, metrics ...Metric) (*Trainer, error) {
	if model == nil {
		return nil, errors.New("compile: nil model")
	}
	if opt == nil {
		return nil, errors.Errorf("compile %q: no optimizer", model.Name)
	}
	if loss == nil {
		return nil, errors.Errorf("compile %q: no loss", model.Name)
	}
	if err := validateOptimizer(opt); err != nil {
		return nil, errors.Wrapf(err, "compile %q", model.Name)
	}
	names := map[string]bool{"loss": true}
	for _, m := range metrics {
		if m == nil || names[m.Name()] {
			return nil, errors.Errorf("compile %q: nil or duplicate metric", model.Name)
		}
		names[m.Name()] = true
	}
	return &Trainer{Model: model, Optimizer: opt, Loss: loss, Metrics: metrics,
		gate: newStepGate(), train: map[int]*step{}, infer: map[int]*step{}}, nil
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
	x, y   *graph.Input
	rows   int
	xs, ys []float32 // staging when the graph is float64 / raw targets
	enc    []float32 // encoded targets
	out64  []float64 // outputs as float64 for the metrics
	tgt64  []float64 // targets as float64 for the metrics
	params []*graph.Param
	grads  []*tensor.Dense
}

// stepFor returns the graph for batches of rows samples, building and
// caching it on first use.
func (t *Trainer) stepFor(rows int, training bool) (*step, error) {
	cache := t.infer
	if training {
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
	outW := m.OutputWidth()
	s := &step{rows: rows}
	s.x = b.Input("x", rows, m.InputWidth())
	s.y = b.Input("y", rows, outW)
	out, err := m.Forward(b, s.x.Node)
	if err != nil {
		return nil, err
	}
	loss, err := t.Loss.Build(b, out, s.y.Node)
	if err != nil {
		return nil, errors.Wrapf(err, "model %q", m.Name)
	}
	if training {
		s.params = m.Trainable()
		s.grads = make([]*tensor.Dense, len(s.params))
	}
	if s.m, err = b.Compile(loss, s.params, out); err != nil {
		return nil, errors.Wrapf(err, "model %q", m.Name)
	}
	if s.x.Float32s() == nil {
		s.xs = make([]float32, rows*m.InputWidth())
	}
	s.enc = make([]float32, rows*outW)
	s.out64 = make([]float64, rows*outW)
	s.tgt64 = make([]float64, rows*outW)
	cache[rows] = s
	return s, nil
}

// run feeds the samples idx of src through s and returns the batch loss.
// Outputs and encoded targets are left in s.out64 and s.tgt64.
func (t *Trainer) run(s *step, src data.Source, idx []int, rng *rand.Rand) (float64, error) {
	outW := t.Model.OutputWidth()
	tw := src.TargetWidth()
	if cap(s.ys) < len(idx)*tw {
		s.ys = make([]float32, len(idx)*tw)
	}
	ys := s.ys[:len(idx)*tw]
	if x := s.x.Float32s(); x != nil {
		fill(src, idx, x, ys)
	} else {
		fill(src, idx, s.xs, ys)
		if err := s.x.Set(s.xs); err != nil {
			return 0, err
		}
	}
	if err := t.Loss.Encode(ys, len(idx), outW, s.enc); err != nil {
		return 0, err
	}
	if err := s.y.Set(s.enc); err != nil {
		return 0, err
	}
	if err := s.m.Run(rng); err != nil {
		return 0, err
	}
	switch o := s.m.Output(0).Data().(type) {
	case []float32:
		for i, v := range o {
			s.out64[i] = float64(v)
		}
	case []float64:
		copy(s.out64, o)
	}
	for i, v := range s.enc {
		s.tgt64[i] = float64(v)
	}
	return s.m.Loss(), nil
}

// checkData validates a data set against the compiled model.
func (t *Trainer) checkData(what string, src data.Source) error {
	if src == nil {
		return errors.Errorf("%s: no data", what)
	}
	if src.Len() == 0 {
		return errors.Errorf("%s: data set is empty", what)
	}
	if src.Features() != t.Model.InputWidth() {
		return errors.Errorf("%s: data has %d features, model %q takes %d", what, src.Features(), t.Model.Name, t.Model.InputWidth())
	}
	return errors.Wrap(t.Loss.Check(src, t.Model.OutputWidth()), what)
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
