package kernels

import "math"

// ReLUInPlace sets the negative elements of y (and -0) to +0 and keeps NaN
// as it is, whatever its sign bit, without branches (the signs of trained
// pre-activations are a coin toss, and a branch per element mispredicts
// half the time):
//
//	for j := range y { if signbit(y[j]) && !isNaN(y[j]) { y[j] = 0 } }
//
// A NaN must survive the ReLU on every path (this loop, the assembly panel
// kernel): x86's default NaN has its sign bit set, and zeroing it would let
// a model with NaN weights predict plausible numbers on one CPU and NaN on
// another.
func ReLUInPlace[T Float](y []T) {
	switch y := any(y).(type) {
	case []float32:
		for j, v := range y {
			b := math.Float32bits(v)
			neg := uint32(int32(b) >> 31)
			nan := uint32(int32(0x7f800000-(b&0x7fffffff)) >> 31) // all ones when |b| > Inf's bits
			y[j] = math.Float32frombits(b &^ (neg &^ nan))
		}
	case []float64:
		for j, v := range y {
			b := math.Float64bits(v)
			neg := uint64(int64(b) >> 63)
			nan := uint64(int64(0x7ff0000000000000-(b&0x7fffffffffffffff)) >> 63)
			y[j] = math.Float64frombits(b &^ (neg &^ nan))
		}
	}
}

// ReLUGrad sets dz to dy where y ≠ 0 (after a ReLU: y > 0) and to +0
// elsewhere, without branches (AVX2 for float32):
//
//	for i := range y { if y[i] != 0 { dz[i] = dy[i] } else { dz[i] = 0 } }
//
// In float64 the test is on y's bits (y ≠ +0, so -0 keeps dy); a ReLU's
// output is never -0 (ReLUInPlace makes it +0), where the two agree. dy
// and dz must be at least len(y) long.
func ReLUGrad[T Float](y, dy, dz []T) {
	switch y := any(y).(type) {
	case []float32:
		reluGrad32(y, any(dy).([]float32), any(dz).([]float32))
	case []float64:
		dy, dz := any(dy).([]float64), any(dz).([]float64)
		dy, dz = dy[:len(y)], dz[:len(y)]
		for i, v := range y {
			b := math.Float64bits(v)
			keep := uint64(int64(b|-b) >> 63)
			dz[i] = math.Float64frombits(math.Float64bits(dy[i]) & keep)
		}
	}
}

// reluGrad32Go is the reference of reluGrad32 (ReLUGrad for float32).
func reluGrad32Go(y, dy, dz []float32) {
	for i, v := range y {
		if v != 0 {
			dz[i] = dy[i]
		} else {
			dz[i] = 0
		}
	}
}
