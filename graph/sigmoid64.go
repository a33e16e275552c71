package graph

import "math"

// Sigmoid64 is 1/(1 + e^−x) in float64, correctly rounded but for the
// rarest of cases: e^x is computed as a double-double (about 100 bits,
// ddExp) and the division carried out in double-double too, so only the
// final rounding to float64 remains. NaN gives NaN.
//
// It costs about 40 floating-point operations more than math.Exp; float32
// graphs use sigmoidFast, which is within one ulp in float64 and, rounded
// once to float32, correctly rounded there.
func Sigmoid64(x float64) float64 {
	switch {
	case x >= 0:
		eh, el := ddExp(-x)
		dh, dl := ddAdd(1, 0, eh, el)
		q := 1 / dh
		ph, pl := ddMul(dh, dl, q, 0)
		r := (1 - ph) - pl
		return q + float64(r*q)
	case x < 0:
		eh, el := ddExp(x)
		dh, dl := ddAdd(1, 0, eh, el)
		q := eh / dh
		ph, pl := ddMul(dh, dl, q, 0)
		r := ((eh - ph) + el) - pl
		return q + r/dh
	}
	return x // NaN
}

// sigmoidFast is 1/(1 + e^−x) from math.Exp, dividing by 1 + e held
// exactly as two float64s: within one ulp of the true value (exp's own
// error, under an ulp, is scaled down by the division for x ≥ 0).
func sigmoidFast(x float64) float64 {
	if x >= 0 {
		e := math.Exp(-x)
		hi, lo := fastTwoSum(1, e)
		q := 1 / hi
		// 1/(hi + lo) = q·(1 + r − q·lo) to first order, with r = 1 − q·hi
		// the division's exact remainder.
		r := math.FMA(-q, hi, 1)
		return q + float64(q*(r-float64(q*lo)))
	}
	if x < 0 {
		e := math.Exp(x)
		hi, lo := fastTwoSum(1, e)
		q := e / hi
		r := math.FMA(-q, hi, e)
		return q + (r-float64(q*lo))/hi
	}
	return x // NaN
}

// ln2 split as in fdlibm: ln2Hi has its low 32 bits zero, so k·ln2Hi is
// exact for the k that occur here, and ln2Hi + ln2Lo is ln2 to about 1e-27.
const (
	ln2Hi = 6.93147180369123816490e-01
	ln2Lo = 1.90821492927058770002e-10
)

// ddExp is e^x as the unevaluated sum hi + lo, to about 2^-100 relative:
// x = k·ln2 + r with |r| ≤ ln2/2, e^r summed as a Taylor series in
// double-double, then scaled by 2^k.
func ddExp(x float64) (hi, lo float64) {
	if x > 709.8 {
		return math.Inf(1), 0
	}
	if x < -745.2 {
		return 0, 0
	}
	k := math.Round(x / math.Ln2)
	ph, pl := twoProd(k, ln2Lo)
	rh, rl := ddAdd(x-float64(k*ln2Hi), 0, -ph, -pl)
	sh, sl := 1.0, 0.0 // the sum
	th, tl := 1.0, 0.0 // the term r^n/n!
	for n := 1.0; n <= 25; n++ {
		th, tl = ddMul(th, tl, rh, rl)
		th, tl = ddDiv(th, tl, n)
		sh, sl = ddAdd(sh, sl, th, tl)
	}
	return math.Ldexp(sh, int(k)), math.Ldexp(sl, int(k))
}

// fastTwoSum returns a + b exactly as s + e, for |a| ≥ |b|.
func fastTwoSum(a, b float64) (s, e float64) {
	s = a + b
	return s, b - (s - a)
}

// twoSum returns a + b exactly as s + e.
func twoSum(a, b float64) (s, e float64) {
	s = a + b
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

// twoProd returns a·b exactly as p + e.
func twoProd(a, b float64) (p, e float64) {
	p = a * b
	return p, math.FMA(a, b, -p)
}

// ddAdd is (ah + al) + (bh + bl) in double-double.
func ddAdd(ah, al, bh, bl float64) (float64, float64) {
	s, e := twoSum(ah, bh)
	return fastTwoSum(s, e+(al+bl))
}

// ddMul is (ah + al)·(bh + bl) in double-double.
func ddMul(ah, al, bh, bl float64) (float64, float64) {
	p, e := twoProd(ah, bh)
	return fastTwoSum(p, e+(float64(ah*bl)+float64(al*bh)))
}

// ddDiv is (ah + al)/n in double-double.
func ddDiv(ah, al, n float64) (float64, float64) {
	q := ah / n
	r := math.FMA(-q, n, ah) + al
	return fastTwoSum(q, r/n)
}
