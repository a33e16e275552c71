package kernels

import "math"

// The sizes and densities that choose among kernels. Each is derived from
// a kernel's shape or a measured cost, or bounded by a measurement; the
// benchmark named in its comment gives the numbers:
//
//	go test -run '^$' -bench NAME -benchtime 1x -v ./internal/kernels
//	go test -tags openblas -run '^$' -bench NAME -benchtime 1x -v ./internal/kernels
//
// The figures, with their date and machine, are in BENCHMARKS.md ("Kernel
// thresholds"); a comment below quotes only the costs its derivation uses.
// On a shared machine the costs of one core and of a hand-off are
// reliable, the speed-ups of a split are not. None is a property of one
// data set.

// SparseMaxFor is the fraction of nonzero inputs below which a dense layer
// of the given width (units, its output columns) multiplies by skipping
// zeros (Spmm on the inputs' CSR, forward and weight gradient) instead of
// calling gemm. The density is measured on every batch (SparseDensity), so
// the choice follows the data: raw pixels (about 80% zeros), ReLU outputs,
// or standardised inputs with none. The width matters because a nonzero
// costs one row of `units` multiply-adds either way, while gemm's speed per
// multiply-add is the same at every width: narrower layers give the
// zero-skipping loop shorter rows, so it needs fewer nonzeros to win.
//
// BenchmarkSparseCrossover (batch 128, 784 inputs, one core, against the
// pure-Go default's own sgemm, internal/gemm) places, per width, the
// density below which zero-skipping wins in the forward product and in the
// weight gradient; the crossover rises with the width. On two quiet cores
// it lies higher, with gonum and with OpenBLAS, because the two kernels
// split differently over the cores. The threshold is the one-core
// crossover, which is where a busy machine runs: 0.15 at 64 units, 0.2 at
// 128, 0.25 from 256 on, linear in log₂(units) between. Below
// SparseMinWidth it is 0.
func SparseMaxFor(units int) float64 {
	switch {
	case units < SparseMinWidth:
		return 0
	case units >= 256:
		return 0.25
	case units >= 128:
		return 0.2 + float64(0.05*(math.Log2(float64(units))-7))
	default:
		return 0.15 + float64(0.05*(math.Log2(float64(units))-6))
	}
}

// SparseMinWidth is the fewest units (output columns) for which the
// zero-skipping product is considered: Spmm's assembly panel kernel works
// on blocks of 64 output columns, and narrower products go through its Go
// loop (one BLAS axpy per nonzero), which BenchmarkSparseCrossover at 32
// units measures slower than gemm at every density, gonum's and OpenBLAS's
// alike.
const SparseMinWidth = 64

// SkinnyMax is the largest narrow dimension sent through the skinny
// products (Skinny) instead of gemm. BenchmarkSkinnyCrossover (batch 128,
// 512 inputs, narrow side 4 to 128): against gonum's gemm the skinny
// kernels are faster in all three products up to 128, so 32 is a
// conservative bound there. Against OpenBLAS they are not faster beyond a
// few columns; the choice does not look at the BLAS today (a change of
// kernel would change results in the last bit), which the measurement says
// it should.
const SkinnyMax = 32

// ParallelMin is the least work, in element operations (one pass of a
// scalar loop, about 0.3 ns), that ParallelRows shares out among the cores.
// Sharing n operations of cost c over p cores saves n·c·(1−1/p) and costs a
// hand-off h to the pool's spinning workers. BenchmarkParallelCrossover
// measures h (the shared time minus the inline time at 1k elements) and c
// for an RMSprop element; with h ≈ 1.2 µs and c ≈ 0.29 ns, and p = 2, the
// split pays from 2h/c ≈ 8k operations: 1<<13.
const ParallelMin = 1 << 13

// GemmRowsMin and GemmParallelMin are the fewest rows, and the fewest
// multiply-adds, of a product that GemmRows shares out among the cores.
// With the hand-off h ≈ 1.2 µs (ParallelMin) and OpenBLAS's single-thread
// cost c ≈ 0.023 ns per multiply-add (BenchmarkGemmRowsCrossover), the
// split pays from 2h/c ≈ 100k multiply-adds: 1<<17 (gonum, at c ≈ 0.19 ns,
// would pay from ~13k). 16 rows gives each of two cores at least 8, the
// row block of the BLAS kernels; it is not measured apart.
const (
	GemmRowsMin     = 16
	GemmParallelMin = 1 << 17
)

// ChunkMin is the fewest elements of an elementwise update (an optimiser
// step; the samples of a batch to fill) that is shared out among the cores:
// 2h/c as for ParallelMin, for the cheapest update, a vector add or axpy at
// c ≈ 0.08 ns per element with AVX (BenchmarkParallelCrossover, "add"), is
// 2·1.2 µs / 0.08 ns ≈ 30k: 1<<15. Dearer updates (RMSprop, 0.29 ns) would
// pay from ~8k.
const ChunkMin = 1 << 15
