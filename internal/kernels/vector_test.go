package kernels

import (
	"math"
	"math/rand"
	"testing"
)

// TestNonzeros checks the positions and values of the nonzero elements
// against a plain loop, for lengths around the kernel's blocks of 8, with
// -0 (a zero) and NaN (not a zero).
func TestNonzeros(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 63, 784} {
		for _, density := range []int{0, 19, 50, 100} {
			x := make([]float32, n)
			for i := range x {
				switch r := rng.Intn(100); {
				case r < density:
					x[i] = rng.Float32() + 0.1
				case r%7 == 0:
					x[i] = float32(math.Copysign(0, -1))
				}
			}
			if n > 3 {
				x[3] = float32(math.NaN())
			}
			idx := make([]int32, n)
			val := make([]float32, n)
			k := nonzeros32(x, idx, val)
			var want []int32
			for i, v := range x {
				if v != 0 || v != v {
					want = append(want, int32(i))
				}
			}
			if k != len(want) {
				t.Fatalf("n=%d density=%d: %d nonzeros, want %d", n, density, k, len(want))
			}
			for q, i := range want {
				if idx[q] != i || math.Float32bits(val[q]) != math.Float32bits(x[i]) {
					t.Fatalf("n=%d density=%d: nonzero %d at %d = %g, want at %d = %g", n, density, q, idx[q], val[q], i, x[i])
				}
			}
		}
	}
}

// TestVectorKernels checks reluGrad32 and add32 against plain loops, for
// lengths around the kernels' blocks of 8.
func TestVectorKernels(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for _, n := range []int{0, 1, 7, 8, 9, 17, 1000} {
		y, dy, dz, dst, src := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range y {
			if rng.Intn(2) == 0 {
				y[i] = rng.Float32()
			}
			dy[i], dz[i] = rng.Float32()-0.5, 99
			dst[i], src[i] = rng.Float32(), rng.Float32()
		}
		want := append([]float32(nil), dst...)
		for i := range want {
			want[i] += src[i]
		}
		reluGrad32(y, dy, dz)
		add32(dst, src)
		for i := range y {
			w := dy[i]
			if y[i] == 0 {
				w = 0
			}
			if math.Float32bits(dz[i]) != math.Float32bits(w) {
				t.Fatalf("n=%d: relu' %d = %g, want %g (y %g, dy %g)", n, i, dz[i], w, y[i], dy[i])
			}
			if dst[i] != want[i] {
				t.Fatalf("n=%d: add %d = %g, want %g", n, i, dst[i], want[i])
			}
		}
	}
}
