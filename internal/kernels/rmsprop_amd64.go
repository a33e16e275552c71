//go:build !noasm

package kernels

//go:noescape
func rmsprop8(w, grad, v *float32, n int, lr, rho, omr, eps float32)

// rmsprop32 runs rmsprop32Go, 8 elements at a time with AVX and the tail
// in Go.
func rmsprop32(w, g, v []float32, lr, rho, omr, eps float32) {
	n := len(w)
	k := 0
	if hasAVX2 && n >= 8 {
		k = n &^ 7
		rmsprop8(&w[0], &g[0], &v[0], k, lr, rho, omr, eps)
	}
	rmsprop32Go(w[k:], g[k:], v[k:], lr, rho, omr, eps)
}
