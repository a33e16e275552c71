package train

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// adagradSteps applies o to one weight w0 with the gradients gs in turn,
// and returns the weight and the accumulator after each step.
func adagradSteps(t *testing.T, o *AdagradOptimizer, dt tensor.Dtype, w0 float64, gs ...float64) (w, acc []float64) {
	t.Helper()
	p, err := graph.NewParam("w", dt, true, 1)
	if err != nil {
		t.Fatal(err)
	}
	_ = p.SetFloat64s([]float64{w0})
	for _, g := range gs {
		gt := tensor.New(tensor.Of(dt), tensor.WithShape(1))
		if dt == graph.Float32 {
			gt.Float32s()[0] = float32(g)
		} else {
			gt.Float64s()[0] = g
		}
		if err := o.Update([]*graph.Param{p}, []*tensor.Dense{gt}); err != nil {
			t.Fatal(err)
		}
		w = append(w, p.Float64s()[0])
		if dt == graph.Float32 {
			acc = append(acc, float64(o.s.f32[0][0][0]))
		} else {
			acc = append(acc, o.s.f64[0][0][0])
		}
	}
	return w, acc
}

// TestAdagradHandCalculated: steps worked by hand, with gradients chosen
// so that the accumulators are squares. With Keras's defaults (start 0.1,
// ε 1e-7, negligible here) and lr 0.35, from w = 1:
//
//	g = 0.15: a = 0.1 + 0.0225 = 0.1225 = 0.35², w = 1 − 0.35·0.15/0.35 = 0.85
//	g = 0.84: a = 0.1225 + 0.7056 = 0.8281 = 0.91², w = 0.85 − 0.35·0.84/0.91 = 0.85 − 0.323077 = 0.526923
//
// (an accumulator starting at 0 would step by 0.35 first; one that did not
// accumulate would divide by √0.8056 second). With the accumulator at 0,
// ε 0.09, lr 0.5, from w = 1, g = 0.4: a = 0.16, w = 1 − 0.5·0.4/√(0.16 + 0.09)
// = 1 − 0.2/0.5 = 0.6; ε outside the root would give 1 − 0.2/0.49 = 0.5918.
func TestAdagradHandCalculated(t *testing.T) {
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		w, acc := adagradSteps(t, Adagrad(0.35), dt, 1, 0.15, 0.84)
		for i, c := range []struct {
			name      string
			got, want float64
		}{
			{"step 1 accumulator", acc[0], 0.1225},
			{"step 1 weight", w[0], 0.85},
			{"step 2 accumulator", acc[1], 0.8281},
			{"step 2 weight", w[1], 0.85 - 0.35*0.84/0.91},
		} {
			if math.Abs(c.got-c.want) > 1e-6 {
				t.Errorf("%v defaults, lr 0.35, case %d %s: %.9g, want %.9g", dt, i, c.name, c.got, c.want)
			}
		}
		o := Adagrad(0.5)
		o.InitialAccumulatorValue, o.Epsilon = 0, 0.09
		w, acc = adagradSteps(t, o, dt, 1, 0.4)
		if math.Abs(acc[0]-0.16) > 1e-6 || math.Abs(w[0]-0.6) > 1e-6 {
			t.Errorf("%v start 0, ε 0.09, lr 0.5, g 0.4: accumulator %.9g, weight %.9g; want 0.16, 0.6", dt, acc[0], w[0])
		}
	}
	// The defaults are Keras's.
	if o := Adagrad(0.001); o.LR != 0.001 || o.InitialAccumulatorValue != 0.1 || o.Epsilon != 1e-7 || o.Name() != "Adagrad" {
		t.Errorf("Adagrad(0.001) = %+v %s, want lr 0.001, start 0.1, ε 1e-7, named Adagrad", o, o.Name())
	}
}

