package graph

import (
	"github.com/gradgraph/gradgraph/internal/opmeta"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// CrossEntropy adds the scalar −(1/N) Σᵢⱼ logp[i,j]·target[i,j] to the
// graph as one node, for log-probabilities logp and targets of the same
// (N, classes) shape: categorical cross-entropy averaged over the N rows.
// It is what HadamardProd, Sum and Mul by −1/N compute, without the
// (N, classes) product and the broadcasts of their gradients.
//
// Only the terms whose target is not 0 are summed, so a log-probability
// of −Inf off the target leaves the loss finite. The sum is accumulated
// in float64, in row-major order, whatever the graph's type: the result does not depend on the machine or on how the
// work is split, and a float32 loss is rounded once, at the end, instead
// of at each of N·classes additions.
//
// Only logp is differentiated: the gradient is −g·target/N for an incoming
// gradient g (1 when this is the loss), computed by a second node whose
// tensor is allocated once and reused by every run. The targets are data.
func CrossEntropy(logp, target *G.Node) (*G.Node, error) {
	if err := needNodes("cross-entropy", "logp target", logp, target); err != nil {
		return nil, err
	}
	if logp.Dims() != 2 || target.Dims() != 2 {
		return nil, errors.Errorf("cross-entropy: want (batch, classes) matrices, got log-probabilities %v and targets %v", logp.Shape(), target.Shape())
	}
	if !logp.Shape().Eq(target.Shape()) {
		return nil, errors.Errorf("cross-entropy: log-probabilities %v and targets %v differ in shape", logp.Shape(), target.Shape())
	}
	rows, cols := logp.Shape()[0], logp.Shape()[1]
	if rows <= 0 || cols <= 0 {
		return nil, errors.Errorf("cross-entropy: empty shape %v", logp.Shape())
	}
	dt, err := dtypeOf(logp, target)
	if err != nil {
		return nil, errors.Wrap(err, "cross-entropy")
	}
	return G.ApplyOp(&xentOp{dt: dt, rows: rows, cols: cols}, logp, target)
}

// xentOp is the loss (grad false: (logp, target) → scalar) and its
// gradient (grad true: (target, g) → −g·target/N).
type xentOp struct {
	opmeta.Owned
	grad       bool
	dt         tensor.Dtype
	rows, cols int
	loss       G.Value       // the loss op's scalar, reused by every run
	out        *tensor.Dense // the gradient op's (rows, cols) output
}

func (op *xentOp) Arity() int { return 2 }
func (op *xentOp) Type() hm.Type {
	m := matType(op.dt)
	if op.grad {
		return hm.NewFnType(m, op.dt, m)
	}
	return hm.NewFnType(m, m, op.dt)
}
func (op *xentOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return tensor.Shape{op.rows, op.cols}, nil
	}
	return tensor.ScalarShape(), nil
}
func (op *xentOp) String() string {
	if op.grad {
		return "xent'"
	}
	return "xent"
}

func (op *xentOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 2 {
		return nil, errors.Errorf("%v: got %d inputs, want 2", op, len(vals))
	}
	n := op.rows * op.cols
	if op.grad {
		t, ok := vals[0].(*tensor.Dense)
		if !ok || t.Dtype() != op.dt || t.Shape().TotalSize() != n {
			return nil, errors.Errorf("%v: targets are %T %v, want a %v dense tensor of %d elements", op, vals[0], vals[0].Shape(), op.dt, n)
		}
		g, err := scalarOf(vals[1])
		if err != nil {
			return nil, errors.Wrapf(err, "%v: incoming gradient", op)
		}
		// −g/N is formed in float64 and rounded once: for g = 1 it is
		// exactly the constant −1/N of the unfused graph.
		c := -g / float64(op.rows)
		op.out = reuse(op.out, op.dt, op.rows, op.cols)
		switch out := op.out.Data().(type) {
		case []float32:
			scaleInto(out, t.Data().([]float32), float32(c))
		case []float64:
			scaleInto(out, t.Data().([]float64), c)
		}
		return op.out, nil
	}
	a, err := denseArgs(op.String(), 2, vals)
	if err != nil {
		return nil, err
	}
	for i, d := range a[:2] {
		if d.Dtype() != op.dt || d.Shape().TotalSize() != n {
			return nil, errors.Errorf("%v: input %d is %v %v, want %v of %d elements", op, i, d.Dtype(), d.Shape(), op.dt, n)
		}
	}
	var s float64
	switch lp := a[0].Data().(type) {
	case []float32:
		s = targetDot64(lp, a[1].Data().([]float32))
	case []float64:
		s = targetDot64(lp, a[1].Data().([]float64))
	}
	loss := -s / float64(op.rows)
	switch v := op.loss.(type) {
	case *G.F32:
		*v = G.F32(loss)
	case *G.F64:
		*v = G.F64(loss)
	default:
		if op.dt == tensor.Float32 {
			op.loss = G.NewF32(float32(loss))
		} else {
			op.loss = G.NewF64(loss)
		}
	}
	return op.loss, nil
}

