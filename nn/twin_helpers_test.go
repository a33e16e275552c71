package nn

import (
	"fmt"
	"math"
	"math/rand"

	"gorgonia.org/tensor"
)

// The tolerances and random values of nn's layer tests that compare a
// layer built from fused ops with its twin (graph's op-level parity tests
// have their own harness: a package's tests cannot share them).

// twinTol is graph's parity tolerance (parityTol): 4·n units of roundoff
// for a longest sum of n terms, relative to max(|twin|, 1), and no less
// than 2e-5 (float32) or 1e-12 (float64).
func twinTol(dt tensor.Dtype, n int) float64 {
	if dt == tensor.Float32 {
		return math.Max(2e-5, 4*float64(n)*float64(math.Nextafter32(1, 2)-1))
	}
	return math.Max(1e-12, 4*float64(n)*(math.Nextafter(1, 2)-1))
}

// twinRelErr is max|a − b| over max(max|b|, 1), +Inf on a NaN in one only
// or on different lengths.
func twinRelErr(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	d, s := 0.0, 1.0
	for i := range b {
		if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
			return math.Inf(1)
		}
		d = math.Max(d, math.Abs(a[i]-b[i]))
		s = math.Max(s, math.Abs(b[i]))
	}
	return d / s
}

func randFloats(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// closeAll reports the first element of got that differs from want by
// more than tol relative to want's largest magnitude.
func closeAll(got, want []float64, tol float64) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d values, want %d", len(got), len(want))
	}
	scale := 1.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*scale) {
			return fmt.Errorf("[%d] = %.9g, want %.9g", i, got[i], want[i])
		}
	}
	return nil
}
