package approx

import (
	"fmt"
	"math"
)

// RelErr is max|a − b| over max(max|b|, 1): b's scale, or 1 where the
// values are small (incoming gradients are of order 1, so where an op
// saturates both compute rounding noise of that order). It is +Inf on a
// NaN in one only or on different lengths, and NaN where both are NaN at
// one place, so that a test comparing RelErr ≤ tol fails there too.
func RelErr(a, b []float64) float64 {
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

// Tol is the largest RelErr that rounding explains between two
// computations whose longest sum has n terms, summed in different orders
// (and in part in float64): 4·n units of roundoff of the type (float32
// when f32), and no less than 2e-5 (float32) or 1e-12 (float64).
func Tol(f32 bool, n int) float64 {
	if f32 {
		return math.Max(2e-5, 4*float64(n)*float64(math.Nextafter32(1, 2)-1))
	}
	return math.Max(1e-12, 4*float64(n)*(math.Nextafter(1, 2)-1))
}

// Close reports the first element of got that differs from want by more
// than tol relative to want's largest magnitude (or 1).
func Close(got, want []float64, tol float64) error {
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