// TestAdagradMatchesFormula: two steps on three weights (one gradient 0)
// against Keras's rule written out element by element in float64, and the
// float32 accumulator of a weight whose gradient was 0 is float32(0.1)
// exactly, as Keras's Constant initializer makes it.
func TestAdagradMatchesFormula(t *testing.T) {
	w := []float64{0.5, -1.5, 2}
	a := []float64{0.1, 0.1, 0.1}
	var want [2][]float64
	for k, g := range [][]float64{{0.1, -0.2, 0}, {0.3, 0.05, -4}} {
		for i := range w {
			a[i] += g[i] * g[i]
			w[i] -= 0.01 * g[i] / math.Sqrt(a[i]+1e-7)
		}
		want[k] = append([]float64(nil), w...)
	}
	for _, c := range []struct {
		dt  tensor.Dtype
		tol float64
	}{{graph.Float64, 1e-14}, {graph.Float32, 2e-6}} {
		o := Adagrad(0.01)
		got := twoSteps(t, o, c.dt)
		for k := range got {
			for i := range got[k] {
				if math.Abs(got[k][i]-want[k][i]) > c.tol {
					t.Errorf("%v step %d: w[%d] = %.10g, want %.10g", c.dt, k+1, i, got[k][i], want[k][i])
				}
			}
		}
	}
	// The third weight's gradient is 0 on step 1: its accumulator is the
	// initial value until step 2.
	p, _ := graph.NewParam("w", graph.Float32, true, 2)
	o := Adagrad(0.01)
	if err := o.Update([]*graph.Param{p}, []*tensor.Dense{tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0, 0}))}); err != nil {
		t.Fatal(err)
	}
	if got := o.s.f32[0][0][1]; math.Float32bits(got) != math.Float32bits(0.1) {
		t.Errorf("float32 accumulator after a zero gradient = %.9g, want float32(0.1) = %.9g", got, float32(0.1))
	}
}

// TestAdagradSettingsAreValidated: each setting's range, with the same
// three checks as TestOptimizerSettingsAreValidated: Validate's message,
// Compile refusing, and Update refusing without touching the weights.
func TestAdagradSettingsAreValidated(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	with := func(f func(o *AdagradOptimizer)) *AdagradOptimizer { o := Adagrad(1e-3); f(o); return o }
	for _, c := range []struct {
		name string
		opt  *AdagradOptimizer
		want string // "" for valid settings
	}{
		{"defaults", Adagrad(1e-3), ""},
		{"start 0", with(func(o *AdagradOptimizer) { o.InitialAccumulatorValue = 0 }), ""},
		{"lr 0", Adagrad(0), "Adagrad: learning rate 0 must be finite and > 0"},
		{"lr NaN", Adagrad(nan), "Adagrad: learning rate NaN must be finite and > 0"},
		{"start -0.1", with(func(o *AdagradOptimizer) { o.InitialAccumulatorValue = -0.1 }), "Adagrad: initial_accumulator_value -0.1 must be finite and >= 0"},
		{"start NaN", with(func(o *AdagradOptimizer) { o.InitialAccumulatorValue = nan }), "Adagrad: initial_accumulator_value NaN must be finite and >= 0"},
		{"start +Inf", with(func(o *AdagradOptimizer) { o.InitialAccumulatorValue = inf }), "Adagrad: initial_accumulator_value +Inf must be finite and >= 0"},
		{"epsilon 0", with(func(o *AdagradOptimizer) { o.Epsilon = 0 }), "Adagrad: epsilon 0 must be finite and > 0"},
		{"epsilon -1e-7", with(func(o *AdagradOptimizer) { o.Epsilon = -1e-7 }), "Adagrad: epsilon -1e-07 must be finite and > 0"},
	} {
		err := c.opt.Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: Validate: %v, want no error", c.name, err)
			}
			continue
		}
		if err == nil || err.Error() != c.want {
			t.Errorf("%s: Validate: %v, want %q", c.name, err, c.want)
		}
		m := nn.Sequential("m", nn.Dense(2, nn.Softmax))
		if err := m.Build(3, nn.BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(m, c.opt, SparseCategoricalCrossentropy()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Compile: %v, want an error containing %q", c.name, err, c.want)
		}
		p, _ := graph.NewParam("w", graph.Float32, true, 2)
		_ = p.SetFloat64s([]float64{1, 2})
		g := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0.5, 0}))
		if err := c.opt.Update([]*graph.Param{p}, []*tensor.Dense{g}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Update: %v, want an error containing %q", c.name, err, c.want)
		}
		if w := p.Float64s(); w[0] != 1 || w[1] != 2 {
			t.Errorf("%s: Update changed the weights to %v", c.name, w)
		}
	}
}

