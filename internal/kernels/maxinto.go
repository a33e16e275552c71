package kernels

import "math"

// MaxInto is the step of a max pooling over channel vectors: where
// src[i] > dst[i] (strictly, so false when either is NaN) it sets dst[i] =
// src[i] and at[i] = from + i (AVX2 for float32, blocks of 8):
//
//	for i := range dst { if src[i] > dst[i] { dst[i], at[i] = src[i], from+int32(i) } }
//
// Taken over a window's positions in order, it keeps the first maximum of
// each channel and its index. Which input is largest is a coin toss on
// real activations, so there is no branch per element: a branch
// mispredicted half the time cost several times the Go loop below (a mask
// the compiler makes with a CMOV), and the vector kernel less still (timed
// by hand; BENCHMARKS.md, "Convolution and pooling").
// src and at must be at least len(dst) long.
func MaxInto[T Float](dst []T, at []int32, src []T, from int32) {
	switch d := any(dst).(type) {
	case []float32:
		maxInto32(d, at, any(src).([]float32), from)
	case []float64:
		maxInto64Go(d, at, any(src).([]float64), from)
	}
}

// maxInto32Go is the reference of maxInto32 (MaxInto for float32).
func maxInto32Go(dst []float32, at []int32, src []float32, from int32) {
	src, at = src[:len(dst)], at[:len(dst)]
	for i, v := range src {
		d := dst[i]
		var m int32
		if v > d {
			m = -1
		}
		db, vb := math.Float32bits(d), math.Float32bits(v)
		dst[i] = math.Float32frombits(db ^ (db^vb)&uint32(m))
		a := at[i]
		at[i] = a ^ (a^(from+int32(i)))&m
	}
}

// maxInto64Go is MaxInto for float64.
func maxInto64Go(dst []float64, at []int32, src []float64, from int32) {
	src, at = src[:len(dst)], at[:len(dst)]
	for i, v := range src {
		d := dst[i]
		var m int64
		if v > d {
			m = -1
		}
		db, vb := math.Float64bits(d), math.Float64bits(v)
		dst[i] = math.Float64frombits(db ^ (db^vb)&uint64(m))
		a := at[i]
		at[i] = a ^ (a^(from+int32(i)))&int32(m)
	}
}
