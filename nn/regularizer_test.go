package nn_test

import (
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// regModel is Dense(5, tanh) with l1·Σ|w| + l2·Σw², an unregularised
// Dense(4), and Dense(3, softmax) with L2(0.03), built in float64 on 6
// inputs.
func regModel(t *testing.T, l1, l2 float64) *nn.Model {
	t.Helper()
	m := nn.Sequential("reg",
		nn.Dense(5, nn.Tanh).WithRegularizer(nn.L1L2(l1, l2)),
		nn.Dense(4, nn.ReLU),
		nn.Dense(3, nn.Softmax).WithRegularizer(nn.L2(0.03)))
	if err := m.Build(6, nn.BuildOptions{Seed: 5, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	return m
}

// handPenalty is Σ over the regularised kernels written out element by
// element: l1·|w| + l2·w² for the first layer, 0.03·w² for the last.
func handPenalty(m *nn.Model, l1, l2 float64) float64 {
	var sum float64
	for _, w := range m.Layers[0].(*nn.DenseLayer).Kernel.Float64s() {
		sum += l1 * math.Abs(w)
		sum += l2 * w * w
	}
	for _, w := range m.Layers[2].(*nn.DenseLayer).Kernel.Float64s() {
		sum += 0.03 * w * w
	}
	return sum
}

// runPenalty builds the model's penalty alone in a fresh float64 graph and
// returns its value and the gradient of every trainable param.
func runPenalty(t *testing.T, m *nn.Model) (float64, map[*graph.Param][]float64) {
	t.Helper()
	b, err := graph.NewBuilder(graph.Float64, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	pen, err := m.Penalty(b)
	if err != nil {
		t.Fatal(err)
	}
	if pen == nil {
		t.Fatal("no penalty node for a regularised model")
	}
	wrt := b.Params()
	mc, err := b.Compile(pen, wrt)
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.Run(nil); err != nil {
		t.Fatal(err)
	}
	grads := map[*graph.Param][]float64{}
	for i, p := range wrt {
		grads[p] = append([]float64(nil), mc.Grad(i).Data().([]float64)...)
	}
	return mc.Loss(), grads
}

func TestPenaltyValueByHand(t *testing.T) {
	for _, rates := range [][2]float64{{0.01, 0}, {0, 0.02}, {0.01, 0.02}} {
		m := regModel(t, rates[0], rates[1])
		got, grads := runPenalty(t, m)
		want := handPenalty(m, rates[0], rates[1])
		if math.Abs(got-want) > 1e-12*want {
			t.Errorf("l1 %g l2 %g: penalty %.17g, by hand %.17g", rates[0], rates[1], got, want)
		}
		// d/dw (l1·|w| + l2·w²) = l1·sign(w) + 2·l2·w, written out.
		k := m.Layers[0].(*nn.DenseLayer).Kernel
		g := grads[k]
		for i, w := range k.Float64s() {
			d := 2 * rates[1] * w
			if w > 0 {
				d += rates[0]
			} else if w < 0 {
				d -= rates[0]
			}
			if math.Abs(g[i]-d) > 1e-12 {
				t.Fatalf("l1 %g l2 %g: gradient of w[%d] = %g is %.17g, want %.17g", rates[0], rates[1], i, w, g[i], d)
			}
		}
		// The unregularised layer's kernel and the biases are not in the
		// penalty's graph at all.
		if _, ok := grads[m.Layers[1].(*nn.DenseLayer).Kernel]; ok {
			t.Error("the unregularised kernel takes part in the penalty")
		}
		if _, ok := grads[m.Layers[0].(*nn.DenseLayer).Bias]; ok {
			t.Error("a bias takes part in the penalty")
		}
	}
}

// TestPenaltyGradCheck checks the gradient of a data loss plus the
// penalty against central differences in float64.
func TestPenaltyGradCheck(t *testing.T) {
	m := regModel(t, 0.05, 0.1)
	const batch = 4
	b, err := graph.NewBuilder(graph.Float64, batch, true)
	if err != nil {
		t.Fatal(err)
	}
	x := b.Input("x", batch, 6)
	rng := rand.New(rand.NewSource(2))
	for i, xd := 0, x.Tensor.Data().([]float64); i < len(xd); i++ {
		xd[i] = rng.NormFloat64()
	}
	out, err := m.Forward(b, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	r := b.Input("r", out.Shape()...)
	for i, rd := 0, r.Tensor.Data().([]float64); i < len(rd); i++ {
		rd[i] = rng.NormFloat64()
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
	pen, err := m.Penalty(b)
	if err != nil {
		t.Fatal(err)
	}
	loss = G.Must(G.Add(loss, pen))
	res, err := graph.GradCheck(b, loss, m.Trainable(), 1e-6, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > 1e-6 || res.Checked == 0 {
		t.Errorf("%v, want max rel err ≤ 1e-6", res)
	}
}

func TestPenaltyNoneAndFrozen(t *testing.T) {
	plain := nn.Sequential("plain", nn.Dense(4, nn.ReLU), nn.Dense(2, nn.Softmax))
	if err := plain.Build(3, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := graph.NewBuilder(graph.Float32, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	if pen, err := plain.Penalty(b); pen != nil || err != nil {
		t.Errorf("model without regularizers: penalty %v, %v; want nil, nil", pen, err)
	}
	m := regModel(t, 0.01, 0.02)
	m.Layers[0].(*nn.DenseLayer).Kernel.Trainable = false
	got, _ := runPenalty(t, m)
	want := handPenalty(m, 0, 0) // the last layer's 0.03·Σw² alone
	if math.Abs(got-want) > 1e-12*want {
		t.Errorf("with the first kernel frozen: penalty %.17g, want the last layer's %.17g", got, want)
	}
}

// TestPenaltyNested counts a model called as a layer once per layer.
func TestPenaltyNested(t *testing.T) {
	inner := regModel(t, 0.01, 0.02)
	in := nn.Input("in", 6)
	a := nn.Call(inner.AsLayer(), in)
	out := nn.Call(nn.Dense(2, nn.Linear).WithRegularizer(nn.L1(0.5)), a)
	outer, err := nn.NewModel("outer", []*nn.Tensor{in}, []*nn.Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := outer.Init(nn.BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	got, _ := runPenalty(t, outer)
	want := handPenalty(inner, 0.01, 0.02)
	for _, w := range outer.Layers[1].(*nn.DenseLayer).Kernel.Float64s() {
		want += 0.5 * math.Abs(w)
	}
	if math.Abs(got-want) > 1e-12*want {
		t.Errorf("nested: penalty %.17g, want %.17g", got, want)
	}
}

func TestRegularizerConfig(t *testing.T) {
	m := nn.Sequential("cfg",
		nn.Conv2D(2, 3, nn.ReLU).WithRegularizer(nn.L1(0.001)),
		nn.Flatten(),
		nn.Dense(8, nn.Tanh).WithRegularizer(nn.L2(0.01)),
		nn.Dense(3, nn.Softmax).WithRegularizer(nn.L1L2(0.25, 0.5)),
		nn.Dense(2, nn.Softmax))
	if err := m.BuildShape([]int{5, 5, 1}, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"kernel_regularizer":{"l1":0.001}`, `"kernel_regularizer":{"l2":0.01}`, `"kernel_regularizer":{"l1":0.25,"l2":0.5}`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("config lacks %s:\n%s", want, raw)
		}
	}
	if n := strings.Count(string(raw), "kernel_regularizer"); n != 3 {
		t.Errorf("%d kernel_regularizer keys, want 3 (none for the plain Dense):\n%s", n, raw)
	}
	var back nn.ModelConfig
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	m2, err := nn.FromConfig(back)
	if err != nil {
		t.Fatal(err)
	}
	if r := m2.Layers[3].(*nn.DenseLayer).KernelRegularizer; r == nil || *r != (nn.Regularizer{L1: 0.25, L2: 0.5}) {
		t.Errorf("L1L2 read back as %+v", r)
	}
	if r := m2.Layers[0].(*nn.Conv2DLayer).KernelRegularizer; r == nil || *r != (nn.Regularizer{L1: 0.001}) {
		t.Errorf("Conv2D's L1 read back as %+v", r)
	}
	if r := m2.Layers[4].(*nn.DenseLayer).KernelRegularizer; r != nil {
		t.Errorf("a Dense without regularizer read back with %+v", r)
	}
	c2, err := m2.Config()
	if err != nil {
		t.Fatal(err)
	}
	raw2, _ := json.Marshal(c2)
	if string(raw) != string(raw2) {
		t.Errorf("config changed in the round trip:\n%s\n%s", raw, raw2)
	}
}

func TestRegularizerErrors(t *testing.T) {
	for _, settings := range []string{
		`{"units":2,"kernel_regularizer":{"l2":-0.1}}`,
		`{"units":2,"kernel_regularizer":{"l3":0.1}}`,
		`{"units":2,"kernel_regularizer":{"l1":"x"}}`,
	} {
		raw := `{"name":"m","layers":[{"type":"Dense","name":"d",` + settings[1:] + `],"input_shape":[2]}`
		var c nn.ModelConfig
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			continue // refused while decoding: fine
		}
		if _, err := nn.FromConfig(c); err == nil {
			t.Errorf("%s: accepted", settings)
		}
	}
	for _, r := range []*nn.Regularizer{nn.L2(-1), nn.L1(math.NaN()), nn.L1L2(0, math.Inf(1))} {
		m := nn.Sequential("bad", nn.Dense(2, nn.Linear).WithRegularizer(r))
		if err := m.Build(2, nn.BuildOptions{Seed: 1}); err == nil || !strings.Contains(err.Error(), "rate") {
			t.Errorf("%+v: Build gave %v, want an error naming the rate", *r, err)
		}
	}
}

// TestPenaltyInTrainer checks that the trainer adds the penalty to the
// loss that Evaluate reports (as Keras 3 does) and to the gradient of a
// training step: one full-batch SGD step moves a regularised kernel by
// −lr·(data gradient + 2·l2·w).
func TestPenaltyInTrainer(t *testing.T) {
	ds, err := data.Synthetic("blobs", 30, 3, 0.3, 1)
	if err != nil {
		t.Fatal(err)
	}
	const l2, lr = 0.05, 0.1
	mk := func(r *nn.Regularizer) *train.Trainer {
		m := nn.Sequential("t", nn.Dense(4, nn.Tanh).WithRegularizer(r), nn.Dense(3, nn.Softmax))
		if err := m.Build(2, nn.BuildOptions{Seed: 3, DType: graph.Float64}); err != nil {
			t.Fatal(err)
		}
		tr, err := train.Compile(m, train.SGD(lr), train.SparseCategoricalCrossentropy())
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	plain, reg := mk(nil), mk(nn.L2(l2))
	w0 := reg.NN().Layers[0].(*nn.DenseLayer).Kernel.Float64s()
	var pen float64
	for _, w := range w0 {
		pen += l2 * w * w
	}
	ep, err := plain.Evaluate(ds, 30)
	if err != nil {
		t.Fatal(err)
	}
	er, err := reg.Evaluate(ds, 30)
	if err != nil {
		t.Fatal(err)
	}
	if d := er["loss"] - ep["loss"]; math.Abs(d-pen) > 1e-9 {
		t.Errorf("Evaluate: regularised loss − plain loss = %.12g, want the penalty %.12g", d, pen)
	}
	for _, tr := range []*train.Trainer{plain, reg} {
		if _, err := tr.Fit(ds, train.FitOptions{Epochs: 1, BatchSize: 30, Seed: 1}); err != nil {
			t.Fatal(err)
		}
	}
	wp := plain.NN().Layers[0].(*nn.DenseLayer).Kernel.Float64s()
	wr := reg.NN().Layers[0].(*nn.DenseLayer).Kernel.Float64s()
	for i := range w0 {
		want := -lr * 2 * l2 * w0[i]
		if got := wr[i] - wp[i]; math.Abs(got-want) > 1e-9 {
			t.Fatalf("kernel[%d] after one step: regularised − plain = %.12g, want −lr·2·l2·w = %.12g", i, got, want)
		}
	}
}
