package train

import (
	"math"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// probsLoss builds the cross-entropy of probabilities held in a param of
// shape (len(p)/3, 3) (no Softmax layer: the loss takes them as they are)
// against sparse labels y.
func probsLoss(t *testing.T, dt tensor.Dtype, p []float64, y []float32) (*graph.Builder, *G.Node, *graph.Param) {
	t.Helper()
	rows := len(y)
	b, _ := graph.NewBuilder(dt, rows, true)
	x, _ := graph.NewParam("p", dt, true, rows, 3)
	for i, v := range p {
		x.SetAt(i, v)
	}
	xn, _ := b.Param(x)
	l := SparseCategoricalCrossentropy()
	enc := make([]float32, rows*3)
	if err := l.Encode(y, rows, 3, enc); err != nil {
		t.Fatal(err)
	}
	target := b.Input("y", rows, 3)
	_ = target.Set(enc)
	loss, err := l.Build(b, xn, target.Node)
	if err != nil {
		t.Fatal(err)
	}
	return b, loss, x
}

// TestCrossEntropyOnUnnormalisedProbabilities checks Keras 3's rule for
// probabilities that do not come from a Softmax layer (sigmoid outputs):
// divide each row by its sum, clip to [1e−7, 1 − 1e−7], take the log.
//
//	row [0.5, 0.75, 0.25], label 1: q = [1/3, 1/2, 1/6]   → −ln(1/2) = ln 2
//	row [1, 0, 0],         label 2: q = [1, 0, 0] → 1e−7 → −ln(1e−7)
//	row [0, 1, 1],         label 1: q = [0, 1/2, 1/2]     → ln 2
//	loss = (2 ln 2 − ln 1e−7)/3
//
// The old rule, −ln(p + 1e−7), gave (−ln 0.75 − ln 1e−7 − ln 1)/3 instead.
// Where the label's q is clipped the gradient is 0, as through Keras's
// clip; elsewhere it is that of −ln(p_label/Σp): −1/p_label + 1/Σp at the
// label, 1/Σp at the others, over N = 3.
func TestCrossEntropyOnUnnormalisedProbabilities(t *testing.T) {
	p := []float64{0.5, 0.75, 0.25, 1, 0, 0, 0, 1, 1}
	y := []float32{1, 2, 1}
	for _, c := range []struct {
		dt  tensor.Dtype
		eps float64 // the clip's ε as the graph holds it
		tol float64
	}{{graph.Float64, 1e-7, 1e-15}, {graph.Float32, float64(float32(1e-7)), 1e-6}} {
		want := (2*math.Log(2) - math.Log(c.eps)) / 3
		b, loss, x := probsLoss(t, c.dt, p, y)
		m, err := b.Compile(loss, []*graph.Param{x})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		if got := m.Loss(); math.IsNaN(got) || math.Abs(got-want) > c.tol*want {
			t.Errorf("%v: loss %.17g, want %.17g", c.dt, got, want)
		}
		g := m.Grad(0)
		grad := make([]float64, 9)
		for i := range grad {
			switch d := g.Data().(type) {
			case []float32:
				grad[i] = float64(d[i])
			case []float64:
				grad[i] = d[i]
			}
		}
		wantGrad := []float64{
			1 / 1.5 / 3, (-1/0.75 + 1/1.5) / 3, 1 / 1.5 / 3,
			0, 0, 0, // the label's q₂ = 0 is clipped: nothing flows back
			0.5 / 3, (-1 + 0.5) / 3, 0.5 / 3, // q₁ = 1/2 is inside the range
		}
		for i := range grad {
			if math.Abs(grad[i]-wantGrad[i]) > c.tol {
				t.Errorf("%v: dloss/dp[%d] = %.17g, want %.17g", c.dt, i, grad[i], wantGrad[i])
			}
		}
		m.Close()
	}
}

// TestCrossEntropyOnProbabilitiesGradCheck compares the gradient through
// the row normalisation and the clip with central differences, for rows
// whose normalised values stay well inside the clip range.
func TestCrossEntropyOnProbabilitiesGradCheck(t *testing.T) {
	p := []float64{0.5, 0.75, 0.25, 0.9, 0.1, 0.3, 0.2, 0.6, 0.95, 0.05, 0.4, 0.7}
	y := []float32{1, 2, 0, 2}
	b, loss, x := probsLoss(t, graph.Float64, p, y)
	res, err := graph.GradCheck(b, loss, []*graph.Param{x}, 1e-6, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > 1e-7 || res.Checked != len(p) {
		t.Errorf("gradient check: %v", res)
	}
}
