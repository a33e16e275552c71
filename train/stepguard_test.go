package train

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// guardCase is one optimiser given weights and a gradient whose update
// overflows (or makes a state vector overflow) although every input is
// finite.
type guardCase struct {
	name string
	opt  func(lrScale float64) Optimizer
	w, g float64
	g2   bool // the case overflows g², not the step: its float64 twin needs g ~ 1e160, not a larger lr
}

var overflowCases = []guardCase{
	{"SGD lr 1e38, g 10", func(k float64) Optimizer { return SGD(1e38 * k) }, 1, 10, false},
	{"SGD momentum 0.9, lr 1e38, g 10", func(k float64) Optimizer { o := SGD(1e38 * k); o.Momentum = 0.9; return o }, 1, 10, false},
	{"SGD Nesterov, lr 1e38, g 10", func(k float64) Optimizer { o := SGD(1e38 * k); o.Momentum = 0.9; o.Nesterov = true; return o }, 1, 10, false},
	{"RMSprop lr 1e38, w -3e38", func(k float64) Optimizer { return RMSprop(1e38 * k) }, -3e38, 1, false},
	{"RMSprop g 1e20 (g² overflows the mean square)", func(float64) Optimizer { return RMSprop(1e-3) }, 1, 1e20, true},
	{"Adam lr 1e38, w -3e38", func(k float64) Optimizer { return Adam(1e38 * k) }, -3e38, 1, false},
	{"Adam g 1e20 (g² overflows v)", func(float64) Optimizer { return Adam(1e-3) }, 1, 1e20, true},
}

// guardParams makes two params of dt holding w (one element −w) and their
// gradients holding g (one element −g).
func guardParams(t *testing.T, dt tensor.Dtype, w, g float64) ([]*graph.Param, []*tensor.Dense) {
	t.Helper()
	var ps []*graph.Param
	var gs []*tensor.Dense
	for i, shape := range [][]int{{3, 40}, {1, 5}} {
		p, err := graph.NewParam(fmt.Sprintf("p%d", i), dt, true, shape...)
		if err != nil {
			t.Fatal(err)
		}
		gt := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
		for j := 0; j < p.Size(); j++ {
			s := 1.0
			if j == 1 {
				s = -1
			}
			p.SetAt(j, s*w)
			if dt == tensor.Float32 {
				gt.Float32s()[j] = float32(s * g)
			} else {
				gt.Float64s()[j] = s * g
			}
		}
		ps, gs = append(ps, p), append(gs, gt)
	}
	return ps, gs
}

func paramsAndState(ps []*graph.Param, o Optimizer) [][]float64 {
	v := graph.Snapshot(ps)
	if bo, ok := o.(boundedOptimizer); ok {
		st := bo.state()
		for i := range st.bind {
			for k := 0; k < st.n; k++ {
				if len(st.f32[i]) > 0 {
					x := make([]float64, len(st.f32[i][k]))
					for j, e := range st.f32[i][k] {
						x[j] = float64(e)
					}
					v = append(v, x)
				} else {
					v = append(v, append([]float64(nil), st.f64[i][k]...))
				}
			}
		}
		if c := bo.counter(); c != nil {
			v = append(v, []float64{float64(*c)})
		}
	}
	return v
}

func sameBits(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
				return false
			}
		}
	}
	return true
}

