//go:build !noasm

package kernels

//go:noescape
func maxAbs32x32(x *float32, blocks int) uint32

// maxAbsBits32 is maxAbsBits32Go with blocks of 32 in assembly (AVX2).
func maxAbsBits32(x []float32) uint32 {
	n, acc := 0, uint32(0)
	if hasAVX2 && len(x) >= 32 {
		n = len(x) / 32 * 32
		acc = maxAbs32x32(&x[0], n/32)
	}
	return max(acc, maxAbsBits32Go(x[n:]))
}
