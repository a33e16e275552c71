package graph

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"
	"math/rand"
	"testing"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// skewOp is the identity whose gradient is scaled by skew: a deliberately
// wrong derivative for testing GradCheck.
type skewOp struct {
	skew  float64
	shape tensor.Shape
}

func (op skewOp) Arity() int { return 1 }
func (op skewOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: tensor.Float64}
	return hm.NewFnType(t, t)
}
func (op skewOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape, nil }
func (op skewOp) Do(v ...G.Value) (G.Value, error) {
	return v[0].(*tensor.Dense).Clone().(*tensor.Dense), nil
}
func (op skewOp) ReturnsPtr() bool      { return false }
func (op skewOp) CallsExtern() bool     { return false }
func (op skewOp) OverwritesInput() int  { return -1 }
func (op skewOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "skew %v", op.skew) }
func (op skewOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
func (op skewOp) String() string     { return fmt.Sprintf("skew%v", op.skew) }
func (op skewOp) DiffWRT(int) []bool { return []bool{true} }
func (op skewOp) SymDiff(in G.Nodes, out, grad *G.Node) (G.Nodes, error) {
	g, err := G.HadamardProd(grad, G.NewConstant(op.skew))
	return G.Nodes{g}, err
}

// TestGradCheckRelativeAtEveryScale makes gradients of size about 1e-5
// (loss 1e-5·Σ x²/2 through an op whose derivative is 1% too large): the
// old metric, |a − n|/max(1, |a| + |n|), scored that about 2e-7 and passed it
// at a 1e-6 tolerance; GradCheck's must score it about 0.005. The same graph
// with a right derivative must score below 1e-6.
func TestGradCheckRelativeAtEveryScale(t *testing.T) {
	for _, tc := range []struct {
		skew   float64
		lo, hi float64 // the score must lie in [lo, hi]
	}{{1.01, 4e-3, 6e-3}, {1, 0, 1e-6}} {
		t.Run(fmt.Sprint("skew", tc.skew), func(t *testing.T) {
			b, _ := NewBuilder(Float64, 1, true)
			p, _ := NewParam("x", Float64, true, 1, 6)
			rng := rand.New(rand.NewSource(1))
			for i := 0; i < p.Size(); i++ {
				p.SetAt(i, 0.5+rng.Float64())
			}
			y := G.Must(G.ApplyOp(skewOp{skew: tc.skew, shape: tensor.Shape{1, 6}}, G.Must(b.Param(p))))
			loss := G.Must(G.Mul(G.Must(G.Sum(G.Must(G.Square(y)))), b.Const(0.5e-5)))
			res, err := GradCheck(b, loss, []*Param{p}, 1e-6, 1)
			if err != nil {
				t.Fatal(err)
			}
			old := math.Abs(res.Analytic-res.Numeric) / math.Max(1, math.Abs(res.Analytic)+math.Abs(res.Numeric))
			t.Logf("%v; old metric %.3g", res, old)
			if !(res.MaxRelErr >= tc.lo && res.MaxRelErr <= tc.hi) {
				t.Errorf("score %.3g, want in [%g, %g]: %v", res.MaxRelErr, tc.lo, tc.hi, res)
			}
			if math.Abs(res.Analytic) > 2e-5 || math.Abs(res.Analytic) < 4e-6 {
				t.Errorf("the test's gradients should be about 1e-5, got %v", res.Analytic)
			}
		})
	}
}

// TestDenseGradCheckFloat32 checks the fused dense op's float32 kernels
// (the assembly ones on AVX2 machines: the zero-skipping panel kernel, the
// narrow-layer kernels, the BLAS path) by finite differences in float32,
// with a step and a tolerance fit for float32.
func TestDenseGradCheckFloat32(t *testing.T) {
	for _, tc := range []struct {
		name               string
		zero               float64
		batch, in, units   int
		relu, xIsParamNode bool
	}{
		{"sparse-panels", 0.85, 6, 40, 70, true, false},
		{"narrow", 0, 5, 9, 10, false, true},
		{"narrow-relu-sparse", 0.85, 4, 12, 7, true, true},
		{"blas", 0, 5, 7, 66, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(5))
			b, _ := NewBuilder(Float32, tc.batch, true)
			b.Fused = true
			x, _ := NewParam("x", Float32, true, tc.batch, tc.in)
			for i := 0; i < x.Size(); i++ {
				if rng.Float64() >= tc.zero {
					x.SetAt(i, rng.Float64())
				}
			}
			w, _ := NewParam("w", Float32, true, tc.in, tc.units)
			bias, _ := NewParam("b", Float32, true, 1, tc.units)
			for i := 0; i < w.Size(); i++ {
				w.SetAt(i, rng.NormFloat64()*0.5)
			}
			// Biases of ±8 keep every pre-activation far from the ReLU's
			// kink, which a step of 1e-2 would otherwise straddle, half the
			// units on and half off.
			for i := 0; i < bias.Size(); i++ {
				bias.SetAt(i, float64(8*(1-2*(i%2))))
			}
			var xn *G.Node
			wrt := []*Param{w, bias}
			if tc.xIsParamNode {
				xn = G.Must(b.Param(x))
				wrt = append(wrt, x)
			} else {
				in := b.Input("x", tc.batch, tc.in)
				copyInto(in.Tensor, x)
				xn = in.Node
			}
			y, err := Dense(xn, G.Must(b.Param(w)), G.Must(b.Param(bias)), tc.relu, tc.xIsParamNode)
			if err != nil {
				t.Fatal(err)
			}
			res, err := GradCheck(b, anyWeightedSum(b, y, rng), wrt, 1e-2, 1)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res)
			if res.MaxRelErr > 1e-2 {
				t.Errorf("%v", res)
			}
		})
	}
}