// adagradModel is a small model of dt trained with Adagrad of settings
// other than the defaults, so that a load that fell back to them shows.
func adagradModel(t *testing.T, dt tensor.Dtype) *Trainer {
	t.Helper()
	m := nn.Sequential("ada", nn.Dense(16, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 5, DType: dt}); err != nil {
		t.Fatal(err)
	}
	o := Adagrad(0.05)
	o.InitialAccumulatorValue, o.Epsilon = 0.2, 1e-6
	tr, err := Compile(m, o, SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestAdagradCheckpointResumesBitForBit: Adagrad trained 2 epochs, saved,
// loaded and trained 2 more ends with the weights, statistics and
// accumulators of 4 uninterrupted epochs, bit for bit, in float32 and
// float64; the file names Adagrad with its three settings and one state
// tensor per param, and the loaded optimiser has the saved settings.
func TestAdagradCheckpointResumesBitForBit(t *testing.T) {
	src := blobs(90, 3)
	opts := FitOptions{Epochs: 4, BatchSize: 16, Seed: 5}
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		full := adagradModel(t, dt)
		if _, err := full.Fit(src, opts); err != nil {
			t.Fatal(err)
		}
		first := adagradModel(t, dt)
		half := opts
		half.Epochs = 2
		if _, err := first.Fit(src, half); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "ada.ckpt")
		if err := first.Save(path); err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		raw, err := first.encode()
		if err != nil {
			t.Fatal(err)
		}
		var h checkpointHeader
		hj, _ := splitCheckpoint(t, raw)
		if err := json.Unmarshal(hj, &h); err != nil {
			t.Fatal(err)
		}
		wantCfg := `{"epsilon":0.000001,"initial_accumulator_value":0.2,"learning_rate":0.05}`
		if cfg, _ := json.Marshal(h.Optimizer.Config); h.Optimizer.Name != "Adagrad" || string(cfg) != wantCfg || h.Optimizer.Slots != 1 {
			t.Errorf("%v: header optimizer %s %s slots %d, want Adagrad %s slots 1", dt, h.Optimizer.Name, cfg, h.Optimizer.Slots, wantCfg)
		}
		resumed, err := Load(path)
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		ro, ok := resumed.Optimizer.(*AdagradOptimizer)
		if !ok || ro.LR != 0.05 || ro.InitialAccumulatorValue != 0.2 || ro.Epsilon != 1e-6 {
			t.Fatalf("%v: loaded optimizer %s %v, want Adagrad lr 0.05, start 0.2, ε 1e-6", dt, resumed.Optimizer.Name(), resumed.Optimizer.(SavableOptimizer).Config())
		}
		rest := opts
		rest.InitialEpoch = resumed.Epoch()
		if _, err := resumed.Fit(src, rest); err != nil {
			t.Fatal(err)
		}
		fullParams := full.Model.Trainable()
		a := paramsAndState(fullParams, full.Optimizer)
		b := paramsAndState(resumed.Model.Trainable(), resumed.Optimizer)
		if len(a) != 2*len(fullParams) || !sameBits(a, b) {
			t.Errorf("%v: resumed weights and accumulators differ from the uninterrupted run's (%d vectors):\n%v\n%v", dt, len(a), head(a), head(b))
		}
		for i, p := range resumed.Model.Params() {
			if !sameBits([][]float64{p.Float64s()}, [][]float64{full.Model.Params()[i].Float64s()}) {
				t.Errorf("%v: param %s differs from the uninterrupted run's", dt, p.Name)
			}
		}
	}
}

