//go:build !noasm

package kernels

//go:noescape
func spPanel64(dst *float32, rows int, cut *int32, a *float32, idx *int32, b *float32, ld int, dstStride int, cutStride int, csrStride int, init *float32, mode int)

// zeros64 initialises the first panel of a product without a bias.
var zeros64 [64]float32

// spPanel adds, for every row r of c, the terms of its nonzeros in panel p
// (cut, from Spmm) to out[r·n+jb : r·n+jb+64], one assembly call for all
// rows. The first panel starts from init[jb:jb+64] (zeros when init is
// nil) instead of out, and the last applies a ReLU when relu is set. It
// reports false, doing nothing, without AVX2/FMA. b is the packed block
// (its column jb at b[0]). Its reference is spBlockGo.
func spPanel(out []float32, n, jb int, c *CSR[float32], cut []int32, panels, p int, b []float32, ld int, init []float32, relu bool) bool {
	if !hasFMA32 {
		return false
	}
	rows := len(c.cnt)
	_ = out[(rows-1)*n+jb+63]
	mode := 0
	s := &zeros64[0]
	if p == 0 {
		mode |= 1
		if init != nil {
			s = &init[jb : jb+64][0]
		}
	}
	if relu && p == panels-1 {
		mode |= 2
	}
	spPanel64(&out[jb], rows, &cut[p], &c.val[0], &c.idx[0], &b[0], ld, 4*n, 4*(panels+1), 4*c.stride, s, mode)
	return true
}
