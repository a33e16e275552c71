package graph

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Sigmoid adds the logistic function 1/(1 + e^−x), elementwise, as one node.
//
// Gorgonia's Sigmoid returns exactly 1 from x = 15 (float32) and 19
// (float64) on, where the true value is still representably below 1, and
// differentiates through its output as y(1 − y), which is then 0: the
// forward and backward passes disagree exactly where a saturating unit
// needs its small gradient. This op computes float64 results correctly
// rounded (Sigmoid64, in double-double) and float32 ones as a float64
// within one ulp rounded once (sigmoidFast), which is correctly rounded in
// float32 barring double rounding. The derivative is computed from x, not
// from the rounded output: σ′(x) = e/(1 + e)² with e = exp(−|x|).
func Sigmoid(x *G.Node) (*G.Node, error) {
	if err := needNodes("sigmoid", "x", x); err != nil {
		return nil, err
	}
	dt, err := dtypeOf(x)
	if err != nil {
		return nil, errors.Wrap(err, "sigmoid")
	}
	return G.ApplyOp(&sigmoidOp{unary{dt: dt, shape: x.Shape().Clone()}}, x)
}

// sigmoidOp is σ (grad false: (x) → σ(x)) and its derivative (grad true:
// (x, dy) → dy·σ′(x)).
type sigmoidOp struct{ unary }

func (op *sigmoidOp) String() string {
	if op.grad {
		return "σ'"
	}
	return "σ"
}

func (op *sigmoidOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := op.begin(op.String(), vals)
	if err != nil {
		return nil, err
	}
	switch op.dt {
	case tensor.Float32:
		// sigmoidFast is correctly rounded once rounded to float32, and
		// faster than Sigmoid64.
		sigmoidDo(sigmoidFast, op.grad, dataOf(a, (*tensor.Dense).Float32s), op.out.Float32s())
	case tensor.Float64:
		sigmoidDo(Sigmoid64, op.grad, dataOf(a, (*tensor.Dense).Float64s), op.out.Float64s())
	}
	return op.out, nil
}

// sigmoidDo writes σ(x) by f, or dy·σ′(x), into out.
func sigmoidDo[T float](f func(float64) float64, grad bool, a [5][]T, out []T) {
	x := a[0][:len(out)]
	if !grad {
		for i, v := range x {
			out[i] = T(f(float64(v)))
		}
		return
	}
	dy := a[1][:len(out)]
	for i, v := range x {
		out[i] = T(float64(dy[i]) * sigmoidPrime64(float64(v)))
	}
}

func (op *sigmoidOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("sigmoid: no second derivative")
	}
	dx, err := G.ApplyOp(&sigmoidOp{unary{grad: true, dt: op.dt, shape: op.shape}}, inputs[0], grad)
	if err != nil {
		return nil, errors.Wrap(err, "sigmoid gradient")
	}
	return G.Nodes{dx}, nil
}

// sigmoidPrime64 is σ′(x) = σ(x)·σ(−x) = e/(1 + e)² with e = exp(−|x|),
// which never saturates to 0 before the true value underflows.
func sigmoidPrime64(x float64) float64 {
	e := math.Exp(-math.Abs(x))
	d := 1 + e
	return e / d / d
}

// Sigmoid adds the logistic function, elementwise.
func (b *Builder) Sigmoid(x *G.Node) (*G.Node, error) {
	if err := needBuilder("sigmoid", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return Sigmoid(x) },
		func() (*G.Node, error) { return SigmoidTwin(b, x) })
}

// SigmoidTwin is Sigmoid from primitives, as (1 + tanh(x/2))/2: Gorgonia's
// Sigmoid saturates early and differentiates through its rounded output
// (see Sigmoid), while tanh's derivative 1 − tanh² stays finite
// everywhere. For very negative x it loses relative (not absolute)
// accuracy: σ(−40) comes out 0 instead of 4·10⁻¹⁸.
func SigmoidTwin(b *Builder, x *G.Node) (*G.Node, error) {
	if err := needBuilder("sigmoid twin", b); err != nil {
		return nil, err
	}
	if err := needNodes("sigmoid twin", "x", x); err != nil {
		return nil, err
	}
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
