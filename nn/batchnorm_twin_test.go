package nn

import (
	"fmt"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/approx"
)

// The parity tests of BatchNorm and Dropout: each layer built with
// graph's fused ops (Builder.Fused) and with its twin, the construction
// from Gorgonia primitives differentiated by gorgonia.Grad, on the same
// params and inputs; values, every gradient and, for BatchNorm, the moving
// statistics after committed steps must agree to rounding.

// bnTwinRun is what one batch-norm graph computed over its steps: per step
// the output, loss and gradients (x, gamma, beta); and the moving
// statistics after the last committed step.
type bnTwinRun struct {
	outs   [][][]float64 // [step][0]: output; [step][1..]: gradients
	losses []float64
	moving [][]float64
}

// runBNTwin builds l (already built) on x, a param of shape (batch, in...),
// fused or not, and runs steps training steps (one at inference), each on
// new values of x from seed, committing each.
func runBNTwin(t *testing.T, l *BatchNormLayer, dt tensor.Dtype, shape []int, training, fused bool, steps int, seed int64) bnTwinRun {
	t.Helper()
	x, err := graph.NewParam("x", dt, true, shape...)
	if err != nil {
		t.Fatal(err)
	}
	b, err := graph.NewBuilder(dt, shape[0], training)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = fused
	y, err := l.Forward(b, G.Must(b.Param(x)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(seed))
	r := b.Input("r", shape...)
	rs := make([]float32, r.Tensor.Shape().TotalSize())
	for i := range rs {
		rs[i] = float32(rng.NormFloat64())
	}
	if err := r.Set(rs); err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, r.Node))))
	m, err := b.Compile(loss, []*graph.Param{x, l.Gamma, l.Beta}, y)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	c := shape[len(shape)-1]
	var res bnTwinRun
	for s := 0; s < steps; s++ {
		// Channels of their own mean and spread, shifted every step.
		for i := 0; i < x.Size(); i++ {
			j := float64(i % c)
			x.SetAt(i, (0.5+j)*rng.NormFloat64()+j-1+0.3*float64(s))
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		res.losses = append(res.losses, m.Loss())
		step := [][]float64{graph.Float64s(m.Output(0))}
		for i := range m.Wrt() {
			step = append(step, graph.Float64s(m.Grad(i)))
		}
		res.outs = append(res.outs, step)
		if err := m.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	res.moving = [][]float64{graph.Float64s(l.MovingMean.Value), graph.Float64s(l.MovingVariance.Value)}
	return res
}

// TestBatchNormFusedMatchesTwin: the fused batch norm against its twin,
// in both element types, training and inference, over batch sizes 1 (the
// variance is 0 and y = β), 3, 8, 129 and 1, 3 and 64 features, and N-d
// inputs normalised per channel: outputs and gradients at every step, and
// the moving statistics after three committed steps.
func TestBatchNormFusedMatchesTwin(t *testing.T) {
	type tc struct{ shape []int } // (batch, sample shape...)
	var cases []tc
	for _, batch := range []int{1, 3, 8, 129} {
		for _, features := range []int{1, 3, 64} {
			cases = append(cases, tc{[]int{batch, features}})
		}
	}
	cases = append(cases, tc{[]int{4, 5, 6, 3}}, tc{[]int{1, 3, 3, 2}}, tc{[]int{8, 2, 2, 64}})
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		for _, c := range cases {
			for _, training := range []bool{true, false} {
				name := fmt.Sprintf("%v/shape%v/training=%v", dt, c.shape, training)
				t.Run(name, func(t *testing.T) {
					steps := 1
					if training {
						steps = 3
					}
					var runs [2]bnTwinRun
					for k, fused := range []bool{true, false} {
						l := BatchNorm()
						l.SetName("bn")
						if _, err := l.Build(c.shape[1:], dt, nil); err != nil {
							t.Fatal(err)
						}
						rng := rand.New(rand.NewSource(5))
						for i := 0; i < l.Gamma.Size(); i++ {
							l.Gamma.SetAt(i, 0.5+rng.Float64())
							l.Beta.SetAt(i, rng.NormFloat64())
							l.MovingMean.SetAt(i, 0.3*rng.NormFloat64())
							l.MovingVariance.SetAt(i, 0.5+rng.Float64())
						}
						runs[k] = runBNTwin(t, l, dt, c.shape, training, fused, steps, 11)
					}
					fused, twin := runs[0], runs[1]
					rows := tensor.Shape(c.shape).TotalSize() / c.shape[len(c.shape)-1]
					tol := twinTol(dt, rows)
					what := []string{"output", "dx", "dgamma", "dbeta"}
					for s := range twin.outs {
						for i := range twin.outs[s] {
							if e := approx.RelErr(fused.outs[s][i], twin.outs[s][i]); !(e <= tol) {
								t.Errorf("%s: step %d %s: fused and twin differ by %.3g (relative), tolerance %.3g", name, s, what[i], e, tol)
							}
						}
						if e := approx.RelErr([]float64{fused.losses[s]}, []float64{twin.losses[s]}); !(e <= tol) {
							t.Errorf("%s: step %d loss: fused %.9g, twin %.9g", name, s, fused.losses[s], twin.losses[s])
						}
					}
					for i, stat := range []string{"moving mean", "moving variance"} {
						if e := approx.RelErr(fused.moving[i], twin.moving[i]); !(e <= tol) {
							t.Errorf("%s: %s after %d committed steps: fused and twin differ by %.3g (relative), tolerance %.3g", name, stat, steps, e, tol)
						}
					}
				})
			}
		}
	}
}

