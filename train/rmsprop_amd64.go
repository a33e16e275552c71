package train

//go:noescape
func rmsprop8(w, grad, v *float32, n int, lr, rho, omr, eps float32)

func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)
func xgetbv() (eax, edx uint32)

// hasAVX2 reports whether the CPU and OS support AVX2 (the RMSprop kernel
// uses AVX only, but AVX2 machines are the ones worth the check).
var hasAVX2 = func() bool {
	maxLeaf, _, _, _ := cpuid(0, 0)
	if maxLeaf < 7 {
		return false
	}
	_, _, c, _ := cpuid(1, 0)
	const osxsave, avx = 1 << 27, 1 << 28
	if c&osxsave == 0 || c&avx == 0 {
		return false
	}
	if xcr0, _ := xgetbv(); xcr0&6 != 6 {
		return false
	}
	_, b, _, _ := cpuid(7, 0)
	return b&(1<<5) != 0
}()

// rmspropStep32 is the float32 RMSprop step: 8 elements at a time with AVX
// (bit-identical to rmspropStep32Go) and the tail in Go.
func rmspropStep32(w, g, v []float32, lr, rho, eps float32) {
	n := len(w)
	g, v = g[:n], v[:n]
	k := 0
	if hasAVX2 && n >= 8 {
		k = n &^ 7
		rmsprop8(&w[0], &g[0], &v[0], k, lr, rho, 1-rho, eps)
	}
	rmspropStep32Go(w[k:], g[k:], v[k:], lr, rho, eps)
}
