package train

import (
	"math"
	"testing"
)

// TestAllFinite covers each way a gradient can be non-finite, and finite
// float64 gradients whose sum overflows, which must not be rejected.
func TestAllFinite(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name string
		data any
		want bool
	}{
		{"float32 finite", []float32{1, -2, 3e38, 3e38}, true},
		{"float32 NaN", []float32{1, float32(nan), 2}, false},
		{"float32 +Inf", []float32{1, float32(inf)}, false},
		{"float32 -Inf", []float32{float32(-inf), 1}, false},
		{"float32 +Inf and -Inf", []float32{float32(inf), float32(-inf)}, false},
		{"float64 finite", []float64{1, -2}, true},
		{"float64 overflowing sum", []float64{math.MaxFloat64, math.MaxFloat64}, true},
		{"float64 NaN", []float64{nan}, false},
		{"float64 Inf after overflow", []float64{math.MaxFloat64, math.MaxFloat64, -inf}, false},
		{"empty", []float32{}, true},
	} {
		if got := allFinite(c.data); got != c.want {
			t.Errorf("%s: allFinite = %v, want %v", c.name, got, c.want)
		}
	}
}
