package kernels

// Benchmarks that measure the thresholds of thresholds.go: each sweeps a
// range of shapes, times the competing kernels (the least of several
// runs, to see through noise from other processes) and logs the timings
// and the crossover. Run one at a time, once:
//
//	go test -run '^$' -bench SparseCrossover -benchtime 1x -v ./internal/kernels
//
// The numbers depend on the CPU, the core count (GOMAXPROCS) and the BLAS:
// gonum's pure Go, or OpenBLAS with -tags openblas (installed through
// graph/blas.Use, as the commands and train's benchmarks do).

import (
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/internal/split"
	"gorgonia.org/gorgonia"
)

// The tests call the BLAS installed in Gorgonia, as package graph makes
// the kernels do: graph/blas's default (gradgraph's sgemm), or what
// useBLAS installs.
func init() { UseBLAS(func() BLAS { return gorgonia.WhichBLAS() }) }

// useBLAS installs the BLAS of the build (blas.Use) and names it.
func useBLAS(b *testing.B) string {
	name, err := blas.Use()
	if err != nil {
		b.Logf("blas: %v", err)
	}
	return name
}

// fastest returns the least time of reps runs of f, after one to warm up.
func fastest(reps int, f func()) time.Duration {
	f()
	best := time.Duration(1<<63 - 1)
	for i := 0; i < reps; i++ {
		t0 := time.Now()
		f()
		best = min(best, time.Since(t0))
	}
	return best
}

// sparseInput is a bs×in matrix with the given fraction of nonzeros.
func sparseInput(rng *rand.Rand, bs, in int, density float64) []float32 {
	x := make([]float32, bs*in)
	for i := range x {
		if rng.Float64() < density {
			x[i] = rng.Float32()
		}
	}
	return x
}

func randn(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64()) * 0.05
	}
	return s
}

// BenchmarkSparseCrossover times a dense layer's forward product
// relu(x·W + b) and weight gradient xᵀ·dz both ways, zero-skipping (CSR +
// Spmm, as graph's dense op runs them) and dense (GemmRows), for batch 128,
// 784 inputs, a range of widths and input densities, and logs the density
// below which the zero-skipping kernel is faster for each width: what
// SparseMaxFor and SparseMinWidth are set from.
func BenchmarkSparseCrossover(b *testing.B) {
	const bs, in = 128, 784
	densities := []float64{0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1}
	useBLAS(b)
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewSource(1))
		var log strings.Builder
		for _, units := range []int{32, 64, 128, 256, 512} {
			w, bias, dz := randn(rng, in*units), randn(rng, units), randn(rng, bs*units)
			y, dw := make([]float32, bs*units), make([]float32, in*units)
			var c CSR[float32]
			xT := make([]float32, in*bs)
			fwdX, gradX := -1.0, -1.0
			fmt.Fprintf(&log, "units %d: density: forward sparse/dense µs, weight grad sparse/dense µs\n", units)
			for _, d := range densities {
				x := sparseInput(rng, bs, in, d)
				fs := fastest(5, func() {
					c.RowsOf(x, bs, in)
					Spmm(y, &c, w, units, units, bias, true)
				})
				fd := fastest(5, func() {
					GemmRows(false, false, bs, units, in, x, in, w, units, y, units, func(lo, hi int) {
						for r := lo; r < hi; r++ {
							AddTo(y[r*units:(r+1)*units], bias)
							ReLUInPlace(y[r*units : (r+1)*units])
						}
					})
				})
				gs := fastest(5, func() {
					TransposeRows(xT, x, bs, in)
					c.RowsOf(xT, in, bs)
					Spmm(dw, &c, dz, units, units, nil, false)
				})
				gd := fastest(5, func() {
					GemmRows(true, false, in, units, bs, x, in, dz, units, dw, units, nil)
				})
				if fs < fd {
					fwdX = d
				}
				if gs < gd {
					gradX = d
				}
				fmt.Fprintf(&log, "  %.2f: %6.0f / %6.0f   %6.0f / %6.0f\n", d,
					us(fs), us(fd), us(gs), us(gd))
			}
			fmt.Fprintf(&log, "  units %d: sparse faster up to density %.2f (forward), %.2f (weight grad); -1: never\n", units, fwdX, gradX)
		}
		b.Logf("GOMAXPROCS %d, assembly %v, BLAS %s\n%s", runtime.GOMAXPROCS(0), Assembly(), useBLAS(b), log.String())
	}
}

