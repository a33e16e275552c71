package graph

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// unaryGradCheck checks an element-wise op's gradient by finite
// differences on a 3×7 input from at(rng), in float64 (step 1e-6) and
// float32 (step 1e-2, the assembly paths), within tol64 and tol32.
func unaryGradCheck(t *testing.T, seed int64, at func(*rand.Rand) float64, op func(*G.Node) (*G.Node, error), tol64, tol32 float64) {
	t.Helper()
	for _, tc := range []struct {
		dt  tensor.Dtype
		h   float64
		tol float64
	}{{Float64, 1e-6, tol64}, {Float32, 1e-2, tol32}} {
		t.Run(tc.dt.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(seed))
			b, _ := NewBuilder(tc.dt, 3, true)
			p, _ := NewParam("x", tc.dt, true, 3, 7)
			for i := 0; i < p.Size(); i++ {
				p.SetAt(i, at(rng))
			}
			y, err := op(G.Must(b.Param(p)))
			if err != nil {
				t.Fatal(err)
			}
			res, err := GradCheck(b, anyWeightedSum(b, y, rng), []*Param{p}, tc.h, 1)
			if err != nil {
				t.Fatal(err)
			}
			if res.MaxRelErr > tc.tol {
				t.Errorf("%v", res)
			}
		})
	}
}

// TestUnaryOpsAllocateNothing: ReLU and Sigmoid, forward and derivative, in
// both types, reuse their output and their loops' functions, so a run
// allocates nothing (a resnet step runs dozens of ReLUs).
func TestUnaryOpsAllocateNothing(t *testing.T) {
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		x := tensor.New(tensor.Of(dt), tensor.WithShape(4, 5))
		for _, grad := range []bool{false, true} {
			u := unary{grad: grad, dt: dt, shape: tensor.Shape{4, 5}}
			args := []G.Value{x}
			if grad {
				args = append(args, x)
			}
			for _, op := range []G.Op{&reluOp{u}, &sigmoidOp{u}} {
				if _, err := op.Do(args...); err != nil {
					t.Fatalf("%v %v: %v", dt, op, err)
				}
				if n := testing.AllocsPerRun(10, func() { _, _ = op.Do(args...) }); n != 0 {
					t.Errorf("%v: %v allocates %v times per run", dt, op, n)
				}
			}
		}
	}
}
