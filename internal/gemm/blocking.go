package gemm

// Cache sizes are an assumption, not a query: golang.org/x/sys/cpu reports
// instruction sets but not cache sizes, and reading CPUID leaf 4 / 0x8000001D
// ourselves would need more assembly for little gain. The assumption is the
// floor of every x86-64 core with AVX2 of the last decade (Intel Haswell and
// later, AMD Zen and later): a 32 KiB L1 data cache and a 512 KiB L2 per
// core. This machine (AMD EPYC, Zen 4) has 48 KiB and 1 MiB, so the blocks
// below leave it headroom; the 12×32 kernel is compute-bound enough (2
// vector loads per 24 FMAs) that a B panel spilling to L2 still costs little.
const (
	l1Bytes = 32 << 10
	l2Bytes = 512 << 10
	// ncMax bounds the columns of one packed B block (kc×nc, meant for L3):
	// 4096 columns × 256 deep = 4 MiB, and wider layers than that are rare.
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
