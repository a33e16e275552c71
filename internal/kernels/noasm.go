//go:build noasm || !amd64

package kernels

// Without assembly (the noasm tag, or another architecture) every kernel
// runs its pure-Go reference.

var cpuFMA32, cpuAVX2 = false, false

func spPanel(out []float32, n, jb int, c *CSR[float32], cut []int32, panels, p int, b []float32, ld int, init []float32, relu bool) bool {
	return false
}

func nonzeros32(x []float32, idx []int32, val []float32) int { return nonzeros32Go(x, idx, val) }

func reluGrad32(y, dy, dz []float32) { reluGrad32Go(y, dy, dz) }

func add32(dst, src []float32) { add32Go(dst, src) }

func dot4(a, b []float32, ldb int, out *[4]float32) { dot4Go(a, b, ldb, out) }

func transpose32(t, a []float32, rows, cols, c0, c1 int) {
	transposeGo(t, a, rows, cols, 0, rows, c0, c1)
}

func rmsprop32(w, g, v []float32, lr, rho, omr, eps float32) { rmsprop32Go(w, g, v, lr, rho, omr, eps) }

func scaleBytes(dst []float32, src, next []byte) { scaleBytesGo(dst, src) }

func maxAbsBits32(x []float32) uint32 { return maxAbsBits32Go(x) }
