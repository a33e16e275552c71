package graph

import (
	"github.com/gradgraph/gradgraph/internal/opmeta"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout adds y = x ⊙ mask as one node, for a mask of x's shape that the
// caller fills every run (a Feed of 0 and 1/(1−rate) values): the product
// gorgonia.HadamardProd computes, element by element the same rounding,
// into a tensor allocated once and reused by every run. The mask is data
// and is not differentiated; the input gradient dy ⊙ mask is another such
// node.
func Dropout(x, mask *G.Node) (*G.Node, error) {
	if err := needNodes("dropout", "x mask", x, mask); err != nil {
		return nil, err
	}
	if !x.Shape().Eq(mask.Shape()) {
		return nil, errors.Errorf("dropout: input %v and mask %v differ in shape", x.Shape(), mask.Shape())
	}
	dt, err := dtypeOf(x, mask)
	if err != nil {
		return nil, errors.Wrap(err, "dropout")
	}
	return G.ApplyOp(&maskOp{dt: dt, shape: x.Shape().Clone()}, x, mask)
}

// maskOp is (x, mask) → x ⊙ mask, forward (grad false) or backward
// ((dy, mask) → dy ⊙ mask, grad true).
type maskOp struct {
	opmeta.Owned
	grad  bool
	dt    tensor.Dtype
	shape tensor.Shape
	out   *tensor.Dense
}

func (op *maskOp) Arity() int { return 2 }
func (op *maskOp) Type() hm.Type {
	t := G.TensorType{Dims: op.shape.Dims(), Of: op.dt}
	return hm.NewFnType(t, t, t)
}
func (op *maskOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }
func (op *maskOp) String() string {
	if op.grad {
		return "dropout'"
	}
	return "dropout"
}

func (op *maskOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 2 {
		return nil, errors.Errorf("%v: got %d inputs, want 2", op, len(vals))
	}
	x, ok1 := vals[0].(*tensor.Dense)
	m, ok2 := vals[1].(*tensor.Dense)
	if !ok1 || !ok2 {
		return nil, errors.Errorf("%v: inputs %T and %T, want dense tensors", op, vals[0], vals[1])
	}
	if err := checkArgShape(op.String(), x, op.shape); err != nil {
		return nil, err
	}
	if err := checkArgShape(op.String(), m, op.shape); err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, op.shape...)
	// Float32s and Float64s, not Data: Data boxes a new slice header on
	// every call.
	switch op.dt {
	case tensor.Float32:
		maskProduct(x.Float32s(), m.Float32s(), op.out.Float32s())
	case tensor.Float64:
		maskProduct(x.Float64s(), m.Float64s(), op.out.Float64s())
	}
	return op.out, nil
}

func maskProduct[T float](x, m, out []T) {
	m = m[:len(out)]
	for i, v := range x[:len(out)] {
		out[i] = v * m[i]
	}
}

// lastOutput implements ownedOutput: out is reused by every run.
func (op *maskOp) lastOutput() *tensor.Dense { return op.out }

func (op *maskOp) DiffWRT(inputs int) []bool { return []bool{!op.grad, false} }

func (op *maskOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.Errorf("%v: no second derivative", op)
	}
	dx, err := G.ApplyOp(&maskOp{grad: true, dt: op.dt, shape: op.shape}, grad, inputs[1])
	if err != nil {
		return nil, errors.Wrap(err, "dropout gradient")
	}
	return G.Nodes{dx, nil}, nil
}

// checkArgShape fails when an op's input is not of the shape it was built
// for: a graph is built for one batch size.
func checkArgShape(what string, d *tensor.Dense, want tensor.Shape) error {
	if !d.Shape().Eq(want) {
		return errors.Errorf("%s: input of shape %v, want %v", what, d.Shape(), want)
	}
	return nil
}

// Dropout adds x ⊙ mask: the fused op (Dropout), which computes the
// product the twin's HadamardProd does into a tensor it reuses every run,
// or the twin, gorgonia.HadamardProd itself.
func (b *Builder) Dropout(x, mask *G.Node) (*G.Node, error) {
	if err := needBuilder("dropout", b); err != nil {
		return nil, err
	}
	if err := needNodes("dropout", "x mask", x, mask); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return Dropout(x, mask) },
		func() (*G.Node, error) { return G.HadamardProd(x, mask) })
}
