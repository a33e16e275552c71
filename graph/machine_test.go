package graph

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// mlp is the MNIST recipe's graph at small sizes: Dense(relu) → Dense →
// log-softmax → cross-entropy against one-hot targets, with x and the
// targets as inputs.
type mlp struct {
	b    *Builder
	x, y *Input
	loss *G.Node
}

func newMLP(t *testing.T, dt tensor.Dtype, params []*Param, batch int) *mlp {
	t.Helper()
	b, err := NewBuilder(dt, batch, true)
	if err != nil {
		t.Fatal(err)
	}
	n := make([]*G.Node, len(params))
	for i, p := range params {
		if n[i], err = b.Param(p); err != nil {
			t.Fatal(err)
		}
	}
	in, classes := params[0].Shape()[0], params[2].Shape()[1]
	m := &mlp{b: b, x: b.Input("x", batch, in), y: b.Input("y", batch, classes)}
	h, err := Dense(m.x.Node, n[0], n[1], true, false)
	if err != nil {
		t.Fatal(err)
	}
	z, err := Dense(h, n[2], n[3], false, true)
	if err != nil {
		t.Fatal(err)
	}
	lp, err := LogSoftmax(z)
	if err != nil {
		t.Fatal(err)
	}
	if m.loss, err = CrossEntropy(lp, m.y.Node); err != nil {
		t.Fatal(err)
	}
	return m
}

func mlpParams(t *testing.T, dt tensor.Dtype, rng *rand.Rand, in, hidden, classes int) []*Param {
	t.Helper()
	var ps []*Param
	for _, s := range [][]int{{in, hidden}, {1, hidden}, {hidden, classes}, {1, classes}} {
		p, err := NewParam(fmt.Sprint("p", len(ps)), dt, true, s...)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < p.Size(); i++ {
			p.SetAt(i, 0.5*rng.NormFloat64())
		}
		ps = append(ps, p)
	}
	return ps
}

// fillBatch writes a fresh batch into both graphs' inputs: x mostly zero
// (MNIST-like, so the dense op takes its sparse kernel) or dense, and
// one-hot targets.
func fillBatch(rng *rand.Rand, zero float64, ms ...*mlp) {
	in := ms[0].x.Tensor.Shape()[1]
	batch, classes := ms[0].y.Tensor.Shape()[0], ms[0].y.Tensor.Shape()[1]
	x := make([]float32, batch*in)
	for i := range x {
		if rng.Float64() >= zero {
			x[i] = rng.Float32()
		}
	}
	y := make([]float32, batch*classes)
	for i := 0; i < batch; i++ {
		y[i*classes+rng.Intn(classes)] = 1
	}
	for _, m := range ms {
		_ = m.x.Set(x)
		_ = m.y.Set(y)
	}
}

// TestZeroCopyGradsMatchCopies runs the MNIST-shaped graph compiled twice
// over the same params, once handing gradients out as the ops' own tensors
// and once copying them with Reads as before, on several batches (sparse
// and dense inputs) with the params moving between steps. The zero-copy
// gradients must be bit for bit the copied ones after every run, must
// really be zero-copy (the ops' tensors, the same ones every run), and the
// loss must agree too.
func TestZeroCopyGradsMatchCopies(t *testing.T) {
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		t.Run(dt.String(), func(t *testing.T) {
			rng := rand.New(rand.NewSource(7))
			params := mlpParams(t, dt, rng, 12, 9, 4)
			fast, slow := newMLP(t, dt, params, 6), newMLP(t, dt, params, 6)
			mf, err := fast.b.Compile(fast.loss, params)
			if err != nil {
				t.Fatal(err)
			}
			defer mf.Close()
			ms, err := slow.b.compile(slow.loss, params, false)
			if err != nil {
				t.Fatal(err)
			}
			defer ms.Close()
			for i := range params {
				if mf.owned[i] == nil {
					t.Fatalf("gradient %d of the fused graph is copied, want it zero-copy", i)
				}
				if ms.owned[i] != nil {
					t.Fatalf("gradient %d of the copying machine is zero-copy", i)
				}
			}
			first := make([]*tensor.Dense, len(params))
			for step := 0; step < 6; step++ {
				fillBatch(rng, []float64{0.8, 0}[step%2], fast, slow)
				if err := mf.Run(nil); err != nil {
					t.Fatal(err)
				}
				if err := ms.Run(nil); err != nil {
					t.Fatal(err)
				}
				if lf, ls := mf.Loss(), ms.Loss(); lf != ls || math.IsNaN(lf) {
					t.Fatalf("step %d: loss %v, copying machine %v", step, lf, ls)
				}
				for i, p := range params {
					gf, gs := mf.Grad(i), ms.Grad(i)
					if gf == nil || gs == nil {
						t.Fatalf("step %d: gradient %d missing: %v, %v", step, i, gf, gs)
					}
					if gf != mf.owned[i].lastOutput() {
						t.Fatalf("step %d: gradient %d is not the op's tensor", step, i)
					}
					if step == 0 {
						first[i] = gf
					} else if gf != first[i] {
						t.Errorf("step %d: gradient %d is a new tensor each run", step, i)
					}
					if !gf.Shape().Eq(gs.Shape()) {
						t.Fatalf("step %d: gradient %d has shape %v, want %v", step, i, gf.Shape(), gs.Shape())
					}
					a, b := Float64s(gf), Float64s(gs)
					nonzero := false
					for k := range a {
						if a[k] != b[k] {
							t.Fatalf("step %d: %s gradient[%d] = %v zero-copy, %v copied", step, p.Name, k, a[k], b[k])
						}
						nonzero = nonzero || a[k] != 0
					}
					if !nonzero {
						t.Fatalf("step %d: %s gradient is all zero: the test would not see a difference", step, p.Name)
					}
				}
				// A plain SGD step, so that the next run sees new weights.
				for i, p := range params {
					g := Float64s(mf.Grad(i))
					for k := range g {
						p.SetAt(k, p.At(k)-0.1*g[k])
					}
				}
			}
		})
	}
}