// TestDropoutFusedMatchesTwin: the fused dropout multiplies by the same
// seeded mask as the twin's HadamardProd, one rounding per element: output
// and input gradient are bit for bit the twin's, in both element types and
// for matrices and N-d inputs.
func TestDropoutFusedMatchesTwin(t *testing.T) {
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		for _, shape := range [][]int{{1, 3}, {8, 64}, {129, 3}, {4, 5, 6, 3}} {
			for _, rate := range []float64{0.2, 0.5} {
				name := fmt.Sprintf("%v/shape%v/rate%v", dt, shape, rate)
				t.Run(name, func(t *testing.T) {
					var got [2][][]float64
					for k, fused := range []bool{true, false} {
						l := Dropout(rate)
						l.SetName("drop")
						if _, err := l.Build(shape[1:], dt, nil); err != nil {
							t.Fatal(err)
						}
						x, _ := graph.NewParam("x", dt, true, shape...)
						rng := rand.New(rand.NewSource(2))
						for i := 0; i < x.Size(); i++ {
							x.SetAt(i, rng.NormFloat64())
						}
						b, _ := graph.NewBuilder(dt, shape[0], true)
						b.Fused = fused
						y, err := l.Forward(b, G.Must(b.Param(x)))
						if err != nil {
							t.Fatal(err)
						}
						r := b.Input("r", shape...)
						rs := make([]float32, x.Size())
						for i := range rs {
							rs[i] = float32(rng.NormFloat64())
						}
						_ = r.Set(rs)
						m, err := b.Compile(G.Must(G.Sum(G.Must(G.HadamardProd(y, r.Node)))), []*graph.Param{x}, y)
						if err != nil {
							t.Fatal(err)
						}
						if err := m.Run(rand.New(rand.NewSource(9))); err != nil {
							t.Fatal(err)
						}
						got[k] = [][]float64{graph.Float64s(m.Output(0)), graph.Float64s(m.Grad(0))}
						_ = m.Close()
					}
					dropped := 0
					for i, what := range []string{"output", "dx"} {
						for j, v := range got[1][i] {
							if got[0][i][j] != v {
								t.Fatalf("%s: %s[%d]: fused %v, twin %v", name, what, j, got[0][i][j], v)
							}
							if i == 1 && v == 0 {
								dropped++
							}
						}
					}
					if n := len(got[1][1]); n >= 64 && (dropped == 0 || dropped == n) {
						t.Errorf("%s: %d of %d inputs dropped: the mask is not random", name, dropped, n)
					}
				})
			}
		}
	}
}
