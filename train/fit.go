package train

import (
	"fmt"
	"io"
	"math"
	"math/rand"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// FitOptions are Fit's arguments, named as in Keras's model.fit.
type FitOptions struct {
	Epochs    int // train until this epoch count is reached
	BatchSize int // samples per step; the last batch of an epoch may be smaller

	// ValidationSplit holds out this fraction of the data, taken from the
	// end before any shuffling, and evaluates on it after each epoch. As in
	// Keras, training keeps the first floor(n·(1−split)) samples, computed
	// in floating point: 90 samples split 0.3 train on 62, since 1−0.3 is
	// just below 0.7. ValidationData, if set, is used instead.
	ValidationSplit float64
	ValidationData  data.Source

	// ClassWeight weights each training sample's loss by its class's
	// weight (Keras's class_weight: a class not in the map weighs 1), and
	// SampleWeight by its own, one per sample of the training data
	// (Keras's sample_weight); with both, a sample weighs their product.
	// The training loss is then Σ wᵢ·lossᵢ / batch, as in Keras, and the
	// metrics and validation figures stay unweighted. Weights must be
	// finite and not negative; ClassWeight takes a model of one output
	// whose loss is a cross-entropy.
	ClassWeight  map[int]float64
	SampleWeight []float64

	NoShuffle    bool  // keep the data's order instead of shuffling each epoch
	Seed         int64 // seeds shuffling and dropout (and the weights, if Fit builds the model)
	InitialEpoch int   // epoch to start at, for resuming

	Callbacks []Callback
	Progress  io.Writer // Keras-style epoch lines; nil for quiet
}

// Fit trains the model on src and returns the history of each epoch's logs:
// the sample-weighted mean training loss and metrics, and with validation
// data, the same figures on it in inference mode ("val_loss", ...).
//
// A loss or a gradient that becomes NaN or infinite stops training with a
// *NonFiniteError naming the epoch and batch (errors.Is ErrNonFinite); every
// param, BatchNorm's moving statistics included, then holds the values of
// the step before.
func (t *Trainer) Fit(src data.Source, opt FitOptions) (*History, error) {
	if !t.fitting.CompareAndSwap(false, true) {
		return nil, errors.Wrapf(ErrFitRunning, "fit %q", t.Model.ModelName())
	}
	defer t.fitting.Store(false)
	p, err := t.planFit(src, opt)
	if err != nil {
		return nil, err
	}
	hist := newHistory(p.keys)
	t.stop.Store(false)
	t.mu.Lock()
	t.weigh = p.weigh
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.weigh = nil
		t.mu.Unlock()
	}()
	if err := p.each(func(c Callback) error { return c.OnTrainBegin(t) }); err != nil {
		return hist, err
	}
	var logs Logs
	for epoch := opt.InitialEpoch; epoch < opt.Epochs && !t.stop.Load(); epoch++ {
		if logs, err = t.fitEpoch(p, epoch, hist); err != nil {
			return hist, err
		}
	}
	return hist, p.each(func(c Callback) error { return c.OnTrainEnd(t, logs) })
}

// fitPlan is what Fit settles before the first step: the data, which
// samples train and which validate, the batches, the history's columns.
type fitPlan struct {
	opt          FitOptions
	src, val     data.Source
	trainIdx     []int // indices into src
	valIdx       []int // indices into val
	batch, steps int
	keys         []string
	t            *Trainer
	tally        *tally     // the epoch's figures so far
	weigh        *weighting // sample weights; nil for none
}

