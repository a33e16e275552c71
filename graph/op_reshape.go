package graph

import (
	"fmt"
	"github.com/gradgraph/gradgraph/internal/opmeta"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Reshape returns x's elements, row-major, in a node of shape to: a copy,
// not Gorgonia's Reshape. Gorgonia's reshape returns a tensor sharing its
// input's memory, and the tape machine does not see the alias: an op
// downstream that it lets overwrite the reshaped value in place (a
// broadcast subtraction, a product with a dropout mask) writes into the
// input, which may be a param or a value the backward pass still needs
// (this made finite-difference checks of N-d models fail by orders of
// magnitude). Copying costs one pass over the values and owns its result.
func Reshape(x *G.Node, to ...int) (*G.Node, error) {
	if err := needNodes("reshape", "x", x); err != nil {
		return nil, err
	}
	from := x.Shape().Clone()
	if from.TotalSize() != tensor.Shape(to).TotalSize() {
		return nil, errors.Errorf("reshape: %v has %d elements, %v has %d", from, from.TotalSize(), tensor.Shape(to), tensor.Shape(to).TotalSize())
	}
	if tensor.Shape(to).Eq(from) {
		return x, nil
	}
	dt := x.Dtype()
	return G.ApplyOp(&reshapeOp{dt: dt, from: from, to: tensor.Shape(to).Clone()}, x)
}

// reshapeOp copies a tensor into a new shape of the same size. Its output
// tensor is allocated on the first run and rewritten by every later one
// (the MNIST convnet's Flatten and input reshape allocated and cleared
// 0.5 MB a step); see convOp for why an op's own output is safe to reuse
// in Gorgonia v0.9.18. Two reshapes of the same shapes still hash alike,
// so that gorgonia may merge them when they reshape the same node: the
// merged node keeps one op, and so one buffer.
type reshapeOp struct {
	opmeta.Pure
	dt       tensor.Dtype
	from, to tensor.Shape
	out      *tensor.Dense
}

func (op *reshapeOp) Arity() int { return 1 }
func (op *reshapeOp) Type() hm.Type {
	return hm.NewFnType(G.TensorType{Dims: op.from.Dims(), Of: op.dt}, G.TensorType{Dims: op.to.Dims(), Of: op.dt})
}
func (op *reshapeOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.to.Clone(), nil }
func (op *reshapeOp) WriteHash(h hash.Hash)                          { fmt.Fprint(h, op.String()) }
func (op *reshapeOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op *reshapeOp) String() string {
	return fmt.Sprintf("gradgraph.reshape%v→%v %v", op.from, op.to, op.dt)
}

// Do copies the input's values into the op's tensor of the new shape.
func (op *reshapeOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != 1 {
		return nil, errors.Errorf("%v: %d inputs", op, len(vals))
	}
	in, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("%v: input is %T", op, vals[0])
	}
	if !in.Shape().Eq(op.from) {
		return nil, errors.Errorf("%v: input has shape %v", op, in.Shape())
	}
	if in.IsView() {
		in = in.Materialize().(*tensor.Dense)
	}
	op.out = ownedTensor(op.out, op.dt, op.to...)
	switch d := op.out.Data().(type) {
	case []float32:
		copy(d, in.Data().([]float32))
	case []float64:
		copy(d, in.Data().([]float64))
	default:
		return nil, errors.Errorf("%v: unsupported dtype", op)
	}
	return op.out, nil
}

// DiffWRT implements gorgonia.SDOp.
func (op *reshapeOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: the gradient is the output's gradient
// put back into the input's shape.
func (op *reshapeOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&reshapeOp{dt: op.dt, from: op.to.Clone(), to: op.from.Clone()}, grad)
	if err != nil {
		return nil, errors.Wrap(err, "reshape gradient")
	}
	return G.Nodes{dx}, nil
}
