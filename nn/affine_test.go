package nn

import (
	"fmt"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Tests of the resampling the geometric layers share, and the helpers
// their tests use.

// applyLayer builds l for samples of shape, runs it once on x (the batch,
// flat: batch·size values) in a graph of type dt, training or not, its
// feeds filled from a generator seeded with seed, and returns the output,
// flat.
func applyLayer(t *testing.T, l Layer, dt tensor.Dtype, training bool, shape []int, x []float64, seed int64) []float64 {
	t.Helper()
	out, err := tryLayer(l, dt, training, shape, x, seed)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tryLayer(l Layer, dt tensor.Dtype, training bool, shape []int, x []float64, seed int64) ([]float64, error) {
	if _, err := l.Build(shape, dt, rand.New(rand.NewSource(1))); err != nil {
		return nil, err
	}
	size := Shape(shape).Size()
	if len(x)%size != 0 {
		return nil, fmt.Errorf("%d values are not a batch of %v", len(x), shape)
	}
	batch := len(x) / size
	b, err := graph.NewBuilder(dt, batch, training)
	if err != nil {
		return nil, err
	}
	in := b.Input("x", append([]int{batch}, shape...)...)
	switch d := in.Tensor.Data().(type) {
	case []float32:
		for i, v := range x {
			d[i] = float32(v)
		}
	case []float64:
		copy(d, x)
	}
	y, err := l.Forward(b, in.Node)
	if err != nil {
		return nil, err
	}
	m, err := b.Compile(nil, nil, y)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if err := m.Run(rand.New(rand.NewSource(seed))); err != nil {
		return nil, err
	}
	return graph.Float64s(m.Output(0)), nil
}

// ramp is n values 0, 1, 2, …: a hand-made image whose every pixel differs.
func ramp(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i)
	}
	return v
}

// repeatImage is n copies of img, a batch.
func repeatImage(img []float64, n int) []float64 {
	var out []float64
	for range n {
		out = append(out, img...)
	}
	return out
}

// sameValues reports whether a and b hold the same numbers.
func sameValues(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