// TestGuardRefusesOverflowingUpdates: after one good step (which creates
// the optimiser state), an update that overflows a weight or a state
// vector is refused by name, and every weight, state element and step
// counter holds its value from before, bit for bit; without the guard the
// same update leaves a non-finite value (so the case does overflow).
func TestGuardRefusesOverflowingUpdates(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, c := range overflowCases {
			name := fmt.Sprintf("%v %s", dt, c.name)
			// float64: the same overflows, 5·10^269 times further out.
			w, g, k := c.w, c.g, 1.0
			if dt == tensor.Float64 {
				if c.g2 {
					g = 1e160
				} else {
					w, k = w*5e269, 5e269
				}
			}
			// Plain update: it must overflow, or the case tests nothing.
			ps, gs := guardParams(t, dt, w, g)
			o := c.opt(k)
			if err := o.Update(ps, gs); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if finiteAll(ps, o) {
				t.Fatalf("%s: the update without the guard stays finite; the case tests nothing", name)
			}
			// Guarded, after a good step with small gradients.
			ps, gs = guardParams(t, dt, w, g)
			small := make([]*tensor.Dense, len(gs))
			for i, gt := range gs {
				small[i] = gt.Clone().(*tensor.Dense)
				scaleTensor(small[i], 1e-30/g)
			}
			o = c.opt(k)
			var guard stepGuard
			if bad, err := guard.update(o, ps, small, 1e-30); err != nil || bad != "" {
				t.Fatalf("%s: the good step: %q %v", name, bad, err)
			}
			before := paramsAndState(ps, o)
			bad, err := guard.update(o, ps, gs, math.Abs(g))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if bad != "p0" {
				t.Errorf("%s: the guard named %q, want p0", name, bad)
			}
			if after := paramsAndState(ps, o); !sameBits(before, after) {
				t.Errorf("%s: weights or state changed by a refused update:\nbefore %v\nafter  %v", name, head(before), head(after))
			}
		}
	}
}

// TestGuardIsExact: on safe updates the guard changes nothing: weights and
// state are bit for bit those of Update alone, on the fast path (bounds
// far from the range), and on the slow one (a learning rate so large that
// the bounds cannot prove the step safe, though it is).
func TestGuardIsExact(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, c := range []struct {
			name string
			opt  func() Optimizer
			g    float64
			slow bool // in float32: the bound α·|m|/ε is past the range though the step, about α, is not
		}{
			{"SGD fast", func() Optimizer { o := SGD(0.1); o.Momentum = 0.9; return o }, 0.5, false},
			{"RMSprop fast", func() Optimizer { return RMSprop(1e-3) }, 0.5, false},
			{"Adam fast", func() Optimizer { return Adam(1e-3) }, 0.5, false},
			{"Adam slow (lr 1e37, g 1)", func() Optimizer { return Adam(1e37) }, 1, true},
		} {
			name := fmt.Sprintf("%v %s", dt, c.name)
			ps, gs := guardParams(t, dt, 0.25, c.g)
			ref, rgs := guardParams(t, dt, 0.25, c.g)
			o, ro := c.opt(), c.opt()
			var guard stepGuard
			for step := 0; step < 3; step++ {
				if bad, err := guard.update(o, ps, gs, c.g); err != nil || bad != "" {
					t.Fatalf("%s: step %d: %q %v", name, step, bad, err)
				}
				if err := ro.Update(ref, rgs); err != nil {
					t.Fatal(err)
				}
			}
			if a, b := paramsAndState(ps, o), paramsAndState(ref, ro); !sameBits(a, b) {
				t.Errorf("%s: guarded %v, plain %v", name, head(a), head(b))
			}
			if wantSlow := c.slow && dt == tensor.Float32; (guard.slow > 0) != wantSlow {
				t.Errorf("%s: %d slow steps; want slow steps %v", name, guard.slow, wantSlow)
			}
		}
	}
}