// planFit checks Fit's arguments against the model and splits the data.
func (t *Trainer) planFit(src data.Source, opt FitOptions) (*fitPlan, error) {
	m := t.Model
	if src == nil || src.Len() == 0 {
		return nil, errors.Errorf("fit %q: no training data", m.ModelName())
	}
	if !built(m) {
		if err := buildFor(m.(Buildable), src, opt.Seed); err != nil {
			return nil, errors.Wrap(err, "fit")
		}
	}
	if opt.BatchSize <= 0 {
		return nil, errors.Errorf("fit %q: batch size must be positive, got %d", m.ModelName(), opt.BatchSize)
	}
	if opt.Epochs < 0 || opt.InitialEpoch < 0 {
		return nil, errors.Errorf("fit %q: epochs %d and initial epoch %d must not be negative", m.ModelName(), opt.Epochs, opt.InitialEpoch)
	}
	if !(opt.ValidationSplit >= 0 && opt.ValidationSplit < 1) {
		return nil, errors.Errorf("fit %q: validation split must be in [0, 1), got %v", m.ModelName(), opt.ValidationSplit)
	}
	src, err := t.arrange("fit", src)
	if err != nil {
		return nil, err
	}
	if err := t.checkData("fit "+m.ModelName(), src); err != nil {
		return nil, err
	}
	p := &fitPlan{opt: opt, src: src, val: opt.ValidationData, t: t}
	if p.val != nil {
		if p.val, err = t.arrange("fit: validation data", p.val); err != nil {
			return nil, err
		}
	}
	t.guardReset() // the weights may have been set since the last step
	n := src.Len()
	nTrain := n
	if p.val != nil {
		if err := t.checkData("fit "+m.ModelName()+": validation data", p.val); err != nil {
			return nil, err
		}
		p.valIdx = seq(0, p.val.Len())
	} else if opt.ValidationSplit > 0 {
		// The held-out part is the end of the data, before any shuffling.
		nTrain = int(math.Floor(float64(n) * (1 - opt.ValidationSplit)))
		if nTrain == 0 || nTrain == n {
			return nil, errors.Errorf("fit %q: validation split %v of %d samples leaves %d for training and %d for validation",
				m.ModelName(), opt.ValidationSplit, n, nTrain, n-nTrain)
		}
		p.val, p.valIdx = src, seq(nTrain, n)
	}
	if p.weigh, err = t.newWeighting(src, opt); err != nil {
		return nil, errors.Wrapf(err, "fit %q", m.ModelName())
	}
	p.trainIdx = seq(0, nTrain)
	p.batch = min(opt.BatchSize, nTrain)
	p.steps = (nTrain + p.batch - 1) / p.batch
	p.keys = t.logKeys()
	if p.val != nil {
		for _, k := range p.keys[:len(p.keys):len(p.keys)] {
			p.keys = append(p.keys, "val_"+k)
		}
	}
	return p, nil
}

// buildFor builds an unbuilt model for src's samples, as Keras builds a
// model on the first data it sees: for their shape when the source has one
// (images: (28, 28, 1)) and the model takes it, as a flat width otherwise
// (a Dense stack takes flat inputs). When neither fits, the shaped
// attempt's error is reported: it names the layer that refused.
func buildFor(m Buildable, src data.Source, seed int64) error {
	opt := nn.BuildOptions{Seed: seed}
	shape := data.ShapeOf(src)
	if len(shape) < 2 {
		return m.Build(src.Features(), opt)
	}
	errShape := m.BuildShape(shape, opt)
	if errShape == nil {
		return nil
	}
	if m.Build(src.Features(), opt) == nil {
		return nil
	}
	return errShape
}

