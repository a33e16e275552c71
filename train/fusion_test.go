package train

import (
	"math"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// TestFusionGradientsEqual takes one training step of the Iris recipe
// (Dense-ReLU, BatchNorm, Dropout twice, softmax, sparse cross-entropy) on
// the same batch, mask and weights, built with the fused ops and with their
// twins, and compares the loss and every gradient: equal to float
// rounding, in both element types.
func TestFusionGradientsEqual(t *testing.T) {
	iris, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	var sc data.StandardScaler
	if err := sc.FitTransform(iris); err != nil {
		t.Fatal(err)
	}
	idx := []int{0, 7, 51, 60, 101, 149, 3, 88}
	for _, dt := range []struct {
		name string
		dt   any
		tol  float64
	}{{"float32", graph.Float32, 2e-5}, {"float64", graph.Float64, 1e-12}} {
		t.Run(dt.name, func(t *testing.T) {
			var losses []float64
			var grads [][][]float64
			for _, fusion := range []nn.Fusion{nn.FusionOn, nn.FusionOff} {
				model := nn.Sequential("iris",
					nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
					nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
					nn.Dense(3, nn.Softmax))
				opt := nn.BuildOptions{Seed: 1, Fusion: fusion}
				if dt.name == "float64" {
					opt.DType = graph.Float64
				}
				if err := model.Build(4, opt); err != nil {
					t.Fatal(err)
				}
				loss, g := oneStepGradients(t, model, Adam(1e-3), iris, idx)
				losses, grads = append(losses, loss), append(grads, g)
			}
			compareFusedTwins(t, losses, grads, dt.tol)
		})
	}
}

// compareFusedTwins fails the test unless the fused graph's loss and
// gradients (losses[0], grads[0]) equal the twins' (index 1) within tol,
// relative to the twins' loss and to each gradient's largest magnitude (or
// 1e-3).
func compareFusedTwins(t *testing.T, losses []float64, grads [][][]float64, tol float64) {
	t.Helper()
	if d := math.Abs(losses[0] - losses[1]); d > tol*math.Abs(losses[1]) {
		t.Errorf("loss: fused %.9g, twins %.9g", losses[0], losses[1])
	}
	for i := range grads[0] {
		var scale, diff float64
		for j, v := range grads[1][i] {
			scale = math.Max(scale, math.Abs(v))
			diff = math.Max(diff, math.Abs(grads[0][i][j]-v))
		}
		if diff > tol*math.Max(scale, 1e-3) {
			t.Errorf("gradient %d: fused and twins differ by %.3g (largest %.3g)", i, diff, scale)
		}
	}
}

// oneStepGradients compiles model with opt and sparse categorical
// cross-entropy, runs one training step on the samples idx of src (no
// update), and returns the loss and every gradient.
func oneStepGradients(t *testing.T, model *nn.Model, opt Optimizer, src data.Source, idx []int) (float64, [][]float64) {
	t.Helper()
	tr, err := Compile(model, opt, SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	s, err := tr.stepFor(len(idx), true)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := tr.run(s, src, idx, epochRand(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	var g [][]float64
	for i := range s.params {
		g = append(g, graph.Float64s(s.m.Grad(i)))
	}
	return loss, g
}
