//go:build !noasm

package kernels

//go:noescape
func reluGrad8(y, dy, dz *float32, blocks int)

// reluGrad32 is reluGrad32Go with blocks of 8 in assembly (AVX2).
func reluGrad32(y, dy, dz []float32) {
	n := 0
	if hasFMA32 && len(y) >= 8 {
		n = len(y) / 8 * 8
		_, _ = dy[n-1], dz[n-1]
		reluGrad8(&y[0], &dy[0], &dz[0], n/8)
	}
	reluGrad32Go(y[n:], dy[n:], dz[n:])
}
