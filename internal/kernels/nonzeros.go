package kernels

import "math"

// Nonzeros writes the indices of the nonzero elements of x into idx (at
// least len(x) long) and returns how many there are, without a branch per
// element:
//
//	for k := range x { if x[k] != 0 || x[k] != x[k] { idx[n] = k; n++ } }
//
// (-0 is a zero, NaN is not). Elements of idx past the count may be
// overwritten.
func Nonzeros[T Float](x []T, idx []int32) int {
	n := 0
	switch x := any(x).(type) {
	case []float32:
		idx = idx[:len(x)]
		for k, v := range x {
			idx[n] = int32(k)
			b := math.Float32bits(v) << 1 // drop the sign: -0 is zero
			n += int((b | -b) >> 31)
		}
	case []float64:
		idx = idx[:len(x)]
		for k, v := range x {
			idx[n] = int32(k)
			b := math.Float64bits(v) << 1
			n += int((b | -b) >> 63)
		}
	}
	return n
}

// nonzeros32Go is the reference of nonzeros32, which writes the positions
// and values of x's nonzero elements (NaN included, -0 not) to idx and val
// (each at least len(x) long; elements past the count may be overwritten,
// up to len(x)) and returns their count.
func nonzeros32Go(x []float32, idx []int32, val []float32) int {
	n := 0
	for k, v := range x {
		if v != 0 { // NaN != 0
			idx[n], val[n] = int32(k), v
			n++
		}
	}
	return n
}
