package train

import "github.com/gradgraph/gradgraph/internal/kernels"

// inChunks runs fn over [0, n) in one contiguous chunk per core when n is
// at least kernels.ChunkMin elements (a 784×512 kernel is) and the split
// has measured faster (kernels.ParallelElems), and inline otherwise. The
// chunks are disjoint, so elementwise optimiser updates give the same
// result either way.
func inChunks(n int, fn func(lo, hi int)) { kernels.ParallelElems(n, fn) }
