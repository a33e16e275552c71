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
