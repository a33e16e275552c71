package train

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// TestOptimizerOneMinusBetaIsFormedInFloat64 checks that the float32 steps
// use 1−β rounded once from float64, as Keras does (its Python float
// 1 − β is cast to the variable's dtype), not 1 − float32(β): for β = 0.9
// those are 0.1 rounded (0.100000001…) and 0.100000024…, a few ulps apart.
// One step from zero state with gradient 1 leaves each moment equal to
// its 1−β: Adam's m = (1−β₁)·1, v = (1−β₂)·1², RMSprop's v = (1−ρ)·1².
// Sizes 1 and 19 take RMSprop's Go loop alone and its vector kernel.
func TestOptimizerOneMinusBetaIsFormedInFloat64(t *testing.T) {
	for _, n := range []int{1, 19} {
		p, err := graph.NewParam("w", graph.Float32, true, n)
		if err != nil {
			t.Fatal(err)
		}
		g := tensor.New(tensor.Of(graph.Float32), tensor.WithShape(n))
		for i := range g.Data().([]float32) {
			g.Data().([]float32)[i] = 1
		}
		adam, rms := Adam(1e-3), RMSprop(1e-3)
		for _, o := range []Optimizer{adam, rms} {
			if err := o.Update([]*graph.Param{p}, []*tensor.Dense{g}); err != nil {
				t.Fatal(err)
			}
		}
		for _, c := range []struct {
			name string
			got  []float32
			beta float64
		}{
			{"Adam m (1−β₁)", adam.s.f32[0][0], 0.9},
			{"Adam v (1−β₂)", adam.s.f32[0][1], 0.999},
			{"RMSprop v (1−ρ)", rms.s.f32[0][0], 0.9},
		} {
			want := float32(1 - c.beta)
			for i, v := range c.got {
				if v != want {
					t.Fatalf("n=%d %s[%d] = %.9g, want float32(1−%v) = %.9g (1−float32(β) is %.9g)",
						n, c.name, i, v, c.beta, want, 1-float32(c.beta))
				}
			}
		}
	}
	if float32(1-0.9) == 1-float32(0.9) {
		t.Fatal("the test needs a β whose two forms of 1−β differ")
	}
}
