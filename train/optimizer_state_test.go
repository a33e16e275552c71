package train

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// TestOptimizerStateFormatUnchanged: the checkpoints of FuzzLoadResealed's
// seed corpus, written by the SGD, Adam and RMSprop of before the optimiser
// registry (trained and untrained, float32 and float64, Nesterov), load
// and save again to the same bytes: the registry did not change the file
// format for them, the header's optimizer entry included.
func TestOptimizerStateFormatUnchanged(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLoadResealed")
	for _, name := range []string{
		"dense_batchnorm_dropout_adam", "float64_tanh_sgd_nesterov", "custom_layer_rmsprop",
		"activation_only_untrained", "dense_mse_untrained_adam",
	} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		var h, d string
		if _, err := fmt.Sscanf(string(b), "go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", &h, &d); err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		old := craft(1, h, []byte(d))
		tr, err := decodeTrainer(old, name)
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		again, err := tr.encode()
		if err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		if !bytes.Equal(again, old) {
			t.Errorf("seed %s (%s): saved again, %d bytes differ from the %d of the file\nold header %s\nnew header %s",
				name, tr.Optimizer.Name(), len(again), len(old), h, headerOf(t, again))
		}
	}
}

// headerOf is a sealed checkpoint's header JSON, for failure messages.
func headerOf(t *testing.T, raw []byte) string {
	t.Helper()
	h, _ := splitCheckpoint(t, raw)
	return string(h)
}

// testMomentum is a custom optimiser written as a user would write one,
// with train's exported API only: heavy-ball momentum, v = μ·v + g,
// w −= lr·v, with a step counter, so that both kinds of state a
// checkpoint carries (Slots and Iterations) are exercised.
type testMomentum struct {
	LR, Mu float64
	Steps  int
	v      Slots
}

func newTestMomentum(lr float64) *testMomentum {
	return &testMomentum{LR: lr, Mu: 0.8, v: NewSlots(1, 0)}
}

func (o *testMomentum) Name() string { return "TrainTestMomentum" }

func (o *testMomentum) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.v.Prepare(o.Name(), params, grads); err != nil {
		return err
	}
	o.Steps++
	for i, p := range params {
		if v := o.v.Float32s(i, 0); v != nil {
			w, g := p.Value.Data().([]float32), grads[i].Data().([]float32)
			for j := range w {
				v[j] = float32(float32(o.Mu)*v[j]) + g[j]
				w[j] -= float32(float32(o.LR) * v[j])
			}
			continue
		}
		v, w, g := o.v.Float64s(i, 0), p.Value.Data().([]float64), grads[i].Data().([]float64)
		for j := range w {
			v[j] = float64(o.Mu*v[j]) + g[j]
			w[j] -= float64(o.LR * v[j])
		}
	}
	return nil
}

func (o *testMomentum) Config() OptimizerConfig {
	return OptimizerConfig{Settings: map[string]float64{"learning_rate": o.LR, "mu": o.Mu}, Iterations: o.Steps}
}

func (o *testMomentum) Slots() *Slots { return &o.v }

func testMomentumFromConfig(c OptimizerConfig) (SavableOptimizer, error) {
	o := newTestMomentum(0)
	var err error
	if o.LR, err = c.Setting("learning_rate"); err != nil {
		return nil, err
	}
	if o.Mu, err = c.Setting("mu"); err != nil {
		return nil, err
	}
	o.Steps = c.Iterations
	return o, nil
}

// testPlain is an Optimizer that cannot be saved; testPlainSavable a
// savable one of a name nobody registered; testImpostor a savable one
// that reports a name registered for another type.
type testPlain struct{ sgd *SGDOptimizer }

func (o *testPlain) Name() string { return "TrainTestPlain" }
func (o *testPlain) Update(params []*graph.Param, grads []*tensor.Dense) error {
	return o.sgd.Update(params, grads)
}

type testPlainSavable struct{ *testMomentum }

func (o testPlainSavable) Name() string { return "TrainTestUnregistered" }

type testImpostor struct{ *testMomentum }

// testWide declares wideSlots state vectors per param: a file naming it
// must hold them all before the loader makes any.
type testWide struct{ *testMomentum }

const wideSlots = 1 << 16

