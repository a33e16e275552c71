package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestReLUValues runs the op and its twin on hand-picked inputs, forward
// and backward (loss Σ y ⊙ w, so dy = w): y = max(x, 0) with +0 for every
// x ≤ 0, NaN kept; dx = w where x > 0, else 0 (at 0 too). The twin gives
// the same numbers but for -0 at a negative x and NaN (−∞·0) at −∞.
func TestReLUValues(t *testing.T) {
	nan := math.NaN()
	xs := []float64{-2, -0.5, 0, 0x1p-100, 0.5, 3, math.Inf(1), math.Inf(-1), nan}
	ws := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}
	wantY := []float64{0, 0, 0, 0x1p-100, 0.5, 3, math.Inf(1), 0, nan}
	wantDx := []float64{0, 0, 0, 4, 5, 6, 7, 0, 9}
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		for _, fused := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/fused=%v", dt, fused), func(t *testing.T) {
				b, err := NewBuilder(dt, 1, true)
				if err != nil {
					t.Fatal(err)
				}
				b.Fused = fused
				p, _ := NewParam("x", dt, true, 1, len(xs))
				for i, x := range xs {
					p.SetAt(i, x)
				}
				wt := tensor.New(tensor.Of(dt), tensor.WithShape(1, len(ws)))
				for i, v := range ws {
					if dt == Float32 {
						wt.Data().([]float32)[i] = float32(v)
					} else {
						wt.Data().([]float64)[i] = v
					}
				}
				w := G.NewConstant(wt)
				y, err := b.ReLU(G.Must(b.Param(p)))
				if err != nil {
					t.Fatal(err)
				}
				loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, w))))
				m, err := b.Compile(loss, []*Param{p}, y)
				if err != nil {
					t.Fatal(err)
				}
				defer m.Close()
				if err := m.Run(nil); err != nil {
					t.Fatal(err)
				}
				gotY, gotDx := Float64s(m.Output(0)), Float64s(m.Grad(0))
				wantY := append([]float64(nil), wantY...)
				if !fused {
					wantY[7] = nan // −∞ ⊙ 0
				}
				for i, x := range xs {
					same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
					if !same(gotY[i], wantY[i]) {
						t.Errorf("x = %v: y = %v, want %v", x, gotY[i], wantY[i])
					}
					if fused && gotY[i] == 0 && math.Signbit(gotY[i]) {
						t.Errorf("x = %v: y = -0, want +0", x)
					}
					if !math.IsNaN(x) && !same(gotDx[i], wantDx[i]) {
						t.Errorf("x = %v: dx = %v, want %v", x, gotDx[i], wantDx[i])
					}
				}
			})
		}
	}
}

// TestReLUGradCheck checks the fused op's gradient by finite differences,
// away from 0 (where the derivative jumps).
func TestReLUGradCheck(t *testing.T) {
	awayFromZero := func(rng *rand.Rand) float64 {
		v := 0.1 + rng.Float64()
		if rng.Intn(2) == 0 {
			v = -v
		}
		return v
	}
	unaryGradCheck(t, 4, awayFromZero, ReLU, 1e-7, 1e-2)
}

func TestReLUTwinParity(t *testing.T) {
	rowOpParity(t, func(int, int) int { return 1 }, func(b *Builder, x *G.Node) *G.Node { return G.Must(b.ReLU(x)) })
}