// targetDot64 is Σ logp[i]·target[i] over the terms whose target is not
// 0, accumulated in float64, in index order. Leaving out the zero targets
// is the cross-entropy's definition, not a shortcut: a class of
// probability 0 (logp −Inf) that is not the target contributes nothing,
// where 0·(−Inf) would make the whole loss NaN (PyTorch and Keras return
// a finite loss there).
func targetDot64[T float](logp, target []T) float64 {
	target = target[:len(logp)]
	var s float64
	for i, y := range target {
		if y != 0 {
			s += float64(float64(logp[i]) * float64(y))
		}
	}
	return s
}

// scaleInto sets out[i] = x[i]·c.
func scaleInto[T float](out, x []T, c T) {
	x = x[:len(out)]
	for i, v := range x {
		out[i] = v * c
	}
}

// scalarOf reads a scalar value: gorgonia passes scalars as *F32/*F64 (the
// 1 that starts backpropagation) or as 0-dimensional tensors.
func scalarOf(v G.Value) (float64, error) {
	if v == nil {
		return 0, errors.New("no value")
	}
	if v.Shape().TotalSize() > 1 {
		return 0, errors.Errorf("want a scalar, got shape %v", v.Shape())
	}
	switch x := v.Data().(type) {
	case float32:
		return float64(x), nil
	case float64:
		return x, nil
	case []float32:
		if len(x) == 1 {
			return float64(x[0]), nil
		}
	case []float64:
		if len(x) == 1 {
			return x[0], nil
		}
	}
	return 0, errors.Errorf("want a float32 or float64 scalar, got %T", v)
}

// lastOutput implements ownedOutput for the gradient op (nil for the loss
// op, whose value is a scalar): the gradient with respect to a param fed
// straight in as log-probabilities is handed out without a copy.
func (op *xentOp) lastOutput() *tensor.Dense { return op.out }

func (op *xentOp) DiffWRT(inputs int) []bool { return []bool{!op.grad, false} }

func (op *xentOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("cross-entropy: no second derivative")
	}
	if len(inputs) != 2 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	dlogp, err := G.ApplyOp(&xentOp{grad: true, dt: op.dt, rows: op.rows, cols: op.cols}, inputs[1], grad)
	if err != nil {
		return nil, errors.Wrap(err, "cross-entropy gradient")
	}
	return G.Nodes{dlogp, nil}, nil
}

// CrossEntropy adds −(1/N)·Σ logp ⊙ target for N rows.
func (b *Builder) CrossEntropy(logp, target *G.Node) (*G.Node, error) {
	if err := needBuilder("cross-entropy", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return CrossEntropy(logp, target) },
		func() (*G.Node, error) { return CrossEntropyTwin(b, logp, target) })
}

// CrossEntropyTwin is CrossEntropy from primitives: −(1/N)·Σ logp ⊙ target
// for N rows. Unlike the fused op it sums in the graph's type, in
// Gorgonia's order, and a zero target times a −Inf log-probability is NaN.
func CrossEntropyTwin(b *Builder, logp, target *G.Node) (*G.Node, error) {
	if err := needBuilder("cross-entropy twin", b); err != nil {
		return nil, err
	}
	if err := needNodes("cross-entropy twin", "logp target", logp, target); err != nil {
		return nil, err
	}
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
