package graph

import (
	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// unary is what the element-wise ops of one tensor (Sigmoid, ReLU) share
// with their derivatives, which take the upstream gradient as a second
// input of the same shape: their Gorgonia type and shape, and the output
// tensor every run reuses. An op embeds it and adds String, Do and
// SymDiff.
type unary struct {
	opmeta.Owned
	grad  bool // the derivative: (x or y, dy) → dx
	dt    tensor.Dtype
	shape tensor.Shape
	out   *tensor.Dense
	pass  any // its loops' pass (passOf), for an op whose loops the cores share
}

func (u *unary) Arity() int {
	if u.grad {
		return 2
	}
	return 1
}

func (u *unary) Type() hm.Type {
	t := G.TensorType{Dims: u.shape.Dims(), Of: u.dt}
	if u.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}

func (u *unary) InferShape(...G.DimSizer) (tensor.Shape, error) { return u.shape.Clone(), nil }

// DiffWRT: the op is differentiated with respect to its input, its
// derivative not at all.
func (u *unary) DiffWRT(inputs int) []bool { return []bool{!u.grad, false} }

// lastOutput implements ownedOutput: out is reused by every run.
func (u *unary) lastOutput() *tensor.Dense { return u.out }

// begin checks a run's inputs (named as the op calls itself) and readies
// the output.
func (u *unary) begin(name string, vals []G.Value) ([5]*tensor.Dense, error) {
	a, err := denseArgs(name, u.Arity(), vals)
	if err == nil {
		u.out = reuse(u.out, u.dt, u.shape...)
	}
	return a, err
}
