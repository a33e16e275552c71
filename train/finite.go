package train

import (
	"math"

	"gorgonia.org/tensor"
)

// allFinite reports whether every element of a float32 or float64 tensor
// is finite. It reads the slice through Float32s/Float64s, which, unlike
// Data, allocate nothing.
func allFinite(t *tensor.Dense) bool {
	switch t.Dtype() {
	case tensor.Float32:
		return finite32(t.Float32s())
	case tensor.Float64:
		return finite64(t.Float64s())
	}
	return true
}

// finite32 and finite64 look at the exponent bits only: an element is NaN
// or ±Inf exactly when its exponent field is all ones, and adding one unit
// of the exponent to the field then carries into the sign bit. OR-ing
// those sums over the slice and testing the sign bit once is a
// branch-free pass with no rounding and no overflow, unlike summing the
// values.
func finite32(d []float32) bool {
	const exp, one = 0x7f800000, 0x00800000
	var acc uint32
	for _, v := range d {
		acc |= math.Float32bits(v)&exp + one
	}
	return acc&(1<<31) == 0
}

func finite64(d []float64) bool {
	const exp, one = 0x7ff0000000000000, 0x0010000000000000
	var acc uint64
	for _, v := range d {
		acc |= math.Float64bits(v)&exp + one
	}
	return acc&(1<<63) == 0
}