// TestFitStopsBeforeAnOverflowingUpdate: Fit with SGD at a learning rate
// of 3.4e38 (float32's largest) stops with a NonFiniteError naming the param whose update
// overflowed, every param holds the values of the last good step, and the
// model can still be saved (its weights are finite).
func TestFitStopsBeforeAnOverflowingUpdate(t *testing.T) {
	m := nn.Sequential("overflow", nn.Dense(8, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, SGD(math.MaxFloat32), SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	src := blobs(60, 1)
	for i := range src.x {
		src.x[i] *= 1000 // gradients of hundreds: lr·g overflows at once
	}
	snap, err := fitUntilNonFinite(t, tr, src)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Update == "" {
		t.Fatalf("Fit's error %v: want a NonFiniteError naming an update", err)
	}
	t.Logf("%v", err)
	checkParamsEqual(t, tr.Model, snap)
	if err := tr.Save(filepath.Join(t.TempDir(), "after.ckpt")); err != nil {
		t.Errorf("Save after the refused update: %v", err)
	}
}

// TestFitStopsOnOverflowingBatchStatistics: a feature of 3e38 in float32
// makes BatchNorm's batch variance +Inf; the step is refused (by the
// loss, a gradient or the statistic, whichever is not finite first) and
// the moving mean and variance keep the last good step's values.
func TestFitStopsOnOverflowingBatchStatistics(t *testing.T) {
	src := blobs(60, 1)
	src.x[2*10*2+1] = 3e38 // sample 20, batch 3
	m := nn.Sequential("bnfirst", nn.BatchNorm(), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, Adam(0.01), SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	snap, err := fitUntilNonFinite(t, tr, src)
	var nf *NonFiniteError
	if !errors.As(err, &nf) || nf.Batch != 2 {
		t.Fatalf("Fit's error %v: want a NonFiniteError at batch 3", err)
	}
	t.Logf("%v", err)
	checkParamsEqual(t, tr.Model, snap)
}

func finiteAll(ps []*graph.Param, o Optimizer) bool {
	for _, v := range paramsAndState(ps, o) {
		for _, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
	}
	return true
}

func scaleTensor(t *tensor.Dense, s float64) {
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(float64(d[i]) * s)
		}
	case []float64:
		for i := range d {
			d[i] *= s
		}
	}
}

// head shortens a snapshot for a failure message.
func head(v [][]float64) [][]float64 {
	out := make([][]float64, len(v))
	for i, x := range v {
		out[i] = x[:min(len(x), 3)]
	}
	return out
}

// TestGuardFastPathFromTheFirstStep: ordinary training never takes the
// slow path (which copies every weight), not even on the first step, when
// the optimiser's state does not exist yet; with each built-in optimiser.
func TestGuardFastPathFromTheFirstStep(t *testing.T) {
	for _, opt := range []Optimizer{SGD(0.1), RMSprop(1e-3), Adam(1e-3)} {
		m := nn.Sequential("fast", nn.Dense(8, nn.ReLU), nn.Dense(3, nn.Softmax))
		if err := m.Build(2, nn.BuildOptions{Seed: 2}); err != nil {
			t.Fatal(err)
		}
		tr, err := Compile(m, opt, SparseCategoricalCrossentropy())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Fit(blobs(60, 1), FitOptions{Epochs: 2, BatchSize: 10, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if tr.guard.slow != 0 || tr.guard.backupW.f32 != nil {
			t.Errorf("%s: %d slow steps, backup held %v; want none", opt.Name(), tr.guard.slow, tr.guard.backupW.f32 != nil)
		}
	}
}

// TestGuardRestoresCustomOptimizerState: a registered optimiser of the
// user's (testMomentum) whose update overflows is refused like a built-in:
// its weights and its velocities are those of before the step.
func TestGuardRestoresCustomOptimizerState(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		g := 1e30
		if dt == tensor.Float64 {
			g = 1e300
		}
		ps, gs := guardParams(t, dt, 1, 1)
		o := newTestMomentum(1e10) // w − 1e10·v overflows once v passes 1e29 (float32), 1e299 (float64)
		var guard stepGuard
		if bad, err := guard.update(o, ps, gs, 1); err != nil || bad != "" {
			t.Fatalf("%v: the good step: %q %v", dt, bad, err)
		}
		state := func() [][]float64 { return append(graph.Snapshot(ps), customState(o, len(ps))...) }
		before := state()
		for _, gt := range gs {
			scaleTensor(gt, g)
		}
		bad, err := guard.update(o, ps, gs, g)
		if err != nil {
			t.Fatal(err)
		}
		if bad == "" {
			t.Fatalf("%v: an overflowing custom update was accepted", dt)
		}
		after := state()
		// The step counter is the optimiser's own and moves on; the rest
		// must be restored.
		if !sameBits(before[:len(before)-1], after[:len(after)-1]) {
			t.Errorf("%v: weights or velocities changed by a refused custom update", dt)
		}
	}
}