// TestAdagradGuard: the step guard knows Adagrad's bounds. Ordinary
// training takes its fast path from the first step (whose bound must
// count the accumulators' start, since the guard's bound on state not
// made yet is 0); guarded steps are bit for bit plain ones; and an update
// that overflows a weight (lr 1e38, w ∓3e38) or an accumulator (g² of
// 1e40) is refused by name with everything left as it was.
func TestAdagradGuard(t *testing.T) {
	m := nn.Sequential("fast", nn.Dense(8, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, Adagrad(0.05), SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(blobs(60, 1), FitOptions{Epochs: 2, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if tr.guard.slow != 0 {
		t.Errorf("Fit with Adagrad: %d slow steps, want none", tr.guard.slow)
	}
	// The first step's bound with the accumulators at a large start: the
	// bound on them must be at least that start.
	o := Adagrad(0.01)
	o.InitialAccumulatorValue = 1e30
	if _, s, _ := o.boundAfter(true, 1, stateBounds{}, 1); s[0] < 1e30 {
		t.Errorf("bound on the accumulator after the first step from 1e30: %g", s[0])
	}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		ps, gs := guardParams(t, dt, 0.25, 0.5)
		ref, rgs := guardParams(t, dt, 0.25, 0.5)
		o, ro := Adagrad(1e-3), Adagrad(1e-3)
		var guard stepGuard
		for step := 0; step < 3; step++ {
			if bad, err := guard.update(o, ps, gs, 0.5); err != nil || bad != "" {
				t.Fatalf("%v: step %d: %q %v", dt, step, bad, err)
			}
			if err := ro.Update(ref, rgs); err != nil {
				t.Fatal(err)
			}
		}
		if a, b := paramsAndState(ps, o), paramsAndState(ref, ro); !sameBits(a, b) || guard.slow != 0 {
			t.Errorf("%v: guarded %v (%d slow steps), plain %v", dt, head(a), guard.slow, head(b))
		}
		for _, c := range []struct {
			name  string
			lr, w float64
			g     float64
		}{
			{"lr 1e38, w -3e38", 1e38, -3e38, 1},
			{"g 1e20 (g² overflows the accumulator)", 1e-3, 1, 1e20},
		} {
			name := fmt.Sprintf("%v %s", dt, c.name)
			lr, w, g := c.lr, c.w, c.g
			if dt == tensor.Float64 { // the same, 5·10^269 times further out
				if g > 1 {
					g = 1e160
				} else {
					lr, w = lr*5e269, w*5e269
				}
			}
			ps, gs := guardParams(t, dt, w, g)
			plain := Adagrad(lr)
			if err := plain.Update(ps, gs); err != nil {
				t.Fatal(err)
			}
			if finiteAll(ps, plain) {
				t.Fatalf("%s: the update without the guard stays finite; the case tests nothing", name)
			}
			ps, gs = guardParams(t, dt, w, g)
			small := make([]*tensor.Dense, len(gs))
			for i, gt := range gs {
				small[i] = gt.Clone().(*tensor.Dense)
				scaleTensor(small[i], 1e-30/g)
			}
			o := Adagrad(lr)
			var guard stepGuard
			if bad, err := guard.update(o, ps, small, 1e-30); err != nil || bad != "" {
				t.Fatalf("%s: the good step: %q %v", name, bad, err)
			}
			before := paramsAndState(ps, o)
			bad, err := guard.update(o, ps, gs, math.Abs(g))
			if err != nil || bad != "p0" {
				t.Errorf("%s: the guard named %q (%v), want p0", name, bad, err)
			}
			if after := paramsAndState(ps, o); !sameBits(before, after) {
				t.Errorf("%s: weights or state changed by a refused update:\nbefore %v\nafter  %v", name, head(before), head(after))
			}
		}
	}
}