// TestZeroCopyGradCheck checks the zero-copy gradients of the whole MLP
// (float64) against central differences.
func TestZeroCopyGradCheck(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	params := mlpParams(t, Float64, rng, 10, 8, 3)
	m := newMLP(t, Float64, params, 5)
	fillBatch(rng, 0.7, m)
	res, err := GradCheck(m.b, m.loss, params, 1e-6, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.MaxRelErr > 1e-6 {
		t.Errorf("gradient check failed: %v", res)
	}
}

// TestOwnedGradNeedsNoConsumer shows why a gradient is read from its op
// only when nothing consumes it: gorgonia runs an in-place consumer (here
// a multiplication by 2) in the register of its input, that is, in the
// op's own tensor, which then holds the consumer's result after the run.
func TestOwnedGradNeedsNoConsumer(t *testing.T) {
	b, _ := NewBuilder(Float64, 2, true)
	in := b.Input("dz", 2, 3)
	copy(in.Tensor.Data().([]float64), []float64{1, 2, 3, 4, 5, 6})
	op := &denseGradOp{kind: gradBias, dt: Float64, rows: 1, cols: 3, inner: 2}
	y, err := G.ApplyOp(op, in.Node)
	if err != nil {
		t.Fatal(err)
	}
	if ownedGrad(b.G, y) == nil {
		t.Fatal("a gradient nothing consumes is not read from its op")
	}
	if _, err := G.Mul(y, b.Const(2)); err != nil {
		t.Fatal(err)
	}
	if ownedGrad(b.G, y) != nil {
		t.Fatal("a gradient with a consumer is read from its op")
	}
	vm := G.NewTapeMachine(b.G)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	// The column sums are 5, 7, 9; the op's tensor now holds the product.
	// If gorgonia stops doing this, the guard is merely cautious.
	if got := op.out.Data().([]float64); got[0] != 10 {
		t.Logf("the consumer no longer overwrites the op's tensor: %v", got)
	}
}

// TestCommitAppliesObserversOnce checks that Run only records the observed
// values and Commit hands them to the observer, once per run: a step that
// is run but not committed (a training loop rejecting a NaN loss) must
// leave whatever the observer updates untouched.
func TestCommitAppliesObserversOnce(t *testing.T) {
	b, _ := NewBuilder(Float64, 1, true)
	x := b.Input("x", 1, 2)
	d := x.Tensor.Data().([]float64)
	y := G.Must(G.Mul(x.Node, b.Const(2)))
	var seen []float64
	b.Observe(y, "y", func(v *tensor.Dense) error {
		seen = append(seen, v.Data().([]float64)...)
		return nil
	})
	m, err := b.Compile(nil, nil, y)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	d[0], d[1] = 1, 2
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 0 {
		t.Fatalf("Run called the observer with %v before Commit", seen)
	}
	d[0], d[1] = 3, 4 // a second, accepted run replaces the first
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := m.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(seen) != "[6 8]" {
		t.Errorf("observer saw %v after Run, Run, Commit, Commit; want [6 8] once", seen)
	}
}

// TestCompileTwiceIsAnError: a second Compile of one builder (a GradCheck
// after a Compile, say) panicked inside Gorgonia's Backpropagate.
func TestCompileTwiceIsAnError(t *testing.T) {
	b, _ := NewBuilder(Float64, 2, true)
	p, _ := NewParam("w", Float64, true, 2, 3)
	loss := G.Must(G.Sum(G.Must(b.Param(p))))
	if _, err := b.Compile(loss, []*Param{p}); err != nil {
		t.Fatal(err)
	}
	if _, err := GradCheck(b, loss, []*Param{p}, 1e-6, 1); err == nil || !strings.Contains(err.Error(), "already compiled") {
		t.Errorf("second compile: %v, want an error saying the graph is already compiled", err)
	}
}
