package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// The standard-deviation op of nn's Normalization layer. It has no twin:
// it is the layer's only construction, built alike in both fusion modes.

// StdFloor adds max(√v, floor) for a (1, n) variance v (Keras's
// Normalization denominator, floor its epsilon), not differentiated.
func StdFloor(v *G.Node, floor float64) (*G.Node, error) {
	if err := needNodes("stdfloor", "v", v); err != nil {
		return nil, err
	}
	s := v.Shape()
	if len(s) != 2 || s[0] != 1 {
		return nil, errors.Errorf("stdfloor: variance has shape %v, want (1, n)", s)
	}
	if dt := v.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("stdfloor: unsupported dtype %v", dt)
	}
	return G.ApplyOp(&stdFloorOp{dt: v.Dtype(), n: s[1], floor: floor}, v)
}

// stdFloorOp is v (1, n) → max(√v, floor), Keras's
// denominator, in the graph's type: the square root is taken in float64 and
// rounded once, which for float32 is float32's correctly rounded root.
// The variance is a non-trainable param, so the op has no gradient.
type stdFloorOp struct {
	opmeta.Owned
	dt    tensor.Dtype
	n     int
	floor float64
	out   *tensor.Dense
}

func (op *stdFloorOp) shape() tensor.Shape { return tensor.Shape{1, op.n} }

func (op *stdFloorOp) Arity() int { return 1 }
func (op *stdFloorOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: op.dt}
	return hm.NewFnType(t, t)
}
func (op *stdFloorOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape(), nil }
func (op *stdFloorOp) String() string                                 { return fmt.Sprintf("stdfloor%v", op.shape()) }
func (op *stdFloorOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.shape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.shape()...)
	switch v := a[0].Data().(type) {
	case []float32:
		o := op.out.Data().([]float32)
		for i, x := range v {
			o[i] = float32(math.Max(math.Sqrt(float64(x)), float64(float32(op.floor))))
		}
	case []float64:
		o := op.out.Data().([]float64)
		for i, x := range v {
			o[i] = math.Max(math.Sqrt(x), op.floor)
		}
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

// DiffWRT implements gorgonia.SDOp: the variance is not differentiated.
// Gorgonia asks every op above a loss, differentiated or not.
func (op *stdFloorOp) DiffWRT(int) []bool { return []bool{false} }

// SymDiff implements gorgonia.SDOp.
func (op *stdFloorOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%v: the variance is not differentiated", op)
}

var _ G.SDOp = (*stdFloorOp)(nil)
