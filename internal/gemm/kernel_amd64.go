//go:build !noasm

package gemm

import "golang.org/x/sys/cpu"

// kern12x32 is the AVX-512 micro-kernel (kernel_amd64.s): a 12×32 tile of C.
//
//go:noescape
func kern12x32(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)

// kern6x16 is the AVX2+FMA micro-kernel (kernel_amd64.s): a 6×16 tile of C.
//
//go:noescape
func kern6x16(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)

// transpose8 packs 8 rows × 8·blocks columns transposed (kernel_amd64.s).
// It needs AVX (ymm registers, no FMA).
//
//go:noescape
func transpose8(dst *float32, ldd int, src *float32, lds int, blocks int)

// Transpose8 is transpose8 for the other packages that transpose 8×8
// blocks (internal/kernels' TransposeRows): blocks 8×8 blocks, block q
// being src[r·lds + 8q + c] for r, c < 8, go to dst[(8q + c)·ldd + r]
// (strides in elements). The caller checks the bounds and that the CPU
// has AVX. It is the one copy of the routine.
func Transpose8(dst *float32, ldd int, src *float32, lds int, blocks int) {
	transpose8(dst, ldd, src, lds, blocks)
}

// interleave6 packs 6 rows × 8·blocks columns into a 6-wide panel,
// dst[6p + r] = src[r·lds + p] (kernel_amd64.s). It needs AVX.
//
//go:noescape
func interleave6(dst, src *float32, lds int, blocks int)

// copyRunsAsm copies steps runs of w floats (w one of 6, 12, 16, 32), run
// p from src + p·ld to dst + p·w (kernel_amd64.s). It needs AVX.
//
//go:noescape
func copyRunsAsm(dst, src *float32, ld, w, steps int)

// asmPack says whether packing may use transpose8 (AVX2). Tests clear it
// to check the Go path on this machine.
var asmPack = cpu.X86.HasAVX2

// fmaPeak512 and fmaPeak256 run register-only FMA loops (peak_amd64.s); the
// benchmarks time them to state the core's FMA peak in the same run.
//
//go:noescape
func fmaPeak512(iters int)

//go:noescape
func fmaPeak256(iters int)

// avx512 is the 12×32 zmm kernel. Twelve rows × two vectors use 24 of the
// 32 zmm registers as accumulators, leaving two for B and six for A's
// broadcasts; 24 independent FMA chains cover the FMA latency (4 cycles) ×
// throughput (2 per cycle on Intel and Zen 5, 1 on double-pumped Zen 4)
// several times over, and each k step needs only 2 vector loads and 12
// broadcasts for 24 FMAs. Twelve rows waste 3% on the batch of 128 (11
// tiles of 12 = 132) against 9% for 14 rows, and 32 columns divide the
// usual layer widths (512, 1024).
var avx512 = &microKernel{name: "avx512", mr: 12, nr: 32, kcMax: 512, minSplit: 1 << 22, fn: kern12x32}

// avx2 is the classic 6×16 ymm kernel: 12 accumulators, two B vectors and
// two broadcast registers fill AVX2's 16 ymm registers.
var avx2 = &microKernel{name: "avx2", mr: 6, nr: 16, kcMax: 256, minSplit: 1 << 21, fn: kern6x16}

// bestKernel picks the widest kernel this CPU and OS support. It reads
// golang.org/x/sys/cpu, which honours GODEBUG (cpu.avx512f=off forces the
// AVX2 kernel, cpu.avx2=off or cpu.fma=off the Go one).
func bestKernel() *microKernel {
	switch {
	case cpu.X86.HasAVX512F:
		return avx512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA:
		return avx2
	}
	return goKernel
}

// asmKernels lists the assembly kernels this CPU can run, for the tests.
func asmKernels() []*microKernel {
	var ks []*microKernel
	if cpu.X86.HasAVX512F {
		ks = append(ks, avx512)
	}
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		ks = append(ks, avx2)
	}
	return ks
}
