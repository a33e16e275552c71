package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestMaxAbs32 puts the largest magnitude, then a non-finite value, at
// every position of slices of odd lengths (the assembly's blocks and the
// Go tail), with the assembly and without, and checks both answers.
func TestMaxAbs32(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xffc00001)}
	for _, asm := range []bool{true, false} {
		restore := func() {}
		if !asm {
			restore = DisableAssembly()
		}
		for _, n := range []int{0, 1, 31, 32, 33, 64, 95, 129} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			if m, ok := MaxAbs32(x); !ok || (n == 0 && m != 0) {
				t.Fatalf("asm=%v n=%d: finite values: %v %v", asm, n, m, ok)
			}
			for i := 0; i < n; i++ {
				for _, big := range []float32{-1e30, 1e30, -math.MaxFloat32} {
					old := x[i]
					x[i] = big
					if m, ok := MaxAbs32(x); !ok || m != float32(math.Abs(float64(big))) {
						t.Fatalf("asm=%v n=%d: %v at %d: MaxAbs32 = %v, %v", asm, n, big, i, m, ok)
					}
					x[i] = old
				}
				for _, v := range bad {
					old := x[i]
					x[i] = v
					if _, ok := MaxAbs32(x); ok {
						t.Fatalf("asm=%v n=%d: %v at %d not found", asm, n, v, i)
					}
					x[i] = old
				}
			}
			x64 := make([]float64, n)
			for i := 0; i < n; i++ {
				x64[i] = -3
				if m, ok := MaxAbs64(x64); !ok || m != 3 {
					t.Fatalf("n=%d: float64 -3 at %d: %v %v", n, i, m, ok)
				}
				x64[i] = math.NaN()
				if _, ok := MaxAbs64(x64); ok {
					t.Fatalf("n=%d: float64 NaN at %d not found", n, i)
				}
				x64[i] = 0
			}
		}
		restore()
	}
}

func BenchmarkMaxAbs32(b *testing.B) {
	for _, n := range []int{512, 784 * 512} {
		x := make([]float32, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for i := 0; i < b.N; i++ {
				if _, ok := MaxAbs32(x); !ok {
					b.Fatal("non-finite")
				}
			}
		})
	}
}
