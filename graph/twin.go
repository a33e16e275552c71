package graph

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The twins: each of gradgraph's fused ops (op_*.go) composed again from
// Gorgonia's primitive ops alone, so that gorgonia.Grad derives every
// gradient symbolically and nothing hand-derived is involved. A Builder
// with Fused false builds these instead of the fused ops (see ops.go), and
// the parity tests (twin_test.go) check, op by op, that both give the same
// values and gradients to rounding. Where a Gorgonia primitive is wrong
// (Rectify's derivative at 0, Sigmoid's early saturation, SoftMax's row
// maximum), the twin composes around it as GORGONIA-NOTES.md says, and
// the comment says how.

// ReLU adds max(x, 0), elementwise, composed as x ⊙ [x > 0]: the mask is
// a comparison, which Gorgonia does not differentiate, so the gradient is
// dy ⊙ [x > 0] and is 0 at x = 0, as in Keras and PyTorch. Gorgonia's
// Rectify gives 1 there, so a unit sitting exactly at 0 (a dead unit after
// BatchNorm, a zero input) would pass gradient it should not. A NaN input
// gives NaN (NaN·0), not 0.
func ReLU(b *Builder, x *G.Node) (*G.Node, error) {
	mask, err := G.Gt(x, b.Const(0), true)
	if err != nil {
		return nil, errors.Wrap(err, "relu")
	}
	y, err := G.HadamardProd(x, mask)
	return y, errors.Wrap(err, "relu")
}

// DenseTwin is Dense from primitives: x·W (Mul), + b broadcast over the
// rows (BroadcastAdd), then ReLU when relu is set.
func DenseTwin(b *Builder, x, w, bias *G.Node, relu bool) (*G.Node, error) {
	xw, err := G.Mul(x, w)
	if err != nil {
		return nil, errors.Wrap(err, "dense twin: x·W")
	}
	z, err := G.BroadcastAdd(xw, bias, nil, []byte{0})
	if err != nil {
		return nil, errors.Wrap(err, "dense twin: + b")
	}
	if !relu {
		return z, nil
	}
	return ReLU(b, z)
}

// LogSoftmaxTwin is LogSoftmax from primitives, as GORGONIA-NOTES.md
// prescribes (Gorgonia's own SoftMax takes every row's maximum from the
// first element of the whole tensor): s = x − rowmax(x), then
// s − log Σ exp(s). The maximum is differentiated too; its share of the
// gradient cancels (the log-softmax does not depend on the shift), up to
// rounding.
func LogSoftmaxTwin(b *Builder, x *G.Node) (*G.Node, error) {
	if x.Dims() != 2 {
		return nil, errors.Errorf("log-softmax twin: want a (batch, classes) matrix, got shape %v", x.Shape())
	}
	col := tensor.Shape{x.Shape()[0], 1}
	m, err := G.Max(x, 1)
	if err == nil {
		m, err = G.Reshape(m, col)
	}
	var s, e, sum, ls *G.Node
	if err == nil {
		s, err = G.BroadcastSub(x, m, nil, []byte{1})
	}
	if err == nil {
		e, err = G.Exp(s)
	}
	if err == nil {
		sum, err = G.Sum(e, 1)
	}
	if err == nil {
		sum, err = G.Reshape(sum, col)
	}
	if err == nil {
		ls, err = G.Log(sum)
	}
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax twin")
	}
	y, err := G.BroadcastSub(s, ls, nil, []byte{1})
	return y, errors.Wrap(err, "log-softmax twin")
}

// SoftmaxTwin is Softmax from primitives: exp of the log-probabilities.
func SoftmaxTwin(b *Builder, lp *G.Node) (*G.Node, error) {
	p, err := G.Exp(lp)
	return p, errors.Wrap(err, "softmax twin")
}

// CrossEntropyTwin is CrossEntropy from primitives: −(1/N)·Σ logp ⊙ target
// for N rows. Unlike the fused op it sums in the graph's type, in
// Gorgonia's order, and a zero target times a −Inf log-probability is NaN.
func CrossEntropyTwin(b *Builder, logp, target *G.Node) (*G.Node, error) {
	if logp.Dims() != 2 || !logp.Shape().Eq(target.Shape()) {
		return nil, errors.Errorf("cross-entropy twin: want log-probabilities and targets of one (batch, classes) shape, got %v and %v", logp.Shape(), target.Shape())
	}
	prod, err := G.HadamardProd(logp, target)
	if err != nil {
		return nil, errors.Wrap(err, "cross-entropy twin")
	}
	s, err := G.Sum(prod)
	if err != nil {
		return nil, errors.Wrap(err, "cross-entropy twin")
	}
	loss, err := G.Mul(s, b.Const(-1/float64(logp.Shape()[0])))
	return loss, errors.Wrap(err, "cross-entropy twin")
}

// SigmoidTwin is Sigmoid from primitives, as (1 + tanh(x/2))/2: Gorgonia's
// Sigmoid saturates early and differentiates through its rounded output
// (see Sigmoid), while tanh's derivative 1 − tanh² stays finite
// everywhere. For very negative x it loses relative (not absolute)
// accuracy: σ(−40) comes out 0 instead of 4·10⁻¹⁸.
func SigmoidTwin(b *Builder, x *G.Node) (*G.Node, error) {
	half := b.Const(0.5)
	h, err := G.HadamardProd(x, half)
	var t, s *G.Node
	if err == nil {
		t, err = G.Tanh(h)
	}
	if err == nil {
		s, err = G.Add(t, b.Const(1))
	}
	if err != nil {
		return nil, errors.Wrap(err, "sigmoid twin")
	}
	y, err := G.HadamardProd(s, half)
	return y, errors.Wrap(err, "sigmoid twin")
}
