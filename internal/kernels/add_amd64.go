//go:build !noasm

package kernels

//go:noescape
func add8(dst, src *float32, blocks int)

// add32 is add32Go with blocks of 8 in assembly (AVX).
func add32(dst, src []float32) {
	n := 0
	if hasFMA32 && len(dst) >= 8 {
		n = len(dst) / 8 * 8
		_ = src[n-1]
		add8(&dst[0], &src[0], n/8)
	}
	add32Go(dst[n:], src[n:])
}
