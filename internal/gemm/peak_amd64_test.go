//go:build !noasm

package gemm

import "testing"

// BenchmarkPeak runs the register-only FMA loops: the core's float32 FMA
// peak in the same run, for the share of peak that Sgemm reaches.
func BenchmarkPeak(b *testing.B) {
	for _, k := range asmKernels() {
		b.Run(k.name, func(b *testing.B) {
			const iters = 1 << 20
			flopsPer := 24 * 16 * 2
			f := fmaPeak512
			if k.name == "avx2" {
				flopsPer, f = 12*8*2, fmaPeak256
			}
			timed(b, float64(flopsPer)*iters, true, func() { f(iters) })
		})
	}
}
