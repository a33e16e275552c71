package graph

import "unsafe"

//go:noescape
func spAccum64(dst *float32, a *float32, idx *int32, n int, b *float32, ld int)

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// hasFMA32 reports whether the CPU and OS support AVX2 and FMA, which the
// sparse float32 kernel needs.
var hasFMA32 = func() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c, _ := cpuid(1, 0)
	const fma, osxsave, avx = 1 << 12, 1 << 27, 1 << 28
	if c&fma == 0 || c&osxsave == 0 || c&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 { // XMM and YMM state saved
		return false
	}
	_, b, _, _ := cpuid(7, 0)
	return b&(1<<5) != 0 // AVX2
}()

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
