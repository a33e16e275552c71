package nn

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

// patchesOp is the Gorgonia op for im2col over channels-last images (see
// im2col); with grad it is col2im, its gradient. It writes a fresh tensor
// every run and never aliases its input, so the tape machine's in-place
// reuse cannot reach a value the backward pass still reads. Gorgonia has
// an Im2Col, but for channels-first images (and so a transpose, which
// Gorgonia does in place, around it) and symmetric padding only, while
// Keras's "same" pads the odd row below.
type patchesOp struct {
	opmeta.Pure
	g     window
	batch int
	dt    tensor.Dtype
	grad  bool
}

func (op *patchesOp) imageShape() tensor.Shape { return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c} }
func (op *patchesOp) colsShape() tensor.Shape {
	return tensor.Shape{op.batch * op.g.oh * op.g.ow, op.g.patchLen()}
}
func (op *patchesOp) shapes() (in, out tensor.Shape) {
	if op.grad {
		return op.colsShape(), op.imageShape()
	}
	return op.imageShape(), op.colsShape()
}

func (op *patchesOp) Arity() int { return 1 }
func (op *patchesOp) Type() hm.Type {
	in, out := op.shapes()
	return hm.NewFnType(G.TensorType{Dims: in.Dims(), Of: op.dt}, G.TensorType{Dims: out.Dims(), Of: op.dt})
}
func (op *patchesOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	_, out := op.shapes()
	return out, nil
}
func (op *patchesOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "%s %+v %d %v", op, op.g, op.batch, op.dt)
}
func (op *patchesOp) Hashcode() uint32 { return opHash(op) }
func (op *patchesOp) String() string {
	if op.grad {
		return "gradgraph.col2im"
	}
	return "gradgraph.im2col"
}

func (op *patchesOp) Do(vals ...G.Value) (G.Value, error) {
	in, out := op.shapes()
	x, err := denseInput1(op, vals, in)
	if err != nil {
		return nil, err
	}
	y := tensor.New(tensor.Of(op.dt), tensor.WithShape(out...))
	switch yd := y.Data().(type) {
	case []float32:
		if op.grad {
			col2im(op.g, op.batch, x.Data().([]float32), yd)
		} else {
			im2col(op.g, op.batch, x.Data().([]float32), yd)
		}
	case []float64:
		if op.grad {
			col2im(op.g, op.batch, x.Data().([]float64), yd)
		} else {
			im2col(op.g, op.batch, x.Data().([]float64), yd)
		}
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return y, nil
}

// DiffWRT implements gorgonia.SDOp.
func (op *patchesOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: im2col and col2im are each other's
// adjoints, so each one's gradient is the other applied to the gradient.
func (op *patchesOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(&patchesOp{g: op.g, batch: op.batch, dt: op.dt, grad: !op.grad}, grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{d}, nil
}

// poolOp is the Gorgonia op for max pooling over channels-last images (see
// maxPool); with grad it takes (x, dy) and returns dx. The gradient
// recomputes each window's maximum from x rather than keeping a mask from
// the forward run, so the op holds no state between runs. Gorgonia's
// MaxPool2D is channels-first and, given asymmetric padding, starts its
// windows from the wrong side.
type poolOp struct {
	opmeta.Pure
	g     window
	batch int
	dt    tensor.Dtype
	grad  bool
}

func (op *poolOp) inShape() tensor.Shape  { return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c} }
func (op *poolOp) outShape() tensor.Shape { return tensor.Shape{op.batch, op.g.oh, op.g.ow, op.g.c} }

func (op *poolOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op *poolOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: op.dt}
	if op.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}
func (op *poolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return op.inShape(), nil
	}
	return op.outShape(), nil
}
func (op *poolOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s %+v %d %v", op, op.g, op.batch, op.dt) }
func (op *poolOp) Hashcode() uint32      { return opHash(op) }
func (op *poolOp) String() string {
	if op.grad {
		return "gradgraph.maxpool'"
	}
	return "gradgraph.maxpool"
}

func (op *poolOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.Arity() {
		return nil, errors.Errorf("%v: %d inputs, want %d", op, len(vals), op.Arity())
	}
	x, err := denseInput1(op, vals[:1], op.inShape())
	if err != nil {
		return nil, err
	}
	var dy *tensor.Dense
	out := op.outShape()
	if op.grad {
		if dy, err = denseInput1(op, vals[1:], op.outShape()); err != nil {
			return nil, err
		}
		out = op.inShape()
	}
	y := tensor.New(tensor.Of(op.dt), tensor.WithShape(out...))
	switch yd := y.Data().(type) {
	case []float32:
		if op.grad {
			maxPool(op.g, op.batch, x.Data().([]float32), nil, dy.Data().([]float32), yd, true)
		} else {
			maxPool(op.g, op.batch, x.Data().([]float32), yd, nil, nil, false)
		}
	case []float64:
		if op.grad {
			maxPool(op.g, op.batch, x.Data().([]float64), nil, dy.Data().([]float64), yd, true)
		} else {
			maxPool(op.g, op.batch, x.Data().([]float64), yd, nil, nil, false)
		}
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return y, nil
}

// DiffWRT implements gorgonia.SDOp.
func (op *poolOp) DiffWRT(int) []bool { return []bool{!op.grad, false} }

// SymDiff implements gorgonia.SDOp.
func (op *poolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("maxpool: no second derivative")
	}
	dx, err := G.ApplyOp(&poolOp{g: op.g, batch: op.batch, dt: op.dt, grad: true}, inputs[0], grad)
	if err != nil {
		return nil, errors.Wrap(err, "maxpool gradient")
	}
	return G.Nodes{dx}, nil
}

// denseInput1 returns vals[0] as a contiguous dense tensor of shape want.
func denseInput1(op fmt.Stringer, vals []G.Value, want tensor.Shape) (*tensor.Dense, error) {
	if len(vals) < 1 {
		return nil, errors.Errorf("%v: no input", op)
	}
	x, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("%v: input is %T", op, vals[0])
	}
	if !x.Shape().Eq(want) {
		return nil, errors.Errorf("%v: input has shape %v, want %v", op, x.Shape(), want)
	}
	if x.IsView() {
		x = x.Materialize().(*tensor.Dense)
	}
	return x, nil
}

// opHash hashes an op's description (WriteHash), so that two ops of equal
// settings share a node and two of different settings never do.
func opHash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
