package train

import (
	"math"
	"testing"

	"gorgonia.org/tensor"
)

// TestAllFinite covers each way a gradient can be non-finite, the largest
// finite values and subnormals (exponent fields next to the all-ones and
// all-zeros ones), and finite values whose sum would overflow.
func TestAllFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name string
		data any
		want bool
	}{
		{"float32 finite", []float32{1, -2, 3e38, 3e38}, true},
		{"float32 extremes", []float32{math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 0, float32(math.Copysign(0, -1))}, true},
		{"float32 NaN", []float32{1, float32(nan), 2}, false},
		{"float32 NaN with the sign bit", []float32{math.Float32frombits(0xffc00000)}, false},
		{"float32 +Inf", []float32{1, float32(inf)}, false},
		{"float32 -Inf", []float32{float32(-inf), 1}, false},
		{"float64 finite", []float64{1, -2}, true},
		{"float64 overflowing sum", []float64{math.MaxFloat64, math.MaxFloat64}, true},
		{"float64 extremes", []float64{-math.MaxFloat64, math.SmallestNonzeroFloat64, math.Copysign(0, -1)}, true},
		{"float64 NaN", []float64{nan}, false},
		{"float64 -Inf", []float64{1, math.Inf(-1)}, false},
	} {
		d := tensor.New(tensor.WithBacking(c.data))
		if got := allFinite(d); got != c.want {
			t.Errorf("%s: allFinite = %v, want %v", c.name, got, c.want)
		}
	}
}

// BenchmarkAllFiniteMNISTKernel is the check on the gradient of the MNIST
// recipe's first kernel (784×512 float32), the largest one Fit checks.
func BenchmarkAllFiniteMNISTKernel(b *testing.B) {
	d := make([]float32, 784*512)
	for i := range d {
		d[i] = float32(i%7) * 0.1
	}
	t := tensor.New(tensor.WithShape(784, 512), tensor.WithBacking(d))
	b.SetBytes(int64(4 * len(d)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if !allFinite(t) {
			b.Fatal("finite data reported non-finite")
		}
	}
}
