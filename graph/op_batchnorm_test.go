package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// bnGraph builds the fused batch norm on params x (of shape), gamma and
// beta (and, at inference, a moving mean and variance), with loss
// Σ y ⊙ R for a fixed random R, in a builder of dt.
type bnGraph struct {
	b                   *Builder
	x, gamma, beta      *Param
	mean, variance      *Param // inference: the moving statistics
	y, loss, mu, sigma2 *G.Node
}

func newBNGraph(t *testing.T, dt tensor.Dtype, shape []int, training bool, seed int64) *bnGraph {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	c := shape[len(shape)-1]
	param := func(name string, at func(i int) float64, dims ...int) *Param {
		p, err := NewParam(name, dt, true, dims...)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < p.Size(); i++ {
			p.SetAt(i, at(i))
		}
		return p
	}
	// Channels of different means and spreads, so that the statistics
	// matter to every gradient.
	g := &bnGraph{
		x:        param("x", func(i int) float64 { j := float64(i % c); return (1+j)*rng.NormFloat64() + j - 1 }, shape...),
		gamma:    param("gamma", func(int) float64 { return 0.5 + rng.Float64() }, 1, c),
		beta:     param("beta", func(int) float64 { return rng.NormFloat64() }, 1, c),
		mean:     param("mean", func(int) float64 { return 0.3 * rng.NormFloat64() }, 1, c),
		variance: param("variance", func(int) float64 { return 0.5 + rng.Float64() }, 1, c),
	}
	b, err := NewBuilder(dt, shape[0], training)
	if err != nil {
		t.Fatal(err)
	}
	g.b = b
	node := func(p *Param) *G.Node { return G.Must(b.Param(p)) }
	if training {
		g.y, g.mu, g.sigma2, err = BatchNormTrain(node(g.x), node(g.gamma), node(g.beta), 1e-3, true)
	} else {
		g.y, err = BatchNormInfer(node(g.x), node(g.gamma), node(g.beta), node(g.mean), node(g.variance), 1e-3, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	r := b.Input("r", shape...)
	vals := make([]float32, r.Tensor.Shape().TotalSize())
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
	}
	if err := r.Set(vals); err != nil {
		t.Fatal(err)
	}
	g.loss = G.Must(G.Sum(G.Must(G.HadamardProd(g.y, r.Node))))
	return g
}

// TestBatchNormHandValues: x = [[1, 2], [3, 6]]: batch mean (2, 4), biased
// variance (1, 4); y = γ·(x − μ)/√(σ² + ε) + β, ε inside the root.
func TestBatchNormHandValues(t *testing.T) {
	for _, dt := range parityDtypes {
		t.Run(dt.String(), func(t *testing.T) {
			b, _ := NewBuilder(dt, 2, true)
			x := b.Input("x", 2, 2)
			_ = x.Set([]float32{1, 2, 3, 6})
			gamma, beta := b.Input("gamma", 1, 2), b.Input("beta", 1, 2)
			_ = gamma.Set([]float32{2, 0.5})
			_ = beta.Set([]float32{1, -1})
			y, mu, v, err := BatchNormTrain(x.Node, gamma.Node, beta.Node, 1e-3, false)
			if err != nil {
				t.Fatal(err)
			}
			m, err := b.Compile(nil, nil, y, mu, v)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Run(nil); err != nil {
				t.Fatal(err)
			}
			s0, s1 := math.Sqrt(1+1e-3), math.Sqrt(4+1e-3)
			want := [][]float64{
				{2*-1/s0 + 1, 0.5*-2/s1 - 1, 2*1/s0 + 1, 0.5*2/s1 - 1},
				{2, 4},
				{1, 4},
			}
			tol := parityTol(dt, 2)
			for i, name := range []string{"y", "mean", "variance"} {
				got := Float64s(m.Output(i))
				for j := range want[i] {
					if math.Abs(got[j]-want[i][j]) > tol {
						t.Errorf("%v %s[%d] = %.9g, want %.9g", dt, name, j, got[j], want[i][j])
					}
				}
			}
		})
	}
}

// bnGradShapes are the inputs of the finite-difference checks: batch 1
// (training gives y = β and no input gradient), matrices, and N-d batches
// normalised per channel, the last axis.
var bnGradShapes = [][]int{{1, 3}, {3, 1}, {5, 3}, {8, 4}, {2, 3, 3, 2}, {3, 2, 5}}

// TestBatchNormGradCheck checks the fused batch norm against central
// differences in float64 (h 1e-6, 1e-6 relative) and float32 (h 1e-2,
// where a percent or two is all that float32 differences resolve).
func TestBatchNormGradCheck(t *testing.T) {
	for _, prec := range []struct {
		dt     tensor.Dtype
		h, tol float64
	}{{Float64, 1e-6, 1e-6}, {Float32, 1e-2, 2e-2}} {
		for _, shape := range bnGradShapes {
			for _, training := range []bool{true, false} {
				name := fmt.Sprintf("%v/shape%v/training=%v", prec.dt, shape, training)
				t.Run(name, func(t *testing.T) {
					g := newBNGraph(t, prec.dt, shape, training, 3)
					res, err := GradCheck(g.b, g.loss, []*Param{g.x, g.gamma, g.beta}, prec.h, 1)
					if err != nil {
						t.Fatalf("%s: %v", name, err)
					}
					if res.MaxRelErr > prec.tol || res.Checked == 0 {
						t.Errorf("%s: %v, want max rel err ≤ %g", name, res, prec.tol)
					} else {
						t.Logf("%s: %v", name, res)
					}
				})
			}
		}
	}
}

// TestBatchNormReusesItsTensors: a second run of the fused batch norm
// returns the same output, statistics and gradient tensors, and the
// ops' Do allocates nothing once its tensors exist.
func TestBatchNormReusesItsTensors(t *testing.T) {
	for _, dt := range parityDtypes {
		g := newBNGraph(t, dt, []int{4, 2, 3}, true, 1)
		m, err := g.b.Compile(g.loss, []*Param{g.x, g.gamma, g.beta}, g.y)
		if err != nil {
			t.Fatal(err)
		}
		owned := func() []*tensor.Dense {
			var ts []*tensor.Dense
			for _, n := range []*G.Node{g.y, g.mu, g.sigma2} {
				ts = append(ts, n.Op().(ownedOutput).lastOutput())
			}
			for i := range m.Wrt() {
				ts = append(ts, m.Grad(i))
			}
			return ts
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		first := owned()
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		for i, ts := range owned() {
			if ts == nil || ts != first[i] {
				t.Errorf("%v: tensor %d is %p on the second run, %p on the first", dt, i, ts, first[i])
			}
		}
		for i, op := range m.owned {
			if op == nil {
				t.Errorf("%v: gradient %d is copied, want the op's own tensor", dt, i)
			}
		}
		s := g.y.Op().(*bnOp).bnShape
		x, mu, v, gamma, beta := g.x.Value, g.mean.Value, g.variance.Value, g.gamma.Value, g.beta.Value
		ops := []G.Op{g.mu.Op(), g.sigma2.Op(), g.y.Op(),
			&bnGradOp{bnShape: s, kind: bnGradX, training: true}, &bnGradOp{bnShape: s, kind: bnGradX},
			&bnGradOp{bnShape: s, kind: bnGradGamma}, &bnGradOp{bnShape: s, kind: bnGradBeta}}
		args := [][]G.Value{{x}, {x, mu}, {x, mu, v, gamma, beta},
			{x, mu, v, gamma, x}, {x, mu, v, gamma, x}, {x, mu, v, x}, {x}}
		for i, op := range ops {
			if _, err := op.Do(args[i]...); err != nil {
				t.Fatalf("%v: %v: %v", dt, op, err)
			}
			if n := testing.AllocsPerRun(10, func() { _, _ = op.Do(args[i]...) }); n != 0 {
				t.Errorf("%v: %v allocates %v times per run", dt, op, n)
			}
		}
	}
}

// TestBatchNormRejectsBadShapes: gamma and beta must be (1, channels), the
// statistics too, and x at least a matrix.
func TestBatchNormRejectsBadShapes(t *testing.T) {
	b, _ := NewBuilder(Float64, 2, true)
	x, x1 := b.Input("x", 2, 3), b.Input("x1", 3)
	row, bad := b.Input("row", 1, 3), b.Input("bad", 1, 2)
	if _, _, _, err := BatchNormTrain(x.Node, bad.Node, row.Node, 1e-3, true); err == nil {
		t.Error("gamma (1, 2) for 3 channels: no error")
	}
	if _, _, _, err := BatchNormTrain(x1.Node, row.Node, row.Node, 1e-3, true); err == nil {
		t.Error("a vector input: no error")
	}
	if _, _, _, err := BatchNormTrain(x.Node, row.Node, row.Node, 0, true); err == nil {
		t.Error("epsilon 0: no error")
	}
	if _, err := BatchNormInfer(x.Node, row.Node, row.Node, row.Node, bad.Node, 1e-3, true); err == nil {
		t.Error("variance (1, 2) for 3 channels: no error")
	}
}

// TestBatchNormBatchOfOne: in training, a batch of one sample (a vector:
// an N-d sample's statistics are over its positions too) is its own mean
// with variance 0, so y = β exactly, and x and γ get no gradient (the
// twin's composition gives the same, as Keras does).
func TestBatchNormBatchOfOne(t *testing.T) {
	for _, dt := range parityDtypes {
		for _, shape := range [][]int{{1, 1}, {1, 3}, {1, 64}} {
			name := fmt.Sprintf("%v/shape%v", dt, shape)
			g := newBNGraph(t, dt, shape, true, 4)
			m, err := g.b.Compile(g.loss, []*Param{g.x, g.gamma, g.beta}, g.y, g.sigma2)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Run(nil); err != nil {
				t.Fatal(err)
			}
			c := shape[len(shape)-1]
			y, beta := Float64s(m.Output(0)), Float64s(g.beta.Value)
			for i, v := range y {
				if v != beta[i%c] {
					t.Errorf("%s: y[%d] = %v, want β = %v", name, i, v, beta[i%c])
				}
			}
			for j, v := range Float64s(m.Output(1)) {
				if v != 0 {
					t.Errorf("%s: variance[%d] = %v, want 0", name, j, v)
				}
			}
			for i, what := range []string{"dx", "dgamma"} {
				for j, v := range Float64s(m.Grad(i)) {
					if v != 0 {
						t.Errorf("%s: %s[%d] = %v, want 0", name, what, j, v)
					}
				}
			}
		}
	}
}

// TestBatchNormTwinParity: Builder.BatchNorm fused (BatchNormTrain,
// BatchNormInfer) and as its twin (BatchNormTwin), output and input
// gradient, in float32 and float64, training and inference, on a matrix,
// on images (the twin's reshape to rows and back) and on a batch of one.
func TestBatchNormTwinParity(t *testing.T) {
	for _, dt := range parityDtypes {
		for si, shape := range [][]int{{7, 3}, {3, 4, 5, 2}, {1, 4}} {
			for _, training := range []bool{true, false} {
				name := fmt.Sprintf("%v/shape%v/training=%v", dt, shape, training)
				n := tensor.Shape(shape).TotalSize()
				c := shape[len(shape)-1]
				xs := twinInputValues(n, int64(si))
				var res [2]twinResult
				for i, fused := range []bool{true, false} {
					res[i] = twinRunB(t, name, dt, shape, xs, 7, func(b *Builder, x *G.Node) (*G.Node, error) {
						b.Fused, b.Training = fused, training
						row := func(name string, at func(j int) float64) *Param {
							p, err := NewParam(name, dt, true, 1, c)
							if err != nil {
								t.Fatal(err)
							}
							for j := range c {
								p.SetAt(j, at(j))
							}
							return p
						}
						gamma := row("gamma", func(j int) float64 { return 0.5 + 0.25*float64(j) })
						beta := row("beta", func(j int) float64 { return 0.1 * float64(j-1) })
						mean := row("mean", func(j int) float64 { return 0.2 - 0.1*float64(j) })
						variance := row("variance", func(j int) float64 { return 0.5 + 0.3*float64(j) })
						y, mu, v, err := b.BatchNorm(x, gamma, beta, mean, variance, 1e-3)
						if err == nil && (mu != nil) != training || (v != nil) != training {
							t.Fatalf("%s: batch statistics %v, %v returned", name, mu, v)
						}
						return y, err
					})
				}
				twinCompare(t, name, dt, n/c, res[0], res[1])
			}
		}
	}
}
