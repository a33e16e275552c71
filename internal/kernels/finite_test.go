package kernels

import (
	"fmt"
	"math"
	"testing"
)

// TestAllFinite puts one non-finite value at every position of slices of
// odd lengths (the assembly's blocks and the Go tail) and checks the
// answer, with the assembly and without.
func TestAllFinite(t *testing.T) {
	bad := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.Float32frombits(0xffc00001)}
	for _, asm := range []bool{true, false} {
		restore := func() {}
		if !asm {
			restore = DisableAssembly()
		}
		for _, n := range []int{0, 1, 31, 32, 33, 64, 95, 129} {
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(i%7) - 3 + math.MaxFloat32*float32(i%2) // large but finite
			}
			if !AllFinite32(x) {
				t.Fatalf("asm=%v n=%d: finite values reported non-finite", asm, n)
			}
			for i := 0; i < n; i++ {
				for _, v := range bad {
					old := x[i]
					x[i] = v
					if AllFinite32(x) {
						t.Fatalf("asm=%v n=%d: %v at %d not found", asm, n, v, i)
					}
					x[i] = old
				}
			}
			x64 := make([]float64, n)
			for i := 0; i < n; i++ {
				x64[i] = math.Inf(1)
				if AllFinite64(x64) {
					t.Fatalf("n=%d: float64 Inf at %d not found", n, i)
				}
				x64[i] = 0
			}
		}
		restore()
	}
}

func BenchmarkAllFinite32(b *testing.B) {
	x := make([]float32, 784*512)
	for _, asm := range []bool{true, false} {
		b.Run(fmt.Sprint("asm=", asm), func(b *testing.B) {
			if !asm {
				defer DisableAssembly()()
			}
			b.SetBytes(int64(4 * len(x)))
			for i := 0; i < b.N; i++ {
				if !AllFinite32(x) {
					b.Fatal("non-finite")
				}
			}
		})
	}
}