func (o testWide) Name() string { return "TrainTestWide" }

func init() {
	for name, f := range map[string]OptimizerConstructor{
		"TrainTestMomentum": testMomentumFromConfig,
		// A constructor that makes an optimiser of another name.
		"TrainTestLiar": testMomentumFromConfig,
		"TrainTestPicky": func(OptimizerConfig) (SavableOptimizer, error) {
			return nil, errors.New("picky refuses everything")
		},
		"TrainTestWide": func(OptimizerConfig) (SavableOptimizer, error) {
			o := newTestMomentum(0.01)
			o.v = NewSlots(wideSlots, 0)
			return testWide{o}, nil
		},
	} {
		if err := RegisterOptimizer(name, f); err != nil {
			panic(err)
		}
	}
}

func TestRegisterOptimizer(t *testing.T) {
	f := OptimizerConstructor(testMomentumFromConfig)
	for _, c := range []struct {
		name string
		f    OptimizerConstructor
		want string
	}{
		{"", f, "empty name"},
		{"TrainTestNil", nil, `RegisterOptimizer("TrainTestNil"): nil constructor`},
		{"Adam", f, `RegisterOptimizer("Adam"): name already registered`},
		{"TrainTestMomentum", f, `RegisterOptimizer("TrainTestMomentum"): name already registered`},
	} {
		if err := RegisterOptimizer(c.name, c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RegisterOptimizer(%q): %v, want an error containing %q", c.name, err, c.want)
		}
	}
	got := RegisteredOptimizers()
	if !slices.IsSorted(got) {
		t.Errorf("RegisteredOptimizers() = %v, not sorted", got)
	}
	for _, n := range []string{"Adagrad", "Adam", "RMSprop", "SGD", "TrainTestMomentum"} {
		if !slices.Contains(got, n) {
			t.Errorf("RegisteredOptimizers() = %v, without %s", got, n)
		}
	}
	if slices.Contains(got, "TrainTestNil") || slices.Contains(got, "") {
		t.Errorf("RegisteredOptimizers() = %v holds a refused registration", got)
	}
}

// TestBuiltinOptimizersRebuildFromConfig: each built-in, with settings
// other than its defaults, comes back from its registered constructor
// with the same type, Config and state layout.
func TestBuiltinOptimizersRebuildFromConfig(t *testing.T) {
	sgd := SGD(0.2)
	sgd.Momentum, sgd.Nesterov = 0.5, true
	adam := Adam(0.02)
	adam.Beta1, adam.Beta2, adam.Epsilon, adam.Iterations = 0.8, 0.99, 1e-5, 7
	rms := RMSprop(0.03)
	rms.Rho, rms.Epsilon = 0.7, 1e-6
	ada := Adagrad(0.04)
	ada.InitialAccumulatorValue, ada.Epsilon = 0.3, 1e-5
	for _, o := range []SavableOptimizer{sgd, adam, rms, ada} {
		back, err := newOptimizer(o.Name(), o.Config())
		if err != nil {
			t.Errorf("%s: %v", o.Name(), err)
			continue
		}
		if reflect.TypeOf(back) != reflect.TypeOf(o) || !reflect.DeepEqual(back.Config(), o.Config()) || back.Slots().PerParam() != o.Slots().PerParam() {
			t.Errorf("%s: rebuilt as %T %+v (%d slots), want %T %+v (%d slots)", o.Name(), back, back.Config(), back.Slots().PerParam(), o, o.Config(), o.Slots().PerParam())
		}
	}
}

