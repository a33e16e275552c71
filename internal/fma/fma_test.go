package fma

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exact returns x·y + z rounded once to float32 with math/big: the product
// and the sum are exact at 400 bits, and Float32 rounds to nearest even,
// subnormals included.
func exact(x, y, z float32) float32 {
	bx := new(big.Float).SetPrec(400).SetFloat64(float64(x))
	by := new(big.Float).SetPrec(400).SetFloat64(float64(y))
	bz := new(big.Float).SetPrec(400).SetFloat64(float64(z))
	s := new(big.Float).SetPrec(400).Mul(bx, by)
	s.Add(s, bz)
	f, _ := s.Float32()
	return f
}

func same(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestF32Hand: cases worked by hand, each a tie that a float64 FMA
// rounded again to float32 gets wrong, and signs of zero.
func TestF32Hand(t *testing.T) {
	u := float32(0x1p-23) // ulp of 1
	for _, c := range []struct {
		name    string
		x, y, z float32
		want    float32
	}{
		// 1 + ulp/2·(1+2⁻²⁰)(1−2⁻²⁰) = 1 + ulp/2 − ulp·2⁻⁴¹: just below the
		// midpoint, so 1. fl64 lands on the midpoint, and ties-to-even from
		// there would also give 1; the odd neighbour below shows the error.
		{"below a tie, odd base", u / 2 * (1 + 0x1p-20), 1 - 0x1p-20, 1 + u, 1 + u},
		// Just above the midpoint above 1: 1 + ulp.
		{"above a tie, even base", u / 2 * (1 + 0x1p-10), 1 - 0x1p-10 + 0x1p-20, 1, 1 + u},
		{"exact tie to even", u / 2, 1, 1, 1},
		{"exact tie to even, odd base", u / 2, 1, 1 + u, 1 + 2*u},
		{"plain", 3, 5, 7, 22},
		{"+0 from cancellation", 2, 3, -6, 0},
		{"-0·1 + -0", float32(math.Copysign(0, -1)), 1, float32(math.Copysign(0, -1)), float32(math.Copysign(0, -1))},
		{"-0 + +0", float32(math.Copysign(0, -1)), 1, 0, 0},
		{"overflow", math.MaxFloat32, 2, 0, float32(math.Inf(1))},
		{"subnormal tie to even", 0x1p-75, 0x1p-75, 0, 0}, // 2⁻¹⁵⁰: halfway between 0 and 2⁻¹⁴⁹
		{"subnormal tie, odd base", 0x1p-75, 0x1p-75, 0x1p-149, 0x1p-148},
	} {
		got := F32(c.x, c.y, c.z)
		want := exact(c.x, c.y, c.z)
		if !same(got, want) {
			t.Errorf("%s: F32(%g, %g, %g) = %g (%#x), math/big says %g (%#x)", c.name, c.x, c.y, c.z, got, math.Float32bits(got), want, math.Float32bits(want))
		}
		if !same(got, c.want) {
			t.Errorf("%s: F32 = %g, worked by hand %g", c.name, got, c.want)
		}
	}
	// The naive float64 route gets the first case wrong: that is why F32
	// exists.
	x, y, z := u/2*(1+0x1p-20), float32(1-0x1p-20), 1+u
	if naive := float32(math.FMA(float64(x), float64(y), float64(z))); same(naive, 1+u) {
		t.Errorf("float32(math.FMA) = %g, expected the double-rounding error 1+2ulp", naive)
	}
}

// TestF32Random compares F32 with math/big on random operands and on
// crafted near-ties at random magnitudes, subnormals included.
func TestF32Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randF := func() float32 {
		// Random sign, exponent over the whole range, random significand.
		e := rng.IntN(254) - 126
		if rng.IntN(8) == 0 {
			e = rng.IntN(40) - 150 // near or below the subnormal range
		}
		m := 1 + rng.Float64()
		v := float32(math.Ldexp(m, e))
		if rng.IntN(2) == 0 {
			v = -v
		}
		return v
	}
	check := func(kind string, x, y, z float32) {
		t.Helper()
		if got, want := F32(x, y, z), exact(x, y, z); !same(got, want) {
			t.Fatalf("%s: F32(%g, %g, %g) = %g, math/big says %g", kind, x, y, z, got, want)
		}
	}
	for i := 0; i < 200000; i++ {
		x, y, z := randF(), randF(), randF()
		check("random", x, y, z)
		// Same magnitude of product and addend, where cancellation happens.
		check("close", x, y, -x*y*(1+float32(rng.NormFloat64())*1e-6))
	}
	for i := 0; i < 100000; i++ {
		z := float32(math.Ldexp(1+rng.Float64(), rng.IntN(200)-100))
		if rng.IntN(2) == 0 {
			z = -z
		}
		u := math.Nextafter32(float32(math.Abs(float64(z))), float32(math.Inf(1))) - float32(math.Abs(float64(z)))
		a := 12 + rng.IntN(12)
		d := float32(math.Ldexp(1, -a))
		var x, y float32
		if rng.IntN(2) == 0 {
			x, y = u/2*(1+d), 1-d // just below u/2
		} else {
			a = 6 + rng.IntN(6)
			d = float32(math.Ldexp(1, -a))
			x, y = u/2*(1+d), 1-d+d*d // just above u/2
		}
		if rng.IntN(2) == 0 {
			x = -x
		}
		check(fmt.Sprintf("near tie (2^-%d)", a), x, y, z)
	}
}

func BenchmarkF32(b *testing.B) {
	x, y, s := float32(1.0001), float32(0.9999), float32(0)
	for i := 0; i < b.N; i++ {
		s = F32(x, y, s)
	}
	_ = s
}
