package train

import (
	"fmt"
	"io"
	"math"
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
	m := t.Model
	if src == nil || src.Len() == 0 {
		return nil, errors.Errorf("fit %q: no training data", m.Name)
	}
	if !m.Built() {
		if err := m.Build(src.Features(), nn.BuildOptions{Seed: opt.Seed}); err != nil {
			return nil, errors.Wrap(err, "fit")
		}
	}
	if opt.BatchSize <= 0 {
		return nil, errors.Errorf("fit %q: batch size must be positive, got %d", m.Name, opt.BatchSize)
	}
	if opt.Epochs < 0 || opt.InitialEpoch < 0 {
		return nil, errors.Errorf("fit %q: epochs %d and initial epoch %d must not be negative", m.Name, opt.Epochs, opt.InitialEpoch)
	}
	if !(opt.ValidationSplit >= 0 && opt.ValidationSplit < 1) {
		return nil, errors.Errorf("fit %q: validation split must be in [0, 1), got %v", m.Name, opt.ValidationSplit)
	}
	if err := t.checkData("fit "+m.Name, src); err != nil {
		return nil, err
	}

	// Indices into src: the training part, then the held-out validation part.
	n := src.Len()
	nTrain := n
	val := opt.ValidationData
	var valIdx []int
	if val != nil {
		if err := t.checkData("fit "+m.Name+": validation data", val); err != nil {
			return nil, err
		}
		valIdx = seq(0, val.Len())
	} else if opt.ValidationSplit > 0 {
		nTrain = int(math.Floor(float64(n) * (1 - opt.ValidationSplit)))
		if nTrain == 0 || nTrain == n {
			return nil, errors.Errorf("fit %q: validation split %v of %d samples leaves %d for training and %d for validation",
				m.Name, opt.ValidationSplit, n, nTrain, n-nTrain)
		}
		val = src
		valIdx = seq(nTrain, n)
	}
	trainIdx := seq(0, nTrain)

	keys := []string{"loss"}
	for _, mt := range t.Metrics {
		keys = append(keys, mt.Name())
	}
	if val != nil {
		for _, k := range keys[:len(keys):len(keys)] {
			keys = append(keys, "val_"+k)
		}
	}
	hist := newHistory(keys)
	t.stop = false
	for _, c := range opt.Callbacks {
		if err := c.OnTrainBegin(t); err != nil {
			return hist, err
		}
	}
	var logs Logs
	bs := opt.BatchSize
	if bs > nTrain {
		bs = nTrain
	}
	steps := (nTrain + bs - 1) / bs
	for epoch := opt.InitialEpoch; epoch < opt.Epochs && !t.stop; epoch++ {
		for _, c := range opt.Callbacks {
			if err := c.OnEpochBegin(t, epoch); err != nil {
				return hist, err
			}
		}
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "Epoch %d/%d\n", epoch+1, opt.Epochs)
		}
		start := time.Now()
		rng := epochRand(opt.Seed, epoch)
		order := trainIdx
		if !opt.NoShuffle {
			order = make([]int, nTrain)
			for i, p := range rng.Perm(nTrain) {
				order[i] = trainIdx[p]
			}
		}
		for _, mt := range t.Metrics {
			mt.Reset()
		}
		var lossSum float64
		for b := 0; b < steps; b++ {
			idx := order[b*bs : min((b+1)*bs, nTrain)]
			s, err := t.stepFor(len(idx), true)
			if err != nil {
				return hist, errors.Wrapf(err, "fit %q", m.Name)
			}
			loss, err := t.run(s, src, idx, rng)
			if err != nil {
				return hist, errors.Wrapf(err, "fit %q: epoch %d, batch %d", m.Name, epoch+1, b+1)
			}
			if err := t.apply(s, loss); err != nil {
				var nf *NonFiniteError
				if errors.As(err, &nf) {
					nf.Model, nf.Epoch, nf.Batch, nf.Batches = m.Name, epoch, b, steps
					return hist, nf
				}
				return hist, errors.Wrapf(err, "fit %q", m.Name)
			}
			lossSum += loss * float64(len(idx))
			for _, mt := range t.Metrics {
				mt.Update(s.out64, s.tgt64, len(idx), m.OutputWidth())
			}
			for _, c := range opt.Callbacks {
				if err := c.OnBatchEnd(t, b, loss); err != nil {
					return hist, err
				}
			}
		}
		logs = Logs{"loss": lossSum / float64(nTrain)}
		for _, mt := range t.Metrics {
			logs[mt.Name()] = mt.Result()
		}
		if val != nil {
			vl, err := t.evaluate(val, valIdx, opt.BatchSize)
			if err != nil {
				return hist, errors.Wrapf(err, "fit %q: validation after epoch %d", m.Name, epoch+1)
			}
			for k, v := range vl {
				logs["val_"+k] = v
			}
		}
		t.epoch = epoch + 1
		hist.add(epoch, logs)
		if opt.Progress != nil {
			progressLine(opt.Progress, steps, time.Since(start), logs)
		}
		for _, c := range opt.Callbacks {
			if err := c.OnEpochEnd(t, epoch, logs); err != nil {
				return hist, err
			}
		}
	}
	for _, c := range opt.Callbacks {
		if err := c.OnTrainEnd(t, logs); err != nil {
			return hist, err
		}
	}
	return hist, nil
}

// apply accepts or rejects the step just run on s: with a finite loss and
// finite gradients it updates the weights, then commits the run's
// observations (BatchNorm's moving statistics). Otherwise it returns a
// *NonFiniteError, without its place in the epoch, and changes nothing.
func (t *Trainer) apply(s *step, loss float64) error {
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return &NonFiniteError{Loss: loss}
	}
	for i, p := range s.params {
		s.grads[i] = s.m.Grad(i)
		if s.grads[i] != nil && !allFinite(s.grads[i]) {
			return &NonFiniteError{Loss: loss, Grad: p.Name}
		}
	}
	if err := t.Optimizer.Update(s.params, s.grads); err != nil {
		return err
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
