//go:build !noasm

package kernels

//go:noescape
func biasReLU8(y, b *float32, rows, blocks int)

// biasReLU32 is biasReLUGo with rows of a multiple of 8 in assembly (AVX).
func biasReLU32(y, b []float32) {
	f := len(b)
	rows := len(y) / f
	if !hasFMA32 || f%8 != 0 || rows == 0 {
		biasReLUGo(y, b)
		return
	}
	_ = y[rows*f-1]
	biasReLU8(&y[0], &b[0], rows, f/8)
}
