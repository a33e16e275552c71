package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestMaxInto checks MaxInto against its plain loop, bit for bit, over
// lengths that use the assembly's blocks of 8 and a Go tail, with ties
// (small integers), NaNs and signed zeros in either operand, with the
// assembly on and off.
func TestMaxInto(t *testing.T) {
	vals := []float32{-1, 0, float32(math.Copysign(0, -1)), 1, 2, float32(math.NaN()), float32(math.Inf(-1))}
	for _, asm := range []bool{true, false} {
		restore := func() {}
		if !asm {
			restore = DisableAssembly()
		}
		rng := rand.New(rand.NewSource(1))
		for _, n := range []int{1, 7, 8, 9, 16, 32, 37, 64} {
			for rep := 0; rep < 20; rep++ {
				dst := make([]float32, n)
				src := make([]float32, n)
				at := make([]int32, n)
				for i := range dst {
					dst[i], src[i] = vals[rng.Intn(len(vals))], vals[rng.Intn(len(vals))]
					at[i] = int32(rng.Intn(100))
				}
				from := int32(rng.Intn(1000))
				wantD, wantA := append([]float32(nil), dst...), append([]int32(nil), at...)
				for i := range wantD {
					if src[i] > wantD[i] {
						wantD[i], wantA[i] = src[i], from+int32(i)
					}
				}
				MaxInto(dst, at, src, from)
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(wantD[i]) || at[i] != wantA[i] {
						t.Fatalf("asm=%v n=%d: [%d] = (%v, %d), want (%v, %d)", asm, n, i, dst[i], at[i], wantD[i], wantA[i])
					}
				}
				d64, s64 := make([]float64, n), make([]float64, n)
				a64 := make([]int32, n)
				for i := range d64 {
					d64[i], s64[i] = float64(vals[rng.Intn(len(vals))]), float64(vals[rng.Intn(len(vals))])
				}
				w64, wa := append([]float64(nil), d64...), append([]int32(nil), a64...)
				for i := range w64 {
					if s64[i] > w64[i] {
						w64[i], wa[i] = s64[i], from+int32(i)
					}
				}
				MaxInto(d64, a64, s64, from)
				for i := range d64 {
					if math.Float64bits(d64[i]) != math.Float64bits(w64[i]) || a64[i] != wa[i] {
						t.Fatalf("float64 n=%d: [%d] = (%v, %d), want (%v, %d)", n, i, d64[i], a64[i], w64[i], wa[i])
					}
				}
			}
		}
		restore()
	}
}

// TestMaxIntoBitIdentical checks maxInto32 against maxInto32Go bit for bit
// over oddLengths, with guard elements around dst, at and src: nothing is
// written outside dst and at.
func TestMaxIntoBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(37))
	for _, n := range oddLengths {
		gen := randomVector(rng)
		dst, db := guarded32(n, gen)
		src, sb := guarded32(n, gen)
		atBack := make([]int32, n+2*guardN)
		for i := range atBack {
			atBack[i] = -7
		}
		at := atBack[guardN : guardN+n : guardN+n]
		for i := range at {
			at[i] = int32(rng.Intn(50))
		}
		wantD, wantA := append([]float32(nil), dst...), append([]int32(nil), at...)
		maxInto32Go(wantD, wantA, src, 1000)
		maxInto32(dst, at, src, 1000)
		for i := range dst {
			if !same32(dst[i], wantD[i]) || at[i] != wantA[i] {
				t.Fatalf("n=%d: [%d] = (%v, %d), reference (%v, %d)", n, i, dst[i], at[i], wantD[i], wantA[i])
			}
		}
		what := fmt.Sprintf("n=%d", n)
		checkGuards32(t, what+" dst", db, n)
		checkGuards32(t, what+" src", sb, n)
		for i, v := range atBack {
			if (i < guardN || i >= guardN+n) && v != -7 {
				t.Fatalf("%s: at guard %d overwritten with %d", what, i, v)
			}
		}
	}
}
