//go:build !amd64

package graph

const hasFMA32 = false

func spAccumBlock(dst, a []float32, idx []int32, b []float32, ld int) { spAccumGo(dst, a, idx, b, ld) }

func spPanel(out []float32, n, jb int, c *csr[float32], cut []int32, panels, p int, b []float32, ld int) bool {
	return false
}
