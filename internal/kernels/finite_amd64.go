//go:build !noasm

package kernels

//go:noescape
func finite32x32(x *float32, blocks int) bool

// allFinite32 is allFinite32Go with blocks of 32 in assembly (AVX2).
func allFinite32(x []float32) bool {
	n := 0
	if hasAVX2 && len(x) >= 32 {
		n = len(x) / 32 * 32
		if !finite32x32(&x[0], n/32) {
			return false
		}
	}
	return allFinite32Go(x[n:])
}
