package train

import (
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// lossGraph builds loss(act(x), y) on a float64 param x of shape (3, 4) with
// targets y, and returns the builder, the loss node and x.
func lossGraph(t *testing.T, l Loss, act nn.Activation, y []float32) (*graph.Builder, *G.Node, *graph.Param) {
	t.Helper()
	b, _ := graph.NewBuilder(graph.Float64, 3, true)
	x, _ := graph.NewParam("x", graph.Float64, true, 3, 4)
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < x.Size(); i++ {
		x.SetAt(i, 2*rng.NormFloat64())
	}
	xn, _ := b.Param(x)
	out, err := act.Apply(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	target := b.Input("y", 3, 4)
	enc := make([]float32, 12)
	if err := l.Encode(y, 3, 4, enc); err != nil {
		t.Fatal(err)
	}
	_ = target.Set(enc)
	loss, err := l.Build(b, out, target.Node)
	if err != nil {
		t.Fatal(err)
	}
	return b, loss, x
}

func TestLossGradCheck(t *testing.T) {
	sparse := []float32{2, 0, 3}
	onehot := []float32{0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1}
	reg := []float32{0.5, -1, 2, 0, 1, 1, 1, 1, -3, 0.2, 0, 0.7}
	cases := []struct {
		name string
		loss Loss
		act  nn.Activation
		y    []float32
	}{
		{"sparse CE on softmax", SparseCategoricalCrossentropy(), nn.Softmax, sparse},
		{"sparse CE from logits", &CrossEntropy{Sparse: true, FromLogits: true}, nn.Linear, sparse},
		{"sparse CE on sigmoid probabilities", SparseCategoricalCrossentropy(), nn.Sigmoid, sparse},
		{"categorical CE on softmax", CategoricalCrossentropy(), nn.Softmax, onehot},
		{"MSE", MeanSquaredError(), nn.Linear, reg},
	}
	for _, c := range cases {
		b, loss, x := lossGraph(t, c.loss, c.act, c.y)
		res, err := graph.GradCheck(b, loss, []*graph.Param{x}, 1e-6, 1)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.MaxRelErr > 1e-6 {
			t.Errorf("%s: %v", c.name, res)
		}
	}
}

// The gradient of mean cross-entropy over softmax with respect to the logits
// is (p − y)/N, the result backpropagation tutorials derive by hand.
func TestSoftmaxCrossEntropyGradientIsPMinusYOverN(t *testing.T) {
	y := []float32{2, 0, 3}
	b, loss, x := lossGraph(t, SparseCategoricalCrossentropy(), nn.Softmax, y)
	m, err := b.Compile(loss, []*graph.Param{x}, b.Probs)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	p := m.Output(0).Data().([]float64)
	g := m.Grad(0).Data().([]float64)
	wantLoss := 0.0
	for i := 0; i < 3; i++ {
		wantLoss -= math.Log(p[i*4+int(y[i])]) / 3
		for j := 0; j < 4; j++ {
			want := p[i*4+j] / 3
			if j == int(y[i]) {
				want -= 1.0 / 3
			}
			if math.Abs(g[i*4+j]-want) > 1e-12 {
				t.Errorf("grad[%d][%d] = %v, want (p−y)/N = %v", i, j, g[i*4+j], want)
			}
		}
	}
	if math.Abs(m.Loss()-wantLoss) > 1e-12 {
		t.Errorf("loss = %v, want −Σ log p[y]/N = %v", m.Loss(), wantLoss)
	}
}

func TestCrossEntropyHandValues(t *testing.T) {
	// Probabilities given directly (no softmax), rows that sum to 1 (the
	// float32 values 0.7 and 0.3 sum to exactly 1): −(ln 0.7 + ln 0.5)/2.
	b, _ := graph.NewBuilder(graph.Float64, 2, false)
	out := b.Input("p", 2, 2)
	_ = out.Set([]float32{0.7, 0.3, 0.5, 0.5})
	tg := b.Input("y", 2, 2)
	_ = tg.Set([]float32{1, 0, 0, 1})
	loss, err := CategoricalCrossentropy().Build(b, out.Node, tg.Node)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := b.Compile(loss, nil)
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	want := -(math.Log(float64(float32(0.7))) + math.Log(0.5)) / 2
	if math.Abs(m.Loss()-want) > 1e-15 {
		t.Errorf("loss = %v, want %v", m.Loss(), want)
	}
}

func TestSparseEncodeRejectsBadLabels(t *testing.T) {
	l := SparseCategoricalCrossentropy()
	dst := make([]float32, 6)
	for _, y := range [][]float32{{0, 3}, {-1, 0}, {0.5, 1}} {
		if err := l.Encode(y, 2, 3, dst); err == nil {
			t.Errorf("Encode(%v) with 3 classes gave no error", y)
		}
	}
}
