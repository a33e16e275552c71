//go:build !noasm

package kernels

//go:noescape
func dot4x16(a, b *float32, ldb int, blocks int, out *float32)

// dot4 is dot4Go in assembly (AVX2/FMA: callers check hasFMA32); len(a)
// must be a multiple of 16.
func dot4(a, b []float32, ldb int, out *[4]float32) {
	if !hasFMA32 || len(a)%16 != 0 {
		dot4Go(a, b, ldb, out)
		return
	}
	if len(a) == 0 {
		*out = [4]float32{}
		return
	}
	_ = b[3*ldb+len(a)-1]
	dot4x16(&a[0], &b[0], ldb, len(a)/16, &out[0])
}
