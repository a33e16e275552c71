package data

import "golang.org/x/sys/cpu"

//go:noescape
func scale8(dst *float32, src *byte, blocks int, next *byte, lines int)

var hasAVX2 = cpu.X86.HasAVX2

// scaleBytes sets dst[j] = src[j]/255, as scale255 does, eight at a time
// with AVX2: a batch of MNIST images is 100,352 pixels, and a table load
// per pixel cost more than the first layer's nonzero scan. next, when not
// empty, is prefetched into the cache meanwhile (the next image to scale).
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
	for j := n; j < len(src); j++ {
		dst[j] = scale255[src[j]]
	}
}
