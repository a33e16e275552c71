package train

import (
	"math"
	"math/rand"
	"testing"
)

// TestRMSpropKernelMatchesGo checks the float32 RMSprop kernel (assembly on
// amd64) against the plain-Go step: the results must be bit-identical,
// including the flush of tiny v to zero, zero gradients (also whole blocks
// of +0, which the kernel takes a shortcut through, and of -0, which it
// must not), NaN and tails shorter than a vector.
func TestRMSpropKernelMatchesGo(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 7, 8, 9, 31, 64, 1000, 4099} {
		w := make([]float32, n)
		g := make([]float32, n)
		v := make([]float32, n)
		for i := range w {
			w[i] = float32(rng.NormFloat64())
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
			rmspropStep32(w, g, v, 1e-3, 0.9, float32(1-0.9), 1e-7)
			rmspropStep32Go(w2, g, v2, 1e-3, 0.9, float32(1-0.9), 1e-7)
		}
		for i := range w {
			if math.Float32bits(w[i]) != math.Float32bits(w2[i]) || math.Float32bits(v[i]) != math.Float32bits(v2[i]) {
				t.Fatalf("n=%d i=%d: kernel w=%g v=%g, Go w=%g v=%g", n, i, w[i], v[i], w2[i], v2[i])
			}
		}
	}
}
