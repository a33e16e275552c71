//go:build !amd64

package graph

const hasFMA32 = false

func spPanel(out []float32, n, jb int, c *csr[float32], cut []int32, panels, p int, b []float32, ld int, init []float32, relu bool) bool {
	return false
}

func nonzeros32(x []float32, idx []int32, val []float32) int {
	n := 0
	for k, v := range x {
		if v != 0 {
			idx[n], val[n] = int32(k), v
			n++
		}
	}
	return n
}

func reluGrad32(y, dy, dz []float32) {
	for i, v := range y {
		if v != 0 {
			dz[i] = dy[i]
		} else {
			dz[i] = 0
		}
	}
}

func add32(dst, src []float32) {
	for i := range dst {
		dst[i] += src[i]
	}
}

func dot4(a, b []float32, ldb int, out *[4]float32) {
	for r := range out {
		var s float32
		for t, v := range a {
			s += v * b[r*ldb+t]
		}
		out[r] = s
	}
}

func transpose32(t, a []float32, rows, cols, c0, c1 int) {
	transposeGo(t, a, rows, cols, 0, rows, c0, c1)
}
