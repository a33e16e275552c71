package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestRMSpropBitIdentical checks RMSprop32 (assembly on amd64) against its
// Go reference rmsprop32Go: the results must be bit-identical, including
// the flush of tiny v to zero, zero gradients (also whole blocks of +0,
// which the kernel takes a shortcut through, and of -0, which it must
// not), NaN and tails shorter than a vector; guard elements around w and v
// stay untouched. Run with GOAMD64=v3 too (make test), where an unrounded
// product in the reference would be fused into an FMA.
func TestRMSpropBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range append(oddLengths, 31, 1000, 4099) {
		w, wb := guarded32(n, func(int) float32 { return float32(rng.NormFloat64()) })
		g := make([]float32, n)
		v, vb := guarded32(n, nil)
		for i := range w {
			switch rng.Intn(6) {
			case 0:
				g[i] = 0
			case 1:
				g[i] = float32(rng.NormFloat64()) * 1e-18 // g² underflows to the flush
			case 2:
				g[i] = float32(math.NaN())
			default:
				g[i] = float32(rng.NormFloat64()) * float32(math.Pow(10, -float64(rng.Intn(8))))
			}
			if rng.Intn(3) > 0 {
				v[i] = float32(rng.ExpFloat64()) * 1e-3
			} else if rng.Intn(2) == 0 {
				v[i] = 2e-30
			}
		}
		if n >= 32 {
			negZero := float32(math.Copysign(0, -1))
			for i := 8; i < 16; i++ {
				g[i] = 0
			}
			for i := 16; i < 24; i++ {
				g[i], w[i] = negZero, negZero
			}
			w[9], v[10], v[11] = negZero, 2e-30, 0
		}
		w2, v2 := append([]float32(nil), w...), append([]float32(nil), v...)
		for step := 0; step < 3; step++ {
			const lr, rho, eps = 1e-3, 0.9, 1e-7
			RMSprop32(w, g, v, lr, rho, 1-rho, eps)
			rmsprop32Go(w2, g, v2, lr, rho, 1-rho, eps)
		}
		for i := range w {
			if !same32(w[i], w2[i]) || !same32(v[i], v2[i]) {
				t.Fatalf("n=%d i=%d: kernel w=%g v=%g, Go w=%g v=%g", n, i, w[i], v[i], w2[i], v2[i])
			}
		}
		checkGuards32(t, fmt.Sprintf("n=%d w", n), wb, n)
		checkGuards32(t, fmt.Sprintf("n=%d v", n), vb, n)
	}
}

// TestRMSpropReference checks rmsprop32Go on hand-computed values: w 1,
// g 0.5, v 0.1, lr 0.01, ρ 0.9 gives v = 0.9·0.1 + 0.1·0.25 = 0.115 and
// w = 1 − 0.005/√(0.115 + 1e-7), each step rounded to float32; a v that
// decays below 1e-30 is flushed to 0.
func TestRMSpropReference(t *testing.T) {
	w, g, v := []float32{1, 2}, []float32{0.5, 0}, []float32{0.1, 1e-30}
	rmsprop32Go(w, g, v, 0.01, 0.9, float32(0.1), 1e-7)
	wantV := float32(float32(0.9)*float32(0.1)) + float32(float32(float32(0.1)*0.5)*0.5)
	wantW := 1 - float32(float32(0.01)*0.5)/float32(math.Sqrt(float64(wantV+1e-7)))
	if !same32(v[0], wantV) || !same32(w[0], wantW) || math.Abs(float64(v[0])-0.115) > 1e-7 {
		t.Fatalf("v = %g, w = %g; want %g, %g", v[0], w[0], wantV, wantW)
	}
	if v[1] != 0 || w[1] != 2 {
		t.Fatalf("decayed v = %g (want the flush to 0), w = %g (want 2)", v[1], w[1])
	}
}