// smallTrainer is a small model of dt compiled with opt.
func smallTrainer(t *testing.T, dt tensor.Dtype, opt Optimizer) *Trainer {
	t.Helper()
	m := nn.Sequential("small", nn.Dense(4, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 3, DType: dt}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, opt, SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// customState is a testMomentum's velocities, as float64s, and its step count.
func customState(o *testMomentum, n int) [][]float64 {
	var out [][]float64
	for i := 0; i < n; i++ {
		if v := o.v.Float32s(i, 0); v != nil {
			x := make([]float64, len(v))
			for j, e := range v {
				x[j] = float64(e)
			}
			out = append(out, x)
		} else {
			out = append(out, append([]float64(nil), o.v.Float64s(i, 0)...))
		}
	}
	return append(out, []float64{float64(o.Steps)})
}

// TestSaveLoadCustomOptimizer: a registered custom optimiser trained 2
// epochs, saved, loaded and trained 2 more ends with the weights,
// velocities and step count of 4 uninterrupted epochs, bit for bit, in
// float32 and float64, and loads with its saved settings.
func TestSaveLoadCustomOptimizer(t *testing.T) {
	src := blobs(60, 2)
	opts := FitOptions{Epochs: 4, BatchSize: 16, Seed: 3}
	mk := func() *testMomentum { o := newTestMomentum(0.01); o.Mu = 0.7; return o }
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		full := smallTrainer(t, dt, mk())
		if _, err := full.Fit(src, opts); err != nil {
			t.Fatal(err)
		}
		first := smallTrainer(t, dt, mk())
		half := opts
		half.Epochs = 2
		if _, err := first.Fit(src, half); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "custom.ckpt")
		if err := first.Save(path); err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		bo, ok := back.Optimizer.(*testMomentum)
		if !ok || bo.LR != 0.01 || bo.Mu != 0.7 || bo.Steps != first.Optimizer.(*testMomentum).Steps || bo.Steps == 0 {
			t.Fatalf("%v: loaded optimizer %T %v, want TrainTestMomentum lr 0.01 mu 0.7 after %d steps", dt, back.Optimizer, back.Optimizer.(SavableOptimizer).Config(), first.Optimizer.(*testMomentum).Steps)
		}
		n := len(first.Model.Trainable())
		if !sameBits(customState(bo, n), customState(first.Optimizer.(*testMomentum), n)) {
			t.Errorf("%v: loaded velocities differ from the saved", dt)
		}
		rest := opts
		rest.InitialEpoch = back.Epoch()
		if _, err := back.Fit(src, rest); err != nil {
			t.Fatal(err)
		}
		if a, b := graph.Snapshot(full.Model.Params()), graph.Snapshot(back.Model.Params()); !sameBits(a, b) {
			t.Errorf("%v: resumed weights differ from the uninterrupted run's", dt)
		}
		if a, b := customState(full.Optimizer.(*testMomentum), n), customState(bo, n); !sameBits(a, b) {
			t.Errorf("%v: resumed velocities or steps differ from the uninterrupted run's: %v, %v", dt, head(a), head(b))
		}
	}
}

// resealed is raw, a sealed checkpoint, with its header JSON edited by
// edit and sealed again.
func resealed(t *testing.T, raw []byte, edit func(h map[string]any)) []byte {
	t.Helper()
	head, data := splitCheckpoint(t, raw)
	var h map[string]any
	if err := json.Unmarshal(head, &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	head, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return craft(1, string(head), data)
}

// optimizerOf is the header's optimizer object.
func optimizerOf(h map[string]any) map[string]any { return h["optimizer"].(map[string]any) }

// tensorEntryOf is the header's entry for tensor name.
func tensorEntryOf(t *testing.T, h map[string]any, name string) map[string]any {
	for _, e := range h["tensors"].([]any) {
		if e := e.(map[string]any); e["name"] == name {
			return e
		}
	}
	t.Fatalf("no tensor %q in the header", name)
	return nil
}

// TestLoadUnregisteredOptimizer: a checkpoint whose optimiser this program
// did not register is refused with an UnknownOptimizerError naming it and
// the registered optimisers, and naming the file; the file may be sound,
// so it is not ErrCorrupt.
func TestLoadUnregisteredOptimizer(t *testing.T) {
	tr := smallTrainer(t, graph.Float32, newTestMomentum(0.01))
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "nobody.ckpt")
	if err := os.WriteFile(path, resealed(t, raw, func(h map[string]any) { optimizerOf(h)["name"] = "Nobody\x1b" }), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	want := `unknown optimizer "Nobody\x1b" (registered: Adagrad, Adam, RMSprop, SGD, `
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "nobody.ckpt") || !strings.Contains(err.Error(), "train.RegisterOptimizer") {
		t.Fatalf("Load: %v, want an error naming nobody.ckpt and containing %q", err, want)
	}
	var ue *UnknownOptimizerError
	if !errors.Is(err, ErrUnknownOptimizer) || errors.Is(err, ErrCorrupt) || !errors.As(err, &ue) || ue.Name != "Nobody\x1b" || !slices.Equal(ue.Known, RegisteredOptimizers()) {
		t.Errorf("Load: %v: want ErrUnknownOptimizer (not ErrCorrupt) for Nobody with the registered names, got %#v", err, ue)
	}
}

