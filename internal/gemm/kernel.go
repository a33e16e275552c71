package gemm

import (
	"unsafe"

	"github.com/gradgraph/gradgraph/internal/fma"
)

// microKernel is a register-blocked kernel and the blocking that suits it.
// fn computes the mr×nr tile C = C₀ + Σ_p a_p ⊗ b_p over k steps, C₀ being
// the tile's current value when acc is nonzero and 0 otherwise (C is then
// not read, so NaN there is overwritten), from a packed mr-row panel a (mr
// values per step) and nr columns of B (nr contiguous values per step,
// steps ldb elements apart: nr for a packed panel, B's own stride when read
// in place), C at c with row stride ldc. Each element is one chain of fused
// multiply-adds in ascending p starting from C₀, rounded once per step, so
// every kernel gives the same bits as every other, and a product cut into
// depth blocks (acc set for all but the first) the same bits as one chain.
type microKernel struct {
	name   string
	mr, nr int
	kcMax  int // longest depth block, measured per kernel (see doc.go); it changes no bit
	// minSplit is the fewest multiply-adds (m·n·k) per goroutine for
	// which a product is split across cores: about 50 µs of one core at
	// the kernel's rate, against a hand-off to a parked worker of a few
	// µs (split.BenchmarkHandoff), so that a split part loses at most
	// about 10% to it; a slower kernel splits smaller products
	// (BenchmarkSgemmSplit places it; BENCHMARKS.md, "Sgemm" and "AVX2
	// speed (issue 25)").
	minSplit int
	fn       func(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)
}

// goKernel is the portable kernel: 4×4 scalars, sixteen accumulators that the
// Go compiler keeps in registers, used on CPUs without AVX2+FMA, other
// architectures and the noasm build. Its multiply-adds are fma.F32, rounded
// once as the assembly kernels' FMA instructions round them.
var goKernel = &microKernel{name: "go", mr: 4, nr: 4, kcMax: 256, minSplit: 1 << 17, fn: kern4x4Go}

// kern4x4Go is goKernel's fn.
func kern4x4Go(k int, ap, bp *float32, ldb int, cp *float32, ldc int, acc int) {
	a := unsafe.Slice(ap, 4*k)
	b := unsafe.Slice(bp, (k-1)*ldb+4)
	c := unsafe.Slice(cp, 3*ldc+4)
	var c00, c01, c02, c03, c10, c11, c12, c13 float32
	var c20, c21, c22, c23, c30, c31, c32, c33 float32
	if acc != 0 {
		c00, c01, c02, c03 = c[0], c[1], c[2], c[3]
		c10, c11, c12, c13 = c[ldc], c[ldc+1], c[ldc+2], c[ldc+3]
		c20, c21, c22, c23 = c[2*ldc], c[2*ldc+1], c[2*ldc+2], c[2*ldc+3]
		c30, c31, c32, c33 = c[3*ldc], c[3*ldc+1], c[3*ldc+2], c[3*ldc+3]
	}
	for p := 0; p < k; p++ {
		av := a[4*p : 4*p+4 : 4*p+4]
		bv := b[p*ldb : p*ldb+4 : p*ldb+4]
		a0, a1, a2, a3 := float64(av[0]), float64(av[1]), float64(av[2]), float64(av[3])
		b0, b1, b2, b3 := float64(bv[0]), float64(bv[1]), float64(bv[2]), float64(bv[3])
		// One fma.F32 each, written out so that the common case inlines:
		// the float64 product is exact and the sum rounded once.
		if s := float64(a0*b0) + float64(c00); fma.MayTie(s) {
			c00 = fma.F32(float32(a0), float32(b0), c00)
		} else {
			c00 = float32(s)
		}
		if s := float64(a0*b1) + float64(c01); fma.MayTie(s) {
			c01 = fma.F32(float32(a0), float32(b1), c01)
		} else {
			c01 = float32(s)
		}
		if s := float64(a0*b2) + float64(c02); fma.MayTie(s) {
			c02 = fma.F32(float32(a0), float32(b2), c02)
		} else {
			c02 = float32(s)
		}
		if s := float64(a0*b3) + float64(c03); fma.MayTie(s) {
			c03 = fma.F32(float32(a0), float32(b3), c03)
		} else {
			c03 = float32(s)
		}
		if s := float64(a1*b0) + float64(c10); fma.MayTie(s) {
			c10 = fma.F32(float32(a1), float32(b0), c10)
		} else {
			c10 = float32(s)
		}
		if s := float64(a1*b1) + float64(c11); fma.MayTie(s) {
			c11 = fma.F32(float32(a1), float32(b1), c11)
		} else {
			c11 = float32(s)
		}
		if s := float64(a1*b2) + float64(c12); fma.MayTie(s) {
			c12 = fma.F32(float32(a1), float32(b2), c12)
		} else {
			c12 = float32(s)
		}
		if s := float64(a1*b3) + float64(c13); fma.MayTie(s) {
			c13 = fma.F32(float32(a1), float32(b3), c13)
		} else {
			c13 = float32(s)
		}
		if s := float64(a2*b0) + float64(c20); fma.MayTie(s) {
			c20 = fma.F32(float32(a2), float32(b0), c20)
		} else {
			c20 = float32(s)
		}
		if s := float64(a2*b1) + float64(c21); fma.MayTie(s) {
			c21 = fma.F32(float32(a2), float32(b1), c21)
		} else {
			c21 = float32(s)
		}
		if s := float64(a2*b2) + float64(c22); fma.MayTie(s) {
			c22 = fma.F32(float32(a2), float32(b2), c22)
		} else {
			c22 = float32(s)
		}
		if s := float64(a2*b3) + float64(c23); fma.MayTie(s) {
			c23 = fma.F32(float32(a2), float32(b3), c23)
		} else {
			c23 = float32(s)
		}
		if s := float64(a3*b0) + float64(c30); fma.MayTie(s) {
			c30 = fma.F32(float32(a3), float32(b0), c30)
		} else {
			c30 = float32(s)
		}
		if s := float64(a3*b1) + float64(c31); fma.MayTie(s) {
			c31 = fma.F32(float32(a3), float32(b1), c31)
		} else {
			c31 = float32(s)
		}
		if s := float64(a3*b2) + float64(c32); fma.MayTie(s) {
			c32 = fma.F32(float32(a3), float32(b2), c32)
		} else {
			c32 = float32(s)
		}
		if s := float64(a3*b3) + float64(c33); fma.MayTie(s) {
			c33 = fma.F32(float32(a3), float32(b3), c33)
		} else {
			c33 = float32(s)
		}
	}
	c[0], c[1], c[2], c[3] = c00, c01, c02, c03
	c[ldc], c[ldc+1], c[ldc+2], c[ldc+3] = c10, c11, c12, c13
	c[2*ldc], c[2*ldc+1], c[2*ldc+2], c[2*ldc+3] = c20, c21, c22, c23
	c[3*ldc], c[3*ldc+1], c[3*ldc+2], c[3*ldc+3] = c30, c31, c32, c33
}
