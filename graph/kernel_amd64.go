package graph

import "golang.org/x/sys/cpu"

//go:noescape
func spPanel64(dst *float32, rows int, cut *int32, a *float32, idx *int32, b *float32, ld int, dstStride int, cutStride int, csrStride int, init *float32, mode int)

//go:noescape
func nonzeros8(x *float32, blocks int, idx *int32, val *float32, perm *[256][8]int32, step *[16]int32) int

//go:noescape
func reluGrad8(y, dy, dz *float32, blocks int)

//go:noescape
func add8(dst, src *float32, blocks int)

//go:noescape
func transpose8(dst *float32, ldd int, src *float32, lds int, blocks int)

// transpose32 writes to t the transpose of columns [c0, c1) of the
// rows×cols matrix a, as rows [c0, c1) of the cols×rows matrix t: 8×8
// blocks with AVX, the edges in Go.
func transpose32(t, a []float32, rows, cols, c0, c1 int) {
	r8 := 0
	if hasFMA32 {
		r8 = rows / 8 * 8
		b0, b1 := (c0+7)/8, c1/8 // whole blocks of 8 columns inside [c0, c1)
		if b1 > b0 {
			for i := 0; i < r8; i += 8 {
				_ = a[(i+7)*cols+8*b1-1]
				_ = t[(8*b1-1)*rows+i+7]
				transpose8(&t[8*b0*rows+i], rows, &a[i*cols+8*b0], cols, b1-b0)
			}
			transposeGo(t, a, rows, cols, 0, r8, c0, 8*b0)
			transposeGo(t, a, rows, cols, 0, r8, 8*b1, c1)
		} else {
			transposeGo(t, a, rows, cols, 0, r8, c0, c1)
		}
	}
	transposeGo(t, a, rows, cols, r8, rows, c0, c1)
}

//go:noescape
func dot4x16(a, b *float32, ldb int, blocks int, out *float32)

// dot4 sets out[r] to the dot product of a with b[r·ldb:r·ldb+len(a)] for
// r < 4; len(a) must be a multiple of 16 (AVX2/FMA only: see hasFMA32).
func dot4(a, b []float32, ldb int, out *[4]float32) {
	_ = b[3*ldb+len(a)-1]
	dot4x16(&a[0], &b[0], ldb, len(a)/16, &out[0])
}

// nzPerm[m] lists the positions of the set bits of m, lowest first: the
// permutation that packs the nonzero lanes of a block of 8 whose nonzero
// mask is m. nzStep is the first block's offset (0) and the step from one
// block's offset to the next (8), in every lane.
var (
	nzPerm = func() (t [256][8]int32) {
		for m := range t {
			k := 0
			for b := 0; b < 8; b++ {
				if m&(1<<b) != 0 {
					t[m][k] = int32(b)
					k++
				}
			}
		}
		return t
	}()
	nzStep = [16]int32{0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8}
)

// nonzeros32 writes the positions and values of x's nonzero elements to
// idx and val (each at least as long as x) and returns their count.
func nonzeros32(x []float32, idx []int32, val []float32) int {
	blocks := len(x) / 8
	n := 0
	if hasFMA32 && blocks > 0 {
		_, _ = idx[8*blocks-1], val[8*blocks-1]
		n = nonzeros8(&x[0], blocks, &idx[0], &val[0], &nzPerm, &nzStep)
	} else {
		blocks = 0
	}
	for k := 8 * blocks; k < len(x); k++ {
		if x[k] != 0 {
			idx[n], val[n] = int32(k), x[k]
			n++
		}
	}
	return n
}

// reluGrad32 sets dz to dy where y ≠ 0 and to +0 elsewhere.
func reluGrad32(y, dy, dz []float32) {
	n := 0
	if hasFMA32 && len(y) >= 8 {
		n = len(y) / 8 * 8
		_, _ = dy[n-1], dz[n-1]
		reluGrad8(&y[0], &dy[0], &dz[0], n/8)
	}
	for i := n; i < len(y); i++ {
		if y[i] != 0 {
			dz[i] = dy[i]
		} else {
			dz[i] = 0
		}
	}
}

// add32 adds src to dst.
func add32(dst, src []float32) {
	n := 0
	if hasFMA32 && len(dst) >= 8 {
		n = len(dst) / 8 * 8
		_ = src[n-1]
		add8(&dst[0], &src[0], n/8)
	}
	for i := n; i < len(dst); i++ {
		dst[i] += src[i]
	}
}

// hasFMA32 reports whether the CPU and OS support AVX2 and FMA, which the
// sparse float32 kernel needs (x/sys/cpu also checks that the OS saves the
// YMM registers).
var hasFMA32 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// zeros64 initialises the first panel of a product without a bias.
var zeros64 [64]float32

// spPanel adds, for every row r of c, the terms of its nonzeros in panel p
// (cut, from spmm) to out[r·n+jb : r·n+jb+64], one assembly call for all
// rows. The first panel starts from init[jb:jb+64] (zeros when init is
// nil) instead of out, and the last applies a ReLU when relu is set. It
// reports false, doing nothing, without AVX2/FMA.
// b is the packed block (its column jb at b[0]).
func spPanel(out []float32, n, jb int, c *csr[float32], cut []int32, panels, p int, b []float32, ld int, init []float32, relu bool) bool {
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
