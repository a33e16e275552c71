package nn

import (
	"fmt"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// TestReLUDerivativeZeroAtZero: a feature that is 0 in every sample comes
// out of BatchNorm as exactly 0 (centred 0, beta 0), so the ReLU after it
// sits at its kink. Keras and PyTorch give the derivative 0 there, so beta's
// gradient for that unit is 0; Gorgonia's Rectify gave 1, and beta moved.
// Both ways of building a ReLU are checked, fused and not: the Activation
// layer and Dense's folded ReLU (a zero input row and zero bias put its
// pre-activation at exactly 0 too).
func TestReLUDerivativeZeroAtZero(t *testing.T) {
	x := [][]float64{{0, 1, -2}, {0, 3, 0.5}, {0, -1, 2}, {0, 2, 1}}
	for _, fused := range []bool{true, false} {
		t.Run(fmt.Sprint("fused=", fused), func(t *testing.T) {
			bn := BatchNorm()
			m := Sequential("dead", bn, Act(ReLU), Dense(2, Linear))
			if err := m.Build(3, BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
				t.Fatal(err)
			}
			m.SetFused(fused)
			grads := runGrads(t, m, x, []*graph.Param{bn.Beta})
			if g := grads[0][0]; g != 0 {
				t.Errorf("d loss/d beta[0] = %v for a unit at exactly 0, want 0", g)
			}
			if grads[0][1] == 0 || grads[0][2] == 0 {
				t.Errorf("live units got no gradient: %v", grads[0])
			}

			d := Dense(2, ReLU)
			m = Sequential("dead-dense", d, Dense(2, Linear))
			if err := m.Build(3, BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
				t.Fatal(err)
			}
			m.SetFused(fused)
			grads = runGrads(t, m, [][]float64{{0, 0, 0}}, []*graph.Param{d.Bias})
			if grads[0][0] != 0 || grads[0][1] != 0 {
				t.Errorf("d loss/d bias = %v for units at exactly 0, want 0", grads[0])
			}
		})
	}
}

// runGrads runs m on x in training mode with loss Σ output·(1, 2, ...)
// and returns the gradients with respect to wrt.
func runGrads(t *testing.T, m *Model, x [][]float64, wrt []*graph.Param) [][]float64 {
	t.Helper()
	b, err := graph.NewBuilder(graph.Float64, len(x), true)
	if err != nil {
		t.Fatal(err)
	}
	in := b.Input("x", len(x), len(x[0]))
	d := in.Tensor.Data().([]float64)
	for i, row := range x {
		copy(d[i*len(row):], row)
	}
	out, err := m.Forward(b, in.Node)
	if err != nil {
		t.Fatal(err)
	}
	r := b.Input("r", out.Shape()...)
	for i, v := 0, r.Tensor.Data().([]float64); i < len(v); i++ {
		v[i] = float64(i + 1)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
	mc, err := b.Compile(loss, wrt)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if err := mc.Run(nil); err != nil {
		t.Fatal(err)
	}
	var gs [][]float64
	for i := range wrt {
		gs = append(gs, append([]float64(nil), mc.Grad(i).Data().([]float64)...))
	}
	return gs
}
