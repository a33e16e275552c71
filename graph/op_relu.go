package graph

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// ReLU adds max(x, 0), elementwise, as one node: the activation a layer
// applies on its own (after a BatchNormalization or a residual Add; Dense
// and Conv2D fold theirs into their own ops). Negative inputs and -0 give
// +0 and NaN stays NaN (kernels.ReLUInPlace). The derivative is dy where
// the output is nonzero (x > 0) and 0 elsewhere, 0 at x = 0 as in Keras and
// PyTorch (Gorgonia's Rectify gives 1 there), computed from the output in
// one pass (kernels.ReLUGrad).
//
// ReLUTwin, x ⊙ [x > 0], takes four passes over the tensor where this
// takes two (a comparison, a product, and the product's gradient and the
// mask's again backwards). The two agree to the bit but in two places: the
// twin keeps the sign of a negative input's zero (-0, which no later sum
// or product tells from +0 except in a sum of zeros), and gives NaN at −∞
// (−∞·0), where this gives 0.
func ReLU(x *G.Node) (*G.Node, error) {
	if err := needNodes("relu", "x", x); err != nil {
		return nil, err
	}
	dt, err := dtypeOf(x)
	if err != nil {
		return nil, errors.Wrap(err, "relu")
	}
	return G.ApplyOp(&reluOp{unary{dt: dt, shape: x.Shape().Clone()}}, x)
}

// reluOp is the ReLU (grad false: (x) → max(x, 0)) and its derivative
// (grad true: (y, dy) → dy where y ≠ 0, else 0).
type reluOp struct{ unary }

func (op *reluOp) String() string {
	if op.grad {
		return "relu'"
	}
	return "relu"
}

func (op *reluOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := op.begin(op.String(), vals)
	if err != nil {
		return nil, err
	}
	switch op.dt {
	case tensor.Float32:
		reluDo(passOf[reluPass[float32]](&op.pass), op.grad, dataOf(a, (*tensor.Dense).Float32s), op.out.Float32s())
	case tensor.Float64:
		reluDo(passOf[reluPass[float64]](&op.pass), op.grad, dataOf(a, (*tensor.Dense).Float64s), op.out.Float64s())
	}
	return op.out, nil
}

// reluDo runs the ReLU or its derivative over out in chunks
// (kernels.ParallelElems) through the op's pass (its functions bound
// once, so a run allocates nothing): each element depends on its
// own inputs only, so the chunks change no bit.
func reluDo[T float](p *reluPass[T], grad bool, a [5][]T, out []T) {
	p.x, p.out = a[0][:len(out)], out
	if !grad {
		kernels.ParallelElems(len(out), p.relu)
		return
	}
	p.dy = a[1][:len(out)]
	kernels.ParallelElems(len(out), p.reluGrad)
}

func (op *reluOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("relu: no second derivative")
	}
	dx, err := G.ApplyOp(&reluOp{unary{grad: true, dt: op.dt, shape: op.shape}}, output, grad)
	if err != nil {
		return nil, errors.Wrap(err, "relu gradient")
	}
	return G.Nodes{dx}, nil
}

// ReLU adds max(x, 0), elementwise: the fused op, or its twin with fusion
// off.
func (b *Builder) ReLU(x *G.Node) (*G.Node, error) {
	if err := needBuilder("relu", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return ReLU(x) },
		func() (*G.Node, error) { return ReLUTwin(b, x) })
}

// ReLUTwin is ReLU from primitives: x ⊙ [x > 0] (Gt with the same type,
// then HadamardProd). The mask is a comparison, which Gorgonia does not
// differentiate, so the gradient is dy ⊙ [x > 0] and is 0 at x = 0, as in
// Keras and PyTorch; Gorgonia's Rectify gives 1 there, so a unit sitting
// exactly at 0 (a dead unit after BatchNorm, a zero input) would pass
// gradient it should not. A NaN input gives NaN (NaN·0), not 0.
func ReLUTwin(b *Builder, x *G.Node) (*G.Node, error) {
	if err := needBuilder("relu twin", b); err != nil {
		return nil, err
	}
	if err := needNodes("relu twin", "x", x); err != nil {
		return nil, err
	}
	mask, err := G.Gt(x, b.Const(0), true)
	if err != nil {
		return nil, errors.Wrap(err, "relu twin")
	}
	y, err := G.HadamardProd(x, mask)
	return y, errors.Wrap(err, "relu twin")
}

// reluPass holds one run's slices for the ReLU's loops, their functions
// bound once (passOf).
type reluPass[T float] struct {
	x, dy, out     []T
	relu, reluGrad func(lo, hi int)
}

func (p *reluPass[T]) bind() { p.relu, p.reluGrad = p.reluOf, p.reluGradOf }

// reluOf is out = max(x, 0) over elements [lo, hi) (kernels.ReLUInPlace).
func (p *reluPass[T]) reluOf(lo, hi int) {
	copy(p.out[lo:hi], p.x[lo:hi])
	kernels.ReLUInPlace(p.out[lo:hi])
}

// reluGradOf is out = dy where y ≠ 0, else 0, over elements [lo, hi), x
// holding the ReLU's output y (kernels.ReLUGrad).
func (p *reluPass[T]) reluGradOf(lo, hi int) {
	kernels.ReLUGrad(p.x[lo:hi], p.dy[lo:hi], p.out[lo:hi])
}
