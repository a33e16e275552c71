package graph

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func spAccum64(dst *float32, a *float32, idx *int32, n int, b *float32, ld int)

//go:noescape
func spPanel64(dst *float32, rows int, cut *int32, a *float32, idx *int32, b *float32, ld int, dstStride int, cutStride int, csrStride int)

// hasFMA32 reports whether the CPU and OS support AVX2 and FMA, which the
// sparse float32 kernel needs (x/sys/cpu also checks that the OS saves the
// YMM registers).
var hasFMA32 = cpu.X86.HasAVX2 && cpu.X86.HasFMA

// spAccumBlock adds Σ_t a[t]·b[idx[t]·ld + j] to dst[j] for j < len(dst),
// 64 columns at a time with the assembly kernel and the rest in Go.
func spAccumBlock(dst, a []float32, idx []int32, b []float32, ld int) {
	n := len(a)
	if n == 0 {
		return
	}
	j := 0
	if hasFMA32 {
		for ; j+64 <= len(dst); j += 64 {
			spAccum64(&dst[j], &a[0], &idx[0], n, (*float32)(unsafe.Pointer(&b[j])), ld)
		}
	}
	spAccumGo(dst[j:], a, idx, b[j:], ld)
}

// spPanel adds, for every row r of c, the terms of its nonzeros in panel p
// (cut, from spmm) to out[r·n+jb : r·n+jb+64], one assembly call for all
// rows. It reports false, doing nothing, without AVX2/FMA.
// b is the packed block (its column jb at b[0]).
func spPanel(out []float32, n, jb int, c *csr[float32], cut []int32, panels, p int, b []float32, ld int) bool {
	if !hasFMA32 {
		return false
	}
	rows := len(c.cnt)
	_ = out[(rows-1)*n+jb+63]
	spPanel64(&out[jb], rows, &cut[p], &c.val[0], &c.idx[0], &b[0], ld, 4*n, 4*(panels+1), 4*c.stride)
	return true
}
