package train

import "golang.org/x/sys/cpu"

//go:noescape
func rmsprop8(w, grad, v *float32, n int, lr, rho, omr, eps float32)

// hasAVX2 reports whether the CPU and OS support AVX2 (the RMSprop kernel
// uses AVX only, but AVX2 machines are the ones worth the check).
var hasAVX2 = cpu.X86.HasAVX2

// rmspropStep32 is the float32 RMSprop step: 8 elements at a time with AVX
// (bit-identical to rmspropStep32Go) and the tail in Go.
func rmspropStep32(w, g, v []float32, lr, rho, omr, eps float32) {
	n := len(w)
	g, v = g[:n], v[:n]
	k := 0
	if hasAVX2 && n >= 8 {
		k = n &^ 7
		rmsprop8(&w[0], &g[0], &v[0], k, lr, rho, omr, eps)
	}
	rmspropStep32Go(w[k:], g[k:], v[k:], lr, rho, omr, eps)
}
