package kernels

import (
	"math"
	"testing"
)

// TestSparseMaxFor checks the threshold at the widths it was measured at,
// that it never falls as layers widen, and that narrower layers than
// SparseMinWidth never skip zeros.
func TestSparseMaxFor(t *testing.T) {
	for _, c := range []struct {
		units int
		want  float64
	}{{1, 0}, {63, 0}, {64, 0.15}, {128, 0.2}, {256, 0.25}, {512, 0.25}, {4096, 0.25}} {
		if got := SparseMaxFor(c.units); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("SparseMaxFor(%d) = %v, want %v", c.units, got, c.want)
		}
	}
	prev := 0.0
	for u := 1; u <= 2048; u++ {
		v := SparseMaxFor(u)
		if v < prev {
			t.Fatalf("SparseMaxFor(%d) = %v falls below SparseMaxFor(%d) = %v", u, v, u-1, prev)
		}
		prev = v
	}
}
