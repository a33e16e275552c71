package nn

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// Regularizer is a weight penalty added to the training loss, Keras's
// keras.regularizers.L1, L2 and L1L2: L1·Σ|w| + L2·Σw² over every element
// of the weight it is set on (a layer's kernel: Dense and Conv2D's
// WithRegularizer, Keras's kernel_regularizer). A zero rate leaves its
// term out. A saved layer holds it as "kernel_regularizer":{"l2":0.01}
// (the rates that are not zero).
//
// The trainer adds the model's penalties (Model.Penalty) to the loss of
// its training and evaluation graphs alike, as Keras 3 does (its
// compute_loss adds model.losses whether training or not): the loss that
// Fit and Evaluate report, val_loss included, is the data loss plus the
// penalty, and each output's own loss of a model of several outputs is
// without it. The penalty is not divided by the batch size, nor scaled by
// sample, class or loss weights. A frozen weight (not Trainable) adds no
// penalty, as Keras regularises trainable weights only.
type Regularizer struct {
	L1 float64 `json:"l1,omitempty"`
	L2 float64 `json:"l2,omitempty"`
}

// L1 is the penalty rate·Σ|w| (Keras's L1(l1=rate)).
func L1(rate float64) *Regularizer { return &Regularizer{L1: rate} }

// L2 is the penalty rate·Σw² (Keras's L2(l2=rate); note that Keras's
// penalty is not halved).
func L2(rate float64) *Regularizer { return &Regularizer{L2: rate} }

// L1L2 is the penalty l1·Σ|w| + l2·Σw² (Keras's L1L2).
func L1L2(l1, l2 float64) *Regularizer { return &Regularizer{L1: l1, L2: l2} }

// Check reports a rate that is negative, NaN or infinite.
func (r *Regularizer) Check() error {
	if r == nil {
		return nil
	}
	for _, v := range []struct {
		name string
		rate float64
	}{{"l1", r.L1}, {"l2", r.L2}} {
		if !(v.rate >= 0) || math.IsInf(v.rate, 0) {
			return errors.Errorf("regularizer: %s rate %v, want a finite rate ≥ 0", v.name, v.rate)
		}
	}
	return nil
}

// Value is the penalty of weights w computed in float64, for tests and
// reports: L1·Σ|w| + L2·Σw².
func (r *Regularizer) Value(w []float64) float64 {
	if r == nil {
		return 0
	}
	var a, s float64
	for _, x := range w {
		a += math.Abs(x)
		s += float64(x * x)
	}
	return float64(r.L1*a) + float64(r.L2*s)
}

// Penalty adds the penalty of node w to b's graph and returns it as a
// scalar node, or nil when both rates are zero (or r is nil).
func (r *Regularizer) Penalty(b *graph.Builder, w *G.Node) (*G.Node, error) {
	if r == nil {
		return nil, nil
	}
	if err := r.Check(); err != nil {
		return nil, err
	}
	var total *G.Node
	term := func(rate float64, f func(*G.Node) (*G.Node, error)) error {
		if rate == 0 {
			return nil
		}
		v, err := f(w)
		if err != nil {
			return err
		}
		if v, err = G.Sum(v); err != nil {
			return err
		}
		if v, err = G.Mul(b.Const(rate), v); err != nil {
			return err
		}
		if total == nil {
			total = v
			return nil
		}
		total, err = G.Add(total, v)
		return err
	}
	if err := term(r.L1, func(n *G.Node) (*G.Node, error) { return G.Abs(n) }); err != nil {
		return nil, errors.Wrapf(err, "regularizer: l1 of %s", w.Name())
	}
	if err := term(r.L2, func(n *G.Node) (*G.Node, error) { return G.Square(n) }); err != nil {
		return nil, errors.Wrapf(err, "regularizer: l2 of %s", w.Name())
	}
	return total, nil
}

// paramPenalty is r's penalty of param p in b's graph: nil for no
// regularizer, a frozen param or an unbuilt layer.
func paramPenalty(b *graph.Builder, r *Regularizer, p *graph.Param, layer string) (*G.Node, error) {
	if r == nil || p == nil || !p.Trainable {
		return nil, nil
	}
	w, err := b.Param(p)
	if err != nil {
		return nil, errors.Wrapf(err, "%s", layer)
	}
	n, err := r.Penalty(b, w)
	return n, errors.Wrapf(err, "%s", layer)
}

// Regularized is a layer whose weights add a penalty to the training loss
// (kernel regularizers). Penalty returns the layer's penalty as a scalar
// node of b's graph, or nil when it has none.
type Regularized interface {
	Penalty(b *graph.Builder) (*G.Node, error)
}

// Penalty implements Regularized: the kernel regularizer's penalty.
func (l *DenseLayer) Penalty(b *graph.Builder) (*G.Node, error) {
	return paramPenalty(b, l.KernelRegularizer, l.Kernel, "dense "+quote(l.Name()))
}

// Penalty implements Regularized: the kernel regularizer's penalty.
func (l *Conv2DLayer) Penalty(b *graph.Builder) (*G.Node, error) {
	return paramPenalty(b, l.KernelRegularizer, l.Kernel, "conv2d "+quote(l.Name()))
}

// Penalty is the sum of the penalties of the model's layers (Regularized),
// those of models called as its layers included, each layer counted once
// however often it is called: the term the trainer adds to the loss. It is
// nil when no layer has one, so that a model without regularizers builds
// the graph it always did.
func (m *Model) Penalty(b *graph.Builder) (*G.Node, error) {
	var total *G.Node
	seen := map[Layer]bool{}
	var walk func(m *Model, depth int) error
	walk = func(m *Model, depth int) error {
		if depth > MaxModelNesting {
			return errors.Errorf("model %q: models nested deeper than %d", m.Name, MaxModelNesting)
		}
		for _, l := range m.Layers {
			if seen[l] {
				continue
			}
			seen[l] = true
			if ml, ok := l.(*ModelLayer); ok && ml.Model != nil {
				if err := walk(ml.Model, depth+1); err != nil {
					return err
				}
				continue
			}
			r, ok := l.(Regularized)
			if !ok {
				continue
			}
			p, err := r.Penalty(b)
			if err != nil {
				return errors.Wrapf(err, "model %q", m.Name)
			}
			if p == nil {
				continue
			}
			if total == nil {
				total = p
			} else if total, err = G.Add(total, p); err != nil {
				return errors.Wrapf(err, "model %q: penalty", m.Name)
			}
		}
		return nil
	}
	if err := walk(m, 0); err != nil {
		return nil, err
	}
	return total, nil
}