// each calls fn for every callback, stopping at the first error. A
// callback may change the weights (EarlyStopping restores them, a user's
// may set them), so the step guard's bounds are measured afresh after one
// has run.
func (p *fitPlan) each(fn func(Callback) error) error {
	for _, c := range p.opt.Callbacks {
		p.t.guardReset()
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// fitEpoch trains one epoch over a fresh seeded shuffle, validates, and
// records the epoch's logs in hist.
func (t *Trainer) fitEpoch(p *fitPlan, epoch int, hist *History) (Logs, error) {
	if err := p.each(func(c Callback) error { return c.OnEpochBegin(t, epoch) }); err != nil {
		return nil, err
	}
	if p.opt.Progress != nil {
		fmt.Fprintf(p.opt.Progress, "Epoch %d/%d\n", epoch+1, p.opt.Epochs)
	}
	start := time.Now()
	rng := epochRand(p.opt.Seed, epoch)
	order := p.trainIdx
	if !p.opt.NoShuffle {
		order = make([]int, len(p.trainIdx))
		for i, k := range rng.Perm(len(order)) {
			order[i] = p.trainIdx[k]
		}
	}
	p.tally = t.newTally(false)
	for b := 0; b < p.steps; b++ {
		idx := order[b*p.batch : min((b+1)*p.batch, len(order))]
		if b+1 < p.steps {
			// A source reading lazily (data.Prefetcher) reads the next
			// batch while this one runs; others ignore the hint.
			data.Prefetch(p.src, order[(b+1)*p.batch:min((b+2)*p.batch, len(order))])
		}
		loss, err := t.trainStep(p, idx, rng, epoch, b)
		if err != nil {
			return nil, err
		}
		if err := p.each(func(c Callback) error { return c.OnBatchEnd(t, b, loss) }); err != nil {
			return nil, err
		}
	}
	logs := p.tally.logs()
	if p.val != nil {
		t.mu.Lock()
		vl, err := t.evaluate(p.val, p.valIdx, p.opt.BatchSize)
		t.mu.Unlock()
		if err != nil {
			return nil, errors.Wrapf(err, "fit %q: validation after epoch %d", t.Model.ModelName(), epoch+1)
		}
		for k, v := range vl {
			logs["val_"+k] = v
		}
	}
	t.mu.Lock()
	t.epoch = epoch + 1
	t.mu.Unlock()
	hist.add(epoch, logs)
	if p.opt.Progress != nil {
		progressLine(p.opt.Progress, p.steps, time.Since(start), logs)
	}
	return logs, p.each(func(c Callback) error { return c.OnEpochEnd(t, epoch, logs) })
}

// trainStep runs batch b of the epoch (samples idx), updates the weights
// when the step is finite, and adds it to the training metrics. It holds
// the trainer's lock: other goroutines' Evaluate and Predict wait for the
// step, and run between steps.
func (t *Trainer) trainStep(p *fitPlan, idx []int, rng *rand.Rand, epoch, b int) (float64, error) {
	m := t.Model
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.stepFor(len(idx), true)
	if err != nil {
		return 0, errors.Wrapf(err, "fit %q", m.ModelName())
	}
	var loss float64
	var runErr error
	t.gate.run(len(idx), func() {
		if loss, runErr = t.run(s, p.src, idx, rng); runErr == nil {
			// A source whose Fill failed (data.ErrSource: a file gone
			// since it was listed) stops training before the step counts.
			if runErr = data.SourceErr(p.src); runErr == nil {
				err = t.apply(s, loss)
			}
		}
	})
	if runErr != nil {
		return 0, errors.Wrapf(runErr, "fit %q: epoch %d, batch %d", m.ModelName(), epoch+1, b+1)
	}
	if err != nil {
		var nf *NonFiniteError
		if errors.As(err, &nf) {
			nf.Model, nf.Epoch, nf.Batch, nf.Batches = m.ModelName(), epoch, b, p.steps
			return 0, nf
		}
		return 0, errors.Wrapf(err, "fit %q", m.ModelName())
	}
	p.tally.add(s, len(idx), loss)
	return loss, nil
}

// apply accepts or rejects the step just run on s: with a finite loss and
// finite gradients it updates the weights, then commits the run's
// observations (BatchNorm's moving statistics). Otherwise it returns a
// *NonFiniteError, without its place in the epoch, and changes nothing.
func (t *Trainer) apply(s *step, loss float64) error {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return &NonFiniteError{Loss: loss}
	}
	gmax := 0.0
	for i, p := range s.params {
		s.grads[i] = s.m.Grad(i)
		if s.grads[i] == nil {
			continue
		}
		m, ok := maxAbs(s.grads[i])
		if !ok {
			return &NonFiniteError{Loss: loss, Grad: p.Name}
		}
		gmax = max(gmax, m)
	}
	if name, ok := s.m.ObservedFinite(); !ok {
		return &NonFiniteError{Loss: loss, Stat: name}
	}
	bad, err := t.guard.update(t.Optimizer, s.params, s.grads, gmax)
	if err != nil {
		return err
	}
	if bad != "" {
		return &NonFiniteError{Loss: loss, Update: bad}
	}
	return s.m.Commit()
}

func seq(from, to int) []int {
	s := make([]int, to-from)
	for i := range s {
		s[i] = from + i
	}
	return s
}
