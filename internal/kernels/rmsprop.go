package kernels

import "math"

// RMSprop32 is Keras's RMSprop step on float32 weights w, gradients g and
// mean squares v (of equal length), omr being 1−ρ as the caller rounds it:
//
//	v[j] = flush(ρ·v[j] + ((1−ρ)·g[j])·g[j])
//	w[j] -= (lr·g[j]) / float32(sqrt(float64(v[j] + eps)))
//
// each operation rounded to float32 in that order, flush(x) being 0 for
// |x| < 1e-30 (denormals cost a hundred cycles each and change nothing).
// The assembly (AVX, 8 at a time) gives the bits of the Go loop, with any
// GOAMD64 level.
func RMSprop32(w, g, v []float32, lr, rho, omr, eps float32) {
	n := len(w)
	rmsprop32(w, g[:n], v[:n], lr, rho, omr, eps)
}

// rmsprop32Go is the reference of RMSprop32. Every product is converted
// to float32 explicitly, which the Go specification says rounds it: without
// the conversions the compiler may fuse a product and a sum into an FMA
// with GOAMD64=v3, and the bits would differ from the assembly's.
func rmsprop32Go(w, g, v []float32, lr, rho, omr, eps float32) {
	for j := range w {
		gj := g[j]
		v[j] = flush32(float32(rho*v[j]) + float32(float32(omr*gj)*gj))
		w[j] -= float32(lr*gj) / float32(math.Sqrt(float64(v[j]+eps)))
	}
}

// flush32 returns 0 for |x| < 1e-30, x otherwise.
func flush32(x float32) float32 {
	if x < 1e-30 && x > -1e-30 {
		return 0
	}
	return x
}
