package nn

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// gradTol is the largest relative error accepted between gorgonia.Grad and
// central differences with h = 1e-6 in float64: truncation error is O(h²)
// ≈ 1e-12 and rounding O(ε/h) ≈ 1e-10, so 1e-6 leaves a wide margin while a
// gradient that is wrong by any factor or sign fails by orders of magnitude.
const gradTol = 1e-6

// checkLayers builds layers on a random float64 input held in a param, takes
// loss = Σ out ⊙ R for a fixed random R (so every output element carries a
// distinct weight) and checks the gradients of the loss with respect to the
// input and every trainable param.
func checkLayers(t *testing.T, name string, batch, in int, training bool, layers ...Layer) {
	t.Helper()
	checkLayersShape(t, name, batch, []int{in}, training, layers...)
}

// checkLayersShape is checkLayers for samples of shape inShape, fed flat as
// (batch, size) so that the model's reshape to the input shape is checked too.
func checkLayersShape(t *testing.T, name string, batch int, inShape []int, training bool, layers ...Layer) {
	t.Helper()
	checkLayersFusion(t, name, FusionDefault, batch, inShape, training, layers...)
}

// checkLayersFusion is checkLayersShape with the model's fused ops or twins
// chosen (BuildOptions.Fusion).
func checkLayersFusion(t *testing.T, name string, fusion Fusion, batch int, inShape []int, training bool, layers ...Layer) {
	t.Helper()
	m := Sequential(name, layers...)
	if err := m.BuildShape(inShape, BuildOptions{Seed: 3, DType: graph.Float64, Fusion: fusion}); err != nil {
		t.Fatal(err)
	}
	in := Shape(inShape).Size()
	rng := rand.New(rand.NewSource(7))
	// Give zero-initialised params (biases, beta) non-trivial values too.
	for _, p := range m.Trainable() {
		for i := 0; i < p.Size(); i++ {
			p.SetAt(i, p.At(i)+0.3*rng.NormFloat64())
		}
	}
	x, err := graph.NewParam("x", graph.Float64, true, batch, in)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < x.Size(); i++ {
		x.SetAt(i, rng.NormFloat64())
	}
	b, err := graph.NewBuilder(graph.Float64, batch, training)
	if err != nil {
		t.Fatal(err)
	}
	xn, err := b.Param(x)
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Forward(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	r := b.Input("r", out.Shape()...)
	rd := r.Tensor.Data().([]float64)
	for i := range rd {
		rd[i] = rng.NormFloat64()
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
	wrt := append([]*graph.Param{x}, m.Trainable()...)
	res, err := graph.GradCheck(b, loss, wrt, 1e-6, 11)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > gradTol || res.Checked == 0 {
		t.Errorf("%s: %v, want max rel err ≤ %g", name, res, gradTol)
	} else {
		t.Logf("%s: %v", name, res)
	}
}

func TestGradCheckLayers(t *testing.T) {
	cases := []struct {
		name     string
		training bool
		layers   func() []Layer
	}{
		{"dense linear", true, func() []Layer { return []Layer{Dense(4, Linear)} }},
		{"dense relu", true, func() []Layer { return []Layer{Dense(4, ReLU)} }},
		{"dense sigmoid", true, func() []Layer { return []Layer{Dense(4, Sigmoid)} }},
		{"dense tanh", true, func() []Layer { return []Layer{Dense(4, Tanh)} }},
		{"dense softmax", true, func() []Layer { return []Layer{Dense(4, Softmax)} }},
		{"dense log_softmax", true, func() []Layer { return []Layer{Dense(4, LogSoftmaxActivation)} }},
		{"dense elu", true, func() []Layer { return []Layer{Dense(4, ELU)} }},
		{"batchnorm training", true, func() []Layer { return []Layer{BatchNorm()} }},
		{"batchnorm inference", false, func() []Layer { return []Layer{BatchNorm()} }},
		{"dropout 0.2 fixed mask", true, func() []Layer { return []Layer{Dropout(0.2)} }},
		{"dropout 0.5 fixed mask", true, func() []Layer { return []Layer{Dropout(0.5)} }},
		{"dense relu batchnorm dropout softmax", true, func() []Layer {
			return []Layer{Dense(6, ReLU), BatchNorm(), Dropout(0.3), Dense(3, Softmax)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLayers(t, c.name, 5, 3, c.training, c.layers()...) })
	}
}

func TestLogSoftmaxGradCheck(t *testing.T) {
	b, _ := graph.NewBuilder(graph.Float64, 4, true)
	x, _ := graph.NewParam("x", graph.Float64, true, 4, 5)
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < x.Size(); i++ {
		x.SetAt(i, 3*rng.NormFloat64())
	}
	xn, _ := b.Param(x)
	lp, err := LogSoftmax(xn)
	if err != nil {
		t.Fatal(err)
	}
	r := b.Input("r", 4, 5)
	for i, d := 0, r.Tensor.Data().([]float64); i < len(d); i++ {
		d[i] = rng.NormFloat64()
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(lp, r.Node))))
	res, err := graph.GradCheck(b, loss, []*graph.Param{x}, 1e-6, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > gradTol {
		t.Errorf("log-softmax: %v", res)
	}
}

// A training run (forward and backward) must not write into the params:
// Gorgonia reuses memory in place, and a param bound to a node it treated as
// scratch would change without any optimiser step.
func TestTrainingRunLeavesParamsUnchanged(t *testing.T) {
	m := Sequential("m", Dense(8, ReLU), BatchNorm(), Dropout(0.5), Dense(3, Softmax))
	if err := m.Build(4, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	trainable := m.Trainable()
	before := graph.Snapshot(trainable)
	b, _ := graph.NewBuilder(graph.Float32, 6, true)
	x := b.Input("x", 6, 4)
	for i, d := 0, x.Float32s(); i < len(d); i++ {
		d[i] = float32(i%5) - 2
	}
	out, err := m.Forward(b, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Mean(out))
	mc, err := b.Compile(loss, trainable, out)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := mc.Run(rand.New(rand.NewSource(int64(i)))); err != nil {
			t.Fatal(err)
		}
	}
	after := graph.Snapshot(trainable)
	for i := range before {
		for j := range before[i] {
			if before[i][j] != after[i][j] {
				t.Fatalf("%s[%d] changed from %v to %v", trainable[i].Name, j, before[i][j], after[i][j])
			}
		}
	}
}
