package kernels

import "math"

// AllFinite32 reports whether no element of x is NaN or ±Inf: MaxAbs32's
// second answer, one branch-free pass (AVX2: 32 elements an iteration).
// Training checks every gradient this way before an update, so it is on
// the hot path.
func AllFinite32(x []float32) bool {
	_, ok := MaxAbs32(x)
	return ok
}

// AllFinite64 is AllFinite32 for float64, in Go (float64 models are
// small): an element is NaN or infinite exactly when its exponent field
// (0x7ff0…) is all ones, and adding one unit of it (0x0010…) then carries
// into the sign bit, which the OR of all the sums keeps.
func AllFinite64(x []float64) bool {
	const exp, one = 0x7ff0000000000000, 0x0010000000000000
	var acc uint64
	for _, v := range x {
		acc |= math.Float64bits(v)&exp + one
	}
	return acc&(1<<63) == 0
}
