package fma

import "math"

// F32 returns x·y + z rounded once to float32 (round to nearest, ties to
// even), the value an FMA instruction computes for finite operands and
// results. NaN results may differ from the hardware's in sign or payload.
func F32(x, y, z float32) float32 {
	// The product is exact, so the sum is rounded once whether or not the
	// compiler fuses it.
	s := float64(float64(x)*float64(y)) + float64(z)
	if MayTie(s) {
		return tieSlow(x, y, z)
	}
	return float32(s)
}

// MayTie reports whether s, a float64 sum float64(x)·float64(y) +
// float64(z) of float32 operands, may be a midpoint between two float32
// values, where float32(s) may round the wrong way and F32 is needed. Hot
// loops inline it and call F32 only then:
//
//	s := float64(float64(x)*float64(y)) + float64(z)
//	if fma.MayTie(s) {
//		r = fma.F32(x, y, z)
//	} else {
//		r = float32(s)
//	}
//
// In float32's normal range a midpoint has the 29 low significand bits
// 1000…0. Below 2⁻¹²⁶ the spacing is coarser and every s counts, except a
// zero exponent field (zero and float64 subnormals, far below any float32
// midpoint), which the unsigned wrap-around of e − 1 lets through.
func MayTie(s float64) bool {
	b := math.Float64bits(s)
	return b&(1<<29-1) == 1<<28 || b&(0x7ff<<52)-1<<52 < (1023-126-1)<<52
}

// tieSlow is F32 when the float64 sum may be a float32 midpoint: the exact
// error of the float64 sum decides the side.
func tieSlow(x, y, z32 float32) float32 {
	p, z := float64(x)*float64(y), float64(z32)
	s := p + z
	if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		return float32(s)
	}
	if !isMidpoint32(s) {
		return float32(s)
	}
	// TwoSum: e = (p + z) − s exactly.
	bv := s - p
	e := (p - (s - bv)) + (z - bv)
	switch {
	case e > 0:
		s = math.Nextafter(s, math.Inf(1))
	case e < 0:
		s = math.Nextafter(s, math.Inf(-1))
	}
	return float32(s)
}

// isMidpoint32 reports whether s lies exactly halfway between two adjacent
// float32 values (s finite and nonzero).
func isMidpoint32(s float64) bool {
	a := math.Abs(s)
	if a >= 0x1p-126 {
		return math.Float64bits(s)&(1<<29-1) == 1<<28
	}
	// Subnormal float32 spacing is 2⁻¹⁴⁹: a midpoint is an odd multiple of
	// 2⁻¹⁵⁰. a·2¹⁵⁰ < 2²⁴ is exact.
	t := a * 0x1p150
	return t == math.Trunc(t) && math.Mod(t, 2) == 1
}
