package kernels

import "math"

// AllFinite32 reports whether no element of x is NaN or ±Inf:
//
//	acc := 0; for i := range x { acc |= bits(x[i])&0x7f800000 + 0x00800000 }; return acc>>31 == 0
//
// An element is NaN or infinite exactly when its exponent field is all
// ones, and adding one unit of the exponent then carries into the sign
// bit; OR-ing the sums and testing the sign bit once is a branch-free pass
// with no rounding. Training checks every gradient with it before an
// update (AVX2: 32 elements an iteration), so it is on the hot path.
func AllFinite32(x []float32) bool { return allFinite32(x) }

// AllFinite64 is AllFinite32 for float64 (0x7ff0…, 0x0010…, bit 63).
func AllFinite64(x []float64) bool {
	const exp, one = 0x7ff0000000000000, 0x0010000000000000
	var acc uint64
	for _, v := range x {
		acc |= math.Float64bits(v)&exp + one
	}
	return acc&(1<<63) == 0
}

// allFinite32Go is the reference of allFinite32.
func allFinite32Go(x []float32) bool {
	const exp, one = 0x7f800000, 0x00800000
	var acc uint32
	for _, v := range x {
		acc |= math.Float32bits(v)&exp + one
	}
	return acc&(1<<31) == 0
}