// TestLoadRejectsBadOptimizerEntries: a checkpoint whose optimizer entry
// or state tensors do not fit the optimiser (edited and resealed, so that
// the checksum passes) is ErrCorrupt with the reason, naming the file;
// every state tensor is checked before any state is allocated.
func TestLoadRejectsBadOptimizerEntries(t *testing.T) {
	tr := smallTrainer(t, graph.Float32, Adam(0.01))
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	ps := tr.Model.Trainable()
	kernel0, bias1 := ps[0].Name, ps[len(ps)-1].Name
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		edit func(h map[string]any)
		want string
	}{
		{"one slot too many", func(h map[string]any) { optimizerOf(h)["slots"] = 3 }, "optimizer Adam: 3 state tensors per param, want 2"},
		{"a huge slot count", func(h map[string]any) { optimizerOf(h)["slots"] = 1 << 40 }, "optimizer Adam: 1099511627776 state tensors per param, want 2"},
		{"a setting missing", func(h map[string]any) { delete(optimizerOf(h)["config"].(map[string]any), "beta_2") }, `optimizer Adam: no "beta_2" in the checkpoint`},
		{"no settings", func(h map[string]any) { optimizerOf(h)["config"] = nil }, `optimizer Adam: no "learning_rate" in the checkpoint`},
		{"a setting out of range", func(h map[string]any) { optimizerOf(h)["config"].(map[string]any)["beta_1"] = 1 }, "Adam: beta_1 1 must be in [0, 1)"},
		{"negative iterations", func(h map[string]any) { optimizerOf(h)["iterations"] = -1 }, "optimizer Adam: iterations -1 < 0"},
		{"a state tensor of another shape", func(h map[string]any) {
			e := tensorEntryOf(t, h, slotName(ps[0], 1))
			e["shape"] = []int{4, 2}
		}, `optimizer Adam: tensor "` + "optimizer/" + kernel0 + `/1" has shape [4 2], want [2 4]`},
		{"a state tensor missing", func(h map[string]any) {
			tensorEntryOf(t, h, slotName(ps[len(ps)-1], 1))["name"] = "optimizer/" + bias1 + "/7"
		}, `optimizer Adam: no tensor "optimizer/` + bias1 + `/1"`},
		{"a constructor that names its optimiser otherwise", func(h map[string]any) {
			optimizerOf(h)["name"], optimizerOf(h)["config"], optimizerOf(h)["slots"] = "TrainTestLiar", map[string]any{"learning_rate": 0.1, "mu": 0.5}, 1
		},
			`optimizer TrainTestLiar: the registered constructor made an optimizer named "TrainTestMomentum"`},
		{"a constructor that refuses", func(h map[string]any) { optimizerOf(h)["name"] = "TrainTestPicky" }, "optimizer TrainTestPicky: picky refuses everything"},
	} {
		path := filepath.Join(dir, "bad.ckpt")
		if err := os.WriteFile(path, resealed(t, raw, c.edit), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.ckpt") {
			t.Errorf("%s: %v, want an error naming bad.ckpt and containing %q", c.name, err, c.want)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v is not ErrCorrupt", c.name, err)
		}
	}
	// The unedited file loads, so each case fails for its own reason.
	path := filepath.Join(dir, "ok.ckpt")
	if err := os.WriteFile(path, resealed(t, raw, func(map[string]any) {}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("the resealed unedited checkpoint: %v", err)
	}
}

