package gemm

import (
	"fmt"
	"math/rand"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShapes are the products of the benchmark: a 784→512 layer on
// a batch of 128 (forward and both backward products), the 512→10 output
// layer, and square 512 and 1024 products.
var benchShapes = []gemmCase{
	{false, false, 128, 512, 784, 1, 0}, // x·W
	{false, true, 128, 784, 512, 1, 0},  // dy·Wᵀ
	{true, false, 784, 512, 128, 1, 0},  // xᵀ·dy
	{false, false, 512, 512, 512, 1, 0},
	{true, true, 512, 512, 512, 1, 0},
	{false, false, 128, 10, 512, 1, 0},
	{false, false, 1024, 1024, 1024, 1, 0},
}

func (g gemmCase) benchName() string {
	t := func(b bool) string {
		if b {
			return "T"
		}
		return "N"
	}
	return fmt.Sprintf("%s%s_%dx%dx%d", t(g.transA), t(g.transB), g.m, g.n, g.k)
}

// BenchmarkSgemm times Sgemm and gonum's pure-Go Sgemm on the same operands,
// at GOMAXPROCS 1 and at the process's GOMAXPROCS, reporting GFLOP/s
// (2·m·n·k flops per call).
func BenchmarkSgemm(b *testing.B) {
	all := runtime.GOMAXPROCS(0)
	for _, g := range benchShapes {
		rng := rand.New(rand.NewSource(1))
		a, bm := randSlice(rng, g.m*g.k), randSlice(rng, g.k*g.n)
		c := make([]float32, g.m*g.n)
		lda, ldb := g.k, g.n
		if g.transA {
			lda = g.m
		}
		if g.transB {
			ldb = g.k
		}
		flops := 2 * float64(g.m) * float64(g.n) * float64(g.k)
		for _, procs := range []int{1, all} {
			b.Run(fmt.Sprintf("%s/%s/procs=%d", g.benchName(), kernel.name, procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				timed(b, flops, procs == 1, func() {
					if err := Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, lda, bm, ldb, g.beta, c, g.n); err != nil {
						b.Fatal(err)
					}
				})
			})
			b.Run(fmt.Sprintf("%s/gonum/procs=%d", g.benchName(), procs), func(b *testing.B) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				ta, tb := blas.NoTrans, blas.NoTrans
				if g.transA {
					ta = blas.Trans
				}
				if g.transB {
					tb = blas.Trans
				}
				var impl gonum.Implementation
				// gonum's Sgemm starts goroutines even at GOMAXPROCS 1, so
				// the caller's CPU time would not cover its work: wall only.
				timed(b, flops, false, func() {
					impl.Sgemm(ta, tb, g.m, g.n, g.k, g.alpha, a, lda, bm, ldb, g.beta, c, g.n)
				})
			})
		}
	}
}

// timed runs f b.N times and reports GFLOP/s of wall time and, when one
// goroutine does all the work (single), of the thread's CPU time too
// ("GFLOP/s-cpu"): on a shared machine the wall-clock rate counts the time
// other processes held the core, the CPU-time rate does not.
func timed(b *testing.B, flops float64, single bool, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	c0 := threadCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f()
	}
	b.StopTimer()
	cpu := threadCPU() - c0
	b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if single && cpu > 0 {
		b.ReportMetric(flops*float64(b.N)/cpu.Seconds()/1e9, "GFLOP/s-cpu")
	}
}

// BenchmarkSgemmSplit times the product sizes around the kernels' minSplit
// on one goroutine and split in two, to place the threshold: run with -cpu 2
// (and under GODEBUG=cpu.avx512f=off for the AVX2 kernel's).
func BenchmarkSgemmSplit(b *testing.B) {
	for _, s := range [][3]int{{32, 128, 256}, {64, 128, 256}, {64, 256, 256}, {128, 256, 256}, {128, 512, 256}} {
		m, n, k := s[0], s[1], s[2]
		rng := rand.New(rand.NewSource(1))
		a, bm, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
		p := &problem{m: m, n: n, k: k, a: a, lda: k, b: bm, ldb: n, c: c, ldc: n, kern: kernel}
		p.kc, p.mc, p.nc = blocks(p.kern, m, n, k)
		for _, parts := range []int{1, 2} {
			b.Run(fmt.Sprintf("%dx%dx%d/parts=%d", m, n, k, parts), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if parts == 1 {
						p.columns(0, n)
						continue
					}
					p.runSplit(2)
				}
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			})
		}
	}
}
