//go:build !amd64

package train

func rmspropStep32(w, g, v []float32, lr, rho, omr, eps float32) {
	rmspropStep32Go(w, g, v, lr, rho, omr, eps)
}