// TestLoadChecksStateBeforeAllocating: a file naming an optimiser of
// 65,536 state vectors per param, and holding two, is refused for the
// third missing before the state is made: with the state made first, the
// loader would allocate 65,536 vectors for each of the 4 params.
func TestLoadChecksStateBeforeAllocating(t *testing.T) {
	tr := smallTrainer(t, graph.Float32, Adam(0.01))
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	raw = resealed(t, raw, func(h map[string]any) {
		optimizerOf(h)["name"], optimizerOf(h)["slots"] = "TrainTestWide", wideSlots
	})
	var lerr error
	allocs := testing.AllocsPerRun(1, func() { _, lerr = decodeTrainer(raw, "wide.ckpt") })
	want := `optimizer TrainTestWide: no tensor "optimizer/` + tr.Model.Trainable()[0].Name + `/2"`
	if lerr == nil || !strings.Contains(lerr.Error(), want) || !errors.Is(lerr, ErrCorrupt) {
		t.Errorf("Load: %v, want ErrCorrupt containing %q", lerr, want)
	}
	if allocs > wideSlots/4 {
		t.Errorf("Load made %v allocations before refusing the file; the state was made before it was checked", allocs)
	}
}

// TestSaveRefusesOptimizersLoadCouldNotRead: Save refuses, writing no
// file, an optimiser a checkpoint cannot hold or Load could not make
// again; each case names the optimiser and the reason.
func TestSaveRefusesOptimizersLoadCouldNotRead(t *testing.T) {
	other := smallTrainer(t, graph.Float32, SGD(0.1))
	stepped := newTestMomentum(0.01)
	// State made for the first param of another model alone.
	p := other.Model.Trainable()[0]
	g := tensor.New(tensor.Of(graph.Float32), tensor.WithShape(p.Shape()...))
	if err := stepped.Update([]*graph.Param{p}, []*tensor.Dense{g}); err != nil {
		t.Fatal(err)
	}
	nan := newTestMomentum(0.01)
	nan.Mu = math.NaN()
	twoSlots := newTestMomentum(0.01)
	twoSlots.v = NewSlots(2, 0)
	otherSGD := SGD(0.1)
	otherSGD.Momentum = 0.9
	if err := otherSGD.Update(other.Model.Trainable(), zeroGrads(other.Model.Trainable())); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		opt  Optimizer
		want string
	}{
		{"not savable", &testPlain{SGD(0.1)}, "optimizer TrainTestPlain cannot be saved: it does not implement train.SavableOptimizer"},
		{"not registered", testPlainSavable{newTestMomentum(0.01)}, `optimizer "TrainTestUnregistered" is not registered (train.RegisterOptimizer)`},
		{"registered for another type", testImpostor{newTestMomentum(0.01)}, "optimizer TrainTestMomentum is a train.testImpostor, but the name is registered for *train.testMomentum"},
		{"a NaN setting", nan, `optimizer TrainTestMomentum cannot be saved: setting "mu" is NaN`},
		{"another state layout than its constructor's", twoSlots, "optimizer TrainTestMomentum has 2 state vectors per param, but its registered constructor makes 1"},
		{"state for fewer params", stepped, "optimizer TrainTestMomentum: its state is for 1 params, the model has 4 trainable"},
		{"state for another model's params", otherSGD, "optimizer state is for"},
	} {
		tr := smallTrainer(t, graph.Float32, SGD(0.1))
		tr.Optimizer = c.opt
		path := filepath.Join(t.TempDir(), "m.ckpt")
		err := tr.Save(path)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Save: %v, want an error containing %q", c.name, err, c.want)
		}
		if _, serr := os.Stat(path); serr == nil {
			t.Errorf("%s: a file was written", c.name)
		}
	}
}

// zeroGrads is a zero gradient for each of params.
func zeroGrads(params []*graph.Param) []*tensor.Dense {
	gs := make([]*tensor.Dense, len(params))
	for i, p := range params {
		gs[i] = tensor.New(tensor.Of(p.DType()), tensor.WithShape(p.Shape()...))
	}
	return gs
}

