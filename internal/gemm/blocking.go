package gemm

// Cache sizes are an assumption, not a query: golang.org/x/sys/cpu reports
// instruction sets but not cache sizes, and reading CPUID leaf 4 / 0x8000001D
// ourselves would need more assembly for little gain. The assumption is the
// floor of x86-64 cores with AVX2 of the last decade (Intel Haswell and
// later, AMD Zen and later): 512 KiB of L2 per core, which sizes the packed
// block of A. The depth block, which decides whether B's panel stays in the
// 32–48 KiB L1, was measured per kernel instead (microKernel.kcMax;
// BenchmarkSgemm with kcMax changed, BENCHMARKS.md "Sgemm", which also
// gives the caches of the machine it was measured on): the 12×32 kernel
// does 24 FMAs per 176 bytes loaded, so its 64 KiB B panel can stream from
// L2, and fewer depth blocks won more than L1 residency.
const (
	l2Bytes = 512 << 10
	// ncMax bounds the columns of one packed B block (kc×nc, meant for L3):
	// 4096 columns × 512 deep = 8 MiB, and wider layers than that are rare.
	ncMax = 4096
)

// blocks returns the depth block kc, row block mc and column block nc for
// an m×n×k product on kernel kern. The depth is split into equal blocks no
// longer than kern.kcMax (784 = 4 × 196, not 3 × 256 + 16), so no block is
// a sliver that pays the C update for little work. mc is a multiple of mr
// with the packed mc×kc block of A within half the L2 (the rest holds B's
// panel and C's tiles); nc is a multiple of nr.
func blocks(kern *microKernel, m, n, k int) (kc, mc, nc int) {
	nk := (k + kern.kcMax - 1) / kern.kcMax
	kc = (k + nk - 1) / nk
	mc = l2Bytes / 2 / (4 * kc) / kern.mr * kern.mr
	mc = max(kern.mr, min(mc, roundUp(m, kern.mr)))
	nc = min(ncMax/kern.nr*kern.nr, roundUp(n, kern.nr))
	return kc, mc, nc
}

// roundUp rounds x up to a multiple of q.
func roundUp(x, q int) int { return (x + q - 1) / q * q }
