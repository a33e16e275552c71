package graph

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:noescape
func spAccum64(dst *float32, a *float32, idx *int32, n int, b *float32, ld int)

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
