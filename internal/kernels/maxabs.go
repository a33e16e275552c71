package kernels

import "math"

// MaxAbs32 returns the largest |x[i]|, and whether every element is finite,
// in one pass:
//
//	m := 0; for i := range x { m = max(m, bits(x[i]) & 0x7fffffff) }
//	return float32frombits(m), m < 0x7f800000
//
// With the sign bit cleared, the bit patterns of floats order as unsigned
// integers the way their magnitudes do, and ±Inf (0x7f800000) and every NaN
// (above it) come after every finite value, so one integer max answers both
// questions with no rounding and no branch. Training runs it on every
// gradient before an update: the finiteness check needs the pass anyway,
// and the optimisers' overflow guard needs the magnitude (see train's
// stepGuard). AVX2: 32 elements an iteration, as fast as AllFinite32.
func MaxAbs32(x []float32) (m float32, finite bool) {
	b := maxAbsBits32(x)
	return math.Float32frombits(b), b < 0x7f800000
}

// MaxAbs64 is MaxAbs32 for float64 (in Go: float64 models are small).
func MaxAbs64(x []float64) (m float64, finite bool) {
	var acc uint64
	for _, v := range x {
		acc = max(acc, math.Float64bits(v)&(1<<63-1))
	}
	return math.Float64frombits(acc), acc < 0x7ff0000000000000
}

// maxAbsBits32Go is the reference of maxAbsBits32.
func maxAbsBits32Go(x []float32) uint32 {
	var acc uint32
	for _, v := range x {
		acc = max(acc, math.Float32bits(v)&0x7fffffff)
	}
	return acc
}
