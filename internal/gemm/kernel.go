package gemm

import "unsafe"

// microKernel is a register-blocked kernel and the blocking that suits it.
// fn computes the mr×nr tile C = alpha·Σ_p a_p ⊗ b_p + beta·C over k steps,
// from a packed mr-row panel a (mr values per step) and nr columns of B (nr
// contiguous values per step, steps ldb elements apart: nr for a packed
// panel, B's own stride when read in place), C at c with row stride ldc; it does
// not read C when beta is 0 (±0), so NaN there is overwritten, as in BLAS.
// Each element is one chain of FMAs (or multiply-adds) in ascending p, so the
// result depends only on the shapes, not on which goroutine ran the tile.
type microKernel struct {
	name   string
	mr, nr int
	kcMax  int // longest depth block, measured per kernel (see doc.go)
	fn     func(k int, a, b *float32, ldb int, c *float32, ldc int, alpha, beta float32)
}

// goKernel is the portable kernel: 4×4 scalars, sixteen accumulators that the
// Go compiler keeps in registers, used on CPUs without AVX2+FMA, other
// architectures and the noasm build.
var goKernel = &microKernel{name: "go", mr: 4, nr: 4, kcMax: 256, fn: kern4x4Go}

// kern4x4Go is goKernel's fn.
func kern4x4Go(k int, ap, bp *float32, ldb int, cp *float32, ldc int, alpha, beta float32) {
	a := unsafe.Slice(ap, 4*k)
	b := unsafe.Slice(bp, (k-1)*ldb+4)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	for p := 0; p < k; p++ {
		av := a[4*p : 4*p+4 : 4*p+4]
		bv := b[p*ldb : p*ldb+4 : p*ldb+4]
		a0, a1, a2, a3 := av[0], av[1], av[2], av[3]
		b0, b1, b2, b3 := bv[0], bv[1], bv[2], bv[3]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		c30 += a3 * b0
		c31 += a3 * b1
		c32 += a3 * b2
		c33 += a3 * b3
	}
	c := unsafe.Slice(cp, 3*ldc+4)
	store4(c[0:4:4], alpha, beta, c00, c01, c02, c03)
	store4(c[ldc:ldc+4:ldc+4], alpha, beta, c10, c11, c12, c13)
	store4(c[2*ldc:2*ldc+4:2*ldc+4], alpha, beta, c20, c21, c22, c23)
	store4(c[3*ldc:3*ldc+4:3*ldc+4], alpha, beta, c30, c31, c32, c33)
}

// store4 writes one row of goKernel's tile: alpha·acc + beta·C, without
// reading C when beta is 0.
func store4(c []float32, alpha, beta float32, v0, v1, v2, v3 float32) {
	if beta == 0 {
		c[0], c[1], c[2], c[3] = alpha*v0, alpha*v1, alpha*v2, alpha*v3
		return
	}
	c[0] = alpha*v0 + beta*c[0]
	c[1] = alpha*v1 + beta*c[1]
	c[2] = alpha*v2 + beta*c[2]
	c[3] = alpha*v3 + beta*c[3]
}
