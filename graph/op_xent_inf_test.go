package graph

import (
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// TestCrossEntropyInfLogProbOffTarget checks that a log-probability of −Inf
// where the target is 0 does not make the loss NaN: the row logp = [−Inf, 0]
// with target [0, 1] puts all its mass on the class of probability 1, so
// the loss is exactly 0, as in PyTorch and Keras. Summing logp·target over
// every element gave 0·(−Inf) = NaN. The gradient, −target/N, stays
// [0, −1]; a second row checks that ordinary terms still count.
//
//	logp   = [[−Inf, 0], [−0.5, −2]]
//	target = [[0, 1],    [1, 0]]
//	loss   = −(1/2)·(0 + (−0.5)) = 0.25
func TestCrossEntropyInfLogProbOffTarget(t *testing.T) {
	logp := []float64{math.Inf(-1), 0, -0.5, -2}
	target := []float32{0, 1, 1, 0}
	wantGrad := []float64{0, -0.5, -0.5, 0}
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		b, _ := NewBuilder(dt, 2, true)
		p, _ := NewParam("logp", dt, true, 2, 2)
		for i, v := range logp {
			p.SetAt(i, v)
		}
		pn, _ := b.Param(p)
		y := b.Input("y", 2, 2)
		if err := y.Set(target); err != nil {
			t.Fatal(err)
		}
		loss, err := CrossEntropy(pn, y.Node)
		if err != nil {
			t.Fatal(err)
		}
		m, err := b.Compile(loss, []*Param{p})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		if got := m.Loss(); got != 0.25 {
			t.Errorf("%v: loss %v, want 0.25", dt, got)
		}
		for i, g := range Float64s(m.Grad(0)) {
			if g != wantGrad[i] {
				t.Errorf("%v: dlogp[%d] = %v, want %v", dt, i, g, wantGrad[i])
			}
		}
		m.Close()
	}
}
