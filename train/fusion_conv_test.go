package train

import (
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// TestConvnetFusionGradientsEqual is TestFusionGradientsEqual for a
// convnet: one training step of a small convnet on the 8×8 digits, built
// with the fused Conv2D and MaxPooling2D ops and again with their
// plain-Gorgonia twins (im2col from strided slices and concatenations,
// the max from comparisons; nn.FusionOff), gives the same loss and every
// gradient, in float32 and float64. "same" padding with an odd total, a
// stride of 2 and a tanh convolution cover the paths the fused ops take
// apart from ReLU's.
func TestConvnetFusionGradientsEqual(t *testing.T) {
	d, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.X {
		d.X[i] /= 16
	}
	idx := []int{0, 7, 51, 60, 101, 149, 3, 88, 500, 1000}
	for _, dt := range []struct {
		name string
		tol  float64
	}{{"float32", 2e-5}, {"float64", 1e-12}} {
		t.Run(dt.name, func(t *testing.T) {
			var losses []float64
			var grads [][][]float64
			for _, fusion := range []nn.Fusion{nn.FusionOn, nn.FusionOff} {
				model := nn.Sequential("digits_convnet",
					nn.Conv2D(6, 3, nn.ReLU).WithPadding("same"), nn.MaxPooling2D(2),
					nn.Conv2D(5, 2, nn.Tanh).WithStrides(2, 1), nn.MaxPooling2D(2).WithPadding("same"),
					nn.Flatten(), nn.Dense(10, nn.Softmax))
				opt := nn.BuildOptions{Seed: 1, Fusion: fusion}
				if dt.name == "float64" {
					opt.DType = graph.Float64
				}
				if err := model.BuildShape(data.ShapeOf(d), opt); err != nil {
					t.Fatal(err)
				}
				loss, g := oneStepGradients(t, model, RMSprop(1e-3), d, idx)
				losses, grads = append(losses, loss), append(grads, g)
			}
			compareFusedTwins(t, losses, grads, dt.tol)
		})
	}
}
