//go:build !noasm

package kernels

//go:noescape
func scale8(dst *float32, src *byte, blocks int, next *byte, lines int)

// scaleBytes runs scaleBytesGo, eight bytes at a time with AVX2 and the
// tail by table, prefetching next.
func scaleBytes(dst []float32, src, next []byte) {
	n := 0
	if hasAVX2 && len(src) >= 8 {
		n = len(src) / 8 * 8
		_ = dst[n-1]
		p, lines := &src[0], 0
		if len(next) > 0 {
			p, lines = &next[0], (len(next)+63)/64
		}
		scale8(&dst[0], &src[0], n/8, p, lines)
	}
	scaleBytesGo(dst[n:], src[n:])
}
