package train

import "math"

// allFinite reports whether every element of a gradient's data ([]float32
// or []float64) is finite. It sums the elements in float64, one addition
// per element without a branch, and tests the sum once: NaN or Inf in an
// element makes the sum NaN or Inf, and nothing turns it finite again.
// float32 elements cannot overflow a float64 sum; float64 ones can, so a
// non-finite float64 sum is confirmed element by element.
func allFinite(data any) bool {
	var s float64
	switch d := data.(type) {
	case []float32:
		for _, v := range d {
			s += float64(v)
		}
		return !math.IsNaN(s) && !math.IsInf(s, 0)
	case []float64:
		for _, v := range d {
			s += v
		}
		if !math.IsNaN(s) && !math.IsInf(s, 0) {
			return true
		}
		for _, v := range d {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
	}
	return true
}
