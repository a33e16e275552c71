package kernels

// The sizes and densities that choose among kernels. Each is either
// derived from a kernel's shape or measured; the benchmark named in its
// comment reproduces the measurement (go test -run '^$' -bench NAME
// ./internal/kernels). None is a property of one data set.

// SparseMax is the fraction of nonzero inputs below which a dense layer
// multiplies by skipping zeros (Spmm on the inputs' CSR) instead of gemm.
var SparseMax = 0.30

// SparseMinWidth is the fewest units (output columns) for which the
// zero-skipping product is considered.
const SparseMinWidth = 64

// SkinnyMax is the largest narrow dimension sent through the skinny
// products (Skinny) instead of gemm.
const SkinnyMax = 32

// ParallelMin is the least work, in element operations, that ParallelRows
// shares out among the cores.
const ParallelMin = 1 << 13

// GemmRowsMin and GemmParallelMin are the fewest rows, and the fewest
// multiply-adds, of a product that GemmRows shares out among the cores.
const (
	GemmRowsMin     = 16
	GemmParallelMin = 1 << 17
)

// ChunkMin is the fewest elements of an elementwise update (an optimiser
// step, a batch of pixels to scale) that is shared out among the cores.
const ChunkMin = 1 << 15
