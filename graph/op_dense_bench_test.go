package graph

import (
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// Kernel benchmarks of the first MNIST layer: batch 128, 784 inputs about
// 19% nonzero, 512 units.
func mnistLayer() (x, w, b, dy *tensor.Dense) {
	rng := rand.New(rand.NewSource(1))
	xs := make([]float32, 128*784)
	for i := range xs {
		if rng.Intn(100) < 19 {
			xs[i] = rng.Float32()
		}
	}
	f := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(rng.NormFloat64()) * 0.05
		}
		return s
	}
	return tensor.New(tensor.WithShape(128, 784), tensor.WithBacking(xs)),
		tensor.New(tensor.WithShape(784, 512), tensor.WithBacking(f(784*512))),
		tensor.New(tensor.WithShape(1, 512), tensor.WithBacking(f(512))),
		tensor.New(tensor.WithShape(128, 512), tensor.WithBacking(f(128*512)))
}

func BenchmarkDenseForwardMNIST(b *testing.B) {
	x, w, bias, _ := mnistLayer()
	op := &denseOp{relu: true, dt: Float32, batch: 128, in: 784, units: 512}
	for i := 0; i < b.N; i++ {
		if _, err := op.Do(x, w, bias); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDenseWeightGradMNIST(b *testing.B) {
	x, _, _, dy := mnistLayer()
	op := &denseGradOp{kind: gradWeights, dt: Float32, rows: 784, cols: 512, inner: 128}
	for i := 0; i < b.N; i++ {
		if _, err := op.Do(x, dy); err != nil {
			b.Fatal(err)
		}
	}
}