// TestOptimizerStructLiterals: an optimiser written as a struct literal,
// without its constructor's state layout, steps (SGD with momentum used
// to index state it did not have) and saves like the constructor's: the
// same weights, state and file.
func TestOptimizerStructLiterals(t *testing.T) {
	for _, c := range []struct {
		name     string
		lit, ctr func() Optimizer
	}{
		{"SGD momentum", func() Optimizer { return &SGDOptimizer{LR: 0.1, Momentum: 0.9} },
			func() Optimizer { o := SGD(0.1); o.Momentum = 0.9; return o }},
		{"Adam", func() Optimizer { return &AdamOptimizer{LR: 0.01, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7} },
			func() Optimizer { return Adam(0.01) }},
		{"RMSprop", func() Optimizer { return &RMSpropOptimizer{LR: 0.01, Rho: 0.9, Epsilon: 1e-7} },
			func() Optimizer { return RMSprop(0.01) }},
		{"Adagrad", func() Optimizer { return &AdagradOptimizer{LR: 0.1, InitialAccumulatorValue: 0.1, Epsilon: 1e-7} },
			func() Optimizer { return Adagrad(0.1) }},
	} {
		var raws [2][]byte
		for k, mk := range []func() Optimizer{c.lit, c.ctr} {
			tr := smallTrainer(t, graph.Float32, mk())
			if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			raw, err := tr.encode()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			raws[k] = raw
		}
		if !bytes.Equal(raws[0], raws[1]) {
			t.Errorf("%s: the struct literal's checkpoint differs from the constructor's", c.name)
		}
	}
}

// TestSlotTensorOf: the names slotName writes for params and k < n, and
// no other.
func TestSlotTensorOf(t *testing.T) {
	a, _ := graph.NewParam("d/kernel", graph.Float32, true, 2)
	b, _ := graph.NewParam("b", graph.Float32, true, 2)
	is := slotTensorOf([]*graph.Param{a, b}, 2)
	for _, c := range []struct {
		name string
		want bool
	}{
		{"optimizer/d/kernel/0", true},
		{"optimizer/d/kernel/1", true},
		{"optimizer/b/1", true},
		{"optimizer/d/kernel/2", false}, // k ≥ n
		{"optimizer/d/kernel/-1", false},
		{"optimizer/d/kernel/01", false}, // not slotName's form
		{"optimizer/d/kernel/+1", false},
		{"optimizer/d/kernel/", false},
		{"optimizer/d/0", false}, // no param d
		{"optimizer/c/0", false},
		{"optimizer/b", false},
		{"d/kernel", false},
		{"optimiser/b/0", false},
	} {
		if got := is(c.name); got != c.want {
			t.Errorf("%q: %v, want %v", c.name, got, c.want)
		}
	}
	if !is(slotName(a, 1)) || !is(slotName(b, 0)) {
		t.Error("slotTensorOf refuses what slotName writes")
	}
}

// TestLoadWeightsWithAHugeSlotCount: LoadWeights, which leaves the
// optimiser alone, accepts the file's state tensors whatever slot count
// its header declares, in time: it once made every name the count
// allowed (82 s for 2²², forever for 2⁴⁰). A state tensor the count does
// not allow is still refused.
func TestLoadWeightsWithAHugeSlotCount(t *testing.T) {
	tr := smallTrainer(t, graph.Float32, Adam(0.01))
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		slots int
		want  string // "" for no error
	}{
		{1 << 40, ""},
		{2, ""},
		{1, `tensor "optimizer/` + tr.Model.Trainable()[0].Name + `/1" belongs to no param`},
	} {
		path := filepath.Join(dir, "m.ckpt")
		if err := os.WriteFile(path, resealed(t, raw, func(h map[string]any) { optimizerOf(h)["slots"] = c.slots }), 0o644); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- smallTrainer(t, graph.Float32, Adam(0.01)).LoadWeights(path) }()
		select {
		case err := <-done:
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("slots %d: LoadWeights: %v, want %q", c.slots, err, c.want)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("slots %d: LoadWeights still running after 20 s", c.slots)
		}
	}
}

// TestSaveRefusesNonFiniteCustomState: a custom optimiser's state is
// checked as the built-ins' is: an infinite velocity is ErrNonFinite
// naming its param, and the good checkpoint stays.
func TestSaveRefusesNonFiniteCustomState(t *testing.T) {
	o := newTestMomentum(0.01)
	tr := smallTrainer(t, graph.Float32, o)
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	o.v.Float32s(2, 0)[1] = float32(math.Inf(-1))
	name := tr.Model.Trainable()[2].Name
	if err := tr.Save(path); !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), name) {
		t.Errorf("Save with an infinite velocity: %v, want ErrNonFinite naming %q", err, name)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the good checkpoint was overwritten")
	}
}
