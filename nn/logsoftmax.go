package nn

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LogSoftmax returns log(softmax(x)) along the rows of a (batch, classes)
// matrix, computed as (x - max) - log(sum(exp(x - max))).
//
// It is composed from primitives on purpose. Gorgonia's SoftMax starts every
// row's maximum from the first element of the whole tensor (NaN for logits
// far apart between rows), its LogSoftmax hashes to the same node as SoftMax,
// and its graph rewriter turns Log(SoftMax(x)) into log-probabilities in
// place. Subtracting the row maximum keeps every exponent ≤ 0, so nothing
// overflows, and the largest term of the sum is exactly 1, so the log never
// sees 0. The gradient through the maximum cancels exactly, leaving the
// textbook softmax gradient.
func LogSoftmax(x *G.Node) (*G.Node, error) {
	if x.Dims() != 2 {
		return nil, errors.Errorf("log-softmax: want a (batch, classes) matrix, got shape %v", x.Shape())
	}
	rows := x.Shape()[0]
	col := tensor.Shape{rows, 1}
	m, err := G.Max(x, 1)
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax: row max")
	}
	if m, err = G.Reshape(m, col); err != nil {
		return nil, errors.Wrap(err, "log-softmax")
	}
	shifted, err := G.BroadcastSub(x, m, nil, []byte{1})
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax: shift")
	}
	e, err := G.Exp(shifted)
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax")
	}
	s, err := G.Sum(e, 1)
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax: row sum")
	}
	ls, err := G.Log(s)
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax")
	}
	if ls, err = G.Reshape(ls, col); err != nil {
		return nil, errors.Wrap(err, "log-softmax")
	}
	out, err := G.BroadcastSub(shifted, ls, nil, []byte{1})
	return out, errors.Wrap(err, "log-softmax")
}