func us(d time.Duration) float64 { return float64(d) / 1e3 }

// BenchmarkSkinnyCrossover times the three products of a dense layer with
// a narrow side k (batch 128, 512 inputs): Skinny's Forward, InputGrad and
// WeightGrad against GemmRows, and logs the largest k for which Skinny is
// faster in all three: what SkinnyMax is set from.
func BenchmarkSkinnyCrossover(b *testing.B) {
	const bs, in = 128, 512
	useBLAS(b)
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewSource(2))
		var log strings.Builder
		largest := 0
		fmt.Fprintf(&log, "k: forward skinny/gemm µs, input grad, weight grad\n")
		for _, k := range []int{4, 10, 16, 24, 32, 48, 64, 96, 128} {
			x, w, bias, dz := randn(rng, bs*in), randn(rng, in*k), randn(rng, k), randn(rng, bs*k)
			y, dx, dw := make([]float32, bs*k), make([]float32, bs*in), make([]float32, in*k)
			var s Skinny[float32]
			t := [6]time.Duration{
				fastest(5, func() { s.Forward(y, x, w, bias, bs, in, k, false) }),
				fastest(5, func() { GemmRows(false, false, bs, k, in, x, in, w, k, y, k, nil) }),
				fastest(5, func() { s.InputGrad(dx, dz, w, nil, bs, in, k) }),
				fastest(5, func() { GemmRows(false, true, bs, in, k, dz, k, w, k, dx, in, nil) }),
				fastest(5, func() { s.WeightGrad(dw, x, dz, bs, in, k) }),
				fastest(5, func() { GemmRows(true, false, in, k, bs, x, in, dz, k, dw, k, nil) }),
			}
			if t[0] < t[1] && t[2] < t[3] && t[4] < t[5] {
				largest = k
			}
			fmt.Fprintf(&log, "  %3d: %6.0f / %6.0f   %6.0f / %6.0f   %6.0f / %6.0f\n", k,
				us(t[0]), us(t[1]), us(t[2]), us(t[3]), us(t[4]), us(t[5]))
		}
		fmt.Fprintf(&log, "  skinny faster in all three up to k = %d\n", largest)
		b.Logf("GOMAXPROCS %d, assembly %v, BLAS %s\n%s", runtime.GOMAXPROCS(0), Assembly(), useBLAS(b), log.String())
	}
}

// BenchmarkParallelCrossover times elementwise work of n elements inline
// and shared out by split.Chunks over GOMAXPROCS cores, for two kinds of
// element: AddTo (one add: ParallelRows' cost unit, for ParallelMin) and
// RMSprop32 (an optimiser step: for ChunkMin), and logs the least n at
// which sharing out is faster (and stays so).
func BenchmarkParallelCrossover(b *testing.B) {
	p := runtime.GOMAXPROCS(0)
	if p < 2 {
		b.Skip("one core: nothing to share out")
	}
	sizes := []int{1 << 10, 1 << 11, 1 << 12, 1 << 13, 1 << 14, 1 << 15, 1 << 16, 1 << 17, 1 << 18}
	useBLAS(b)
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewSource(3))
		var log strings.Builder
		for _, kind := range []string{"add", "rmsprop"} {
			from := -1
			fmt.Fprintf(&log, "%s: n: inline / shared µs\n", kind)
			for _, n := range sizes {
				w, g, v := randn(rng, n), randn(rng, n), make([]float32, n)
				fn := func(lo, hi int) { AddTo(w[lo:hi], g[lo:hi]) }
				if kind == "rmsprop" {
					fn = func(lo, hi int) { RMSprop32(w[lo:hi], g[lo:hi], v[lo:hi], 1e-3, 0.9, 0.1, 1e-7) }
				}
				inline := fastest(50, func() { fn(0, n) })
				shared := fastest(50, func() { split.Chunks(n, p, fn) })
				switch {
				case shared < inline && from < 0:
					from = n
				case shared >= inline:
					from = -1
				}
				fmt.Fprintf(&log, "  %7d: %7.1f / %7.1f\n", n, us(inline), us(shared))
			}
			fmt.Fprintf(&log, "  %s: sharing out pays from n = %d (-1: never in range)\n", kind, from)
		}
		b.Logf("GOMAXPROCS %d, BLAS %s\n%s", p, useBLAS(b), log.String())
	}
}

