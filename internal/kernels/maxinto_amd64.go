//go:build !noasm

package kernels

//go:noescape
func maxInto8(dst *float32, at *int32, src *float32, from int32, blocks int)

// maxInto32 is maxInto32Go with blocks of 8 in assembly (AVX2).
func maxInto32(dst []float32, at []int32, src []float32, from int32) {
	n := 0
	if hasFMA32 && len(dst) >= 8 {
		n = len(dst) / 8 * 8
		_, _ = at[n-1], src[n-1]
		maxInto8(&dst[0], &at[0], &src[0], from, n/8)
	}
	maxInto32Go(dst[n:], at[n:], src[n:], from+int32(n))
}
