package train

import (
	"runtime"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// inChunks runs fn over [0, n) in one contiguous chunk per core when n is
// at least kernels.ChunkMin elements (a 784×512 kernel is), for the
// parallel split to pay, and inline otherwise. The chunks are disjoint, so
// elementwise optimiser updates give the same result either way.
func inChunks(n int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p <= 1 || n < kernels.ChunkMin {
		fn(0, n)
		return
	}
	kernels.ParallelChunks(n, p, fn)
}