// BenchmarkGemmRowsCrossover times m×n×k products with one Gemm call and
// with GemmRows' split over the cores, and logs the least m·n·k from which
// the split is faster: what GemmParallelMin is set from (GemmRowsMin, 16
// rows, is two rows of 8 per core, the least a BLAS kernel's row blocking
// makes use of).
func BenchmarkGemmRowsCrossover(b *testing.B) {
	p := runtime.GOMAXPROCS(0)
	if p < 2 {
		b.Skip("one core: nothing to share out")
	}
	shapes := [][3]int{{16, 16, 16}, {16, 32, 64}, {32, 32, 64}, {32, 64, 64}, {64, 64, 64}, {64, 64, 128}, {128, 64, 128}, {128, 128, 128}, {128, 128, 256}}
	useBLAS(b)
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewSource(4))
		var log strings.Builder
		from := -1
		fmt.Fprintf(&log, "m×n×k (mnk): one call / split µs\n")
		for _, sh := range shapes {
			m, n, k := sh[0], sh[1], sh[2]
			a, bb, c := randn(rng, m*k), randn(rng, k*n), make([]float32, m*n)
			one := fastest(20, func() { Gemm(false, false, m, n, k, a, k, bb, n, false, c, n) })
			split := fastest(20, func() {
				split.Chunks(m, p, func(lo, hi int) {
					Gemm(false, false, hi-lo, n, k, a[lo*k:], k, bb, n, false, c[lo*n:], n)
				})
			})
			switch {
			case split < one && from < 0:
				from = m * n * k
			case split >= one:
				from = -1
			}
			fmt.Fprintf(&log, "  %d×%d×%d (%d): %7.1f / %7.1f\n", m, n, k, m*n*k, us(one), us(split))
		}
		fmt.Fprintf(&log, "  the split pays from m·n·k = %d (-1: never in range)\n", from)
		b.Logf("GOMAXPROCS %d, BLAS %s\n%s", p, useBLAS(b), log.String())
	}
}

// BenchmarkSpmmPanel times Spmm on the first layer of an MNIST-sized
// classifier (batch 128, 784 inputs 19% nonzero, 512 units, bias, ReLU)
// for a range of panel sizes (rows of b per panel), and logs the fastest:
// what spmmPanel is set from. The panel size changes no bit of the result.
func BenchmarkSpmmPanel(b *testing.B) {
	const bs, in, units = 128, 784, 512
	defer func(p int) { spmmPanel = p }(spmmPanel)
	for i := 0; i < b.N; i++ {
		rng := rand.New(rand.NewSource(5))
		x, w, bias := sparseInput(rng, bs, in, 0.19), randn(rng, in*units), randn(rng, units)
		y := make([]float32, bs*units)
		var c CSR[float32]
		c.RowsOf(x, bs, in)
		var log strings.Builder
		best, bestT := 0, time.Duration(1<<63-1)
		for _, ps := range []int{32, 64, 128, 196, 256, 392, 784} {
			spmmPanel = ps
			t := fastest(20, func() { Spmm(y, &c, w, units, units, bias, true) })
			if t < bestT {
				best, bestT = ps, t
			}
			fmt.Fprintf(&log, "  panel %4d rows: %6.1f µs\n", ps, us(t))
		}
		fmt.Fprintf(&log, "  fastest: %d rows\n", best)
		b.Logf("GOMAXPROCS %d, assembly %v\n%s", runtime.GOMAXPROCS(0), Assembly(), log.String())
	}
}
