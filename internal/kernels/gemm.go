package kernels

import (
	"runtime"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/gradgraph/gradgraph/internal/split"
)

// BLAS is the BLAS the products call (Gemm, GemmRows, Spmm's float64
// path): gonum's interfaces, which every BLAS Gorgonia can use satisfies.
type BLAS interface {
	gblas.Float32
	gblas.Float64
}

// whichBLAS returns the BLAS to call. Package graph sets it (UseBLAS) to
// the one installed in Gorgonia, so that the kernels follow gorgonia.Use
// without importing Gorgonia; without graph it is gonum's, Gorgonia's own
// default.
var whichBLAS = func() BLAS { return gonum.Implementation{} }

// UseBLAS makes the kernels call the BLAS that which returns, at each
// call. It is meant for an init function (package graph's): it is not
// safe while kernels run.
func UseBLAS(which func() BLAS) { whichBLAS = which }

// splitsItself reports whether the installed BLAS parallelises its own
// Sgemm (graph/blas's pure-Go default does).
func splitsItself() bool {
	s, ok := whichBLAS().(interface{ SplitsItself() bool })
	return ok && s.SplitsItself()
}

func trans(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// Gemm computes c = op(a)·op(b) (+ c when acc) for an m×n result with inner
// dimension k, through the BLAS installed in Gorgonia (UseBLAS: gonum's
// with gradgraph's sgemm, or OpenBLAS):
// c[i·ldc+j] = Σ_{t<k} op(a)[i][t]·op(b)[t][j] (+ c[i·ldc+j]), op(a) being
// a or its transpose when tA is set. lda, ldb and ldc are the row strides
// of a, b, c as stored.
func Gemm[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int) {
	impl := whichBLAS()
	switch a := any(a).(type) {
	case []float32:
		beta := float32(0)
		if acc {
			beta = 1
		}
		impl.Sgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float32), ldb, beta, any(c).([]float32), ldc)
	case []float64:
		beta := 0.0
		if acc {
			beta = 1
		}
		impl.Dgemm(trans(tA), trans(tB), m, n, k, 1, a, lda, any(b).([]float64), ldb, beta, any(c).([]float64), ldc)
	}
}

// GemmRows computes c = op(a)·op(b) like Gemm (acc false), with the rows of c
// shared out among the cores (split.Chunks), one BLAS call per chunk, when
// the product is big enough to pay for it (GemmRowsMin rows and
// GemmParallelMin multiply-adds), in no more chunks than its size pays for.
// OpenBLAS runs each call on one thread; gonum's gemm may start goroutines of
// its own for a big chunk, which then run on that chunk's core. after, when
// not nil, is run on each chunk of rows [lo, hi) by the core that computed
// them. The chunks depend on the shapes and GOMAXPROCS only, so the result is
// deterministic on a given machine; a BLAS may round an element differently
// depending on where its row falls in a chunk, so it can differ in the last
// bit between core counts.
func GemmRows[T Float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, after func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if _, f32 := any(a).([]float32); f32 && splitsItself() {
		// The BLAS shares the product out itself (and deterministically):
		// splitting its rows again would put two levels of workers on the
		// same cores. Only after is shared out here.
		Gemm(tA, tB, m, n, k, a, lda, b, ldb, false, c, ldc)
		if after != nil {
			if p < 2 || m < GemmRowsMin {
				after(0, m)
			} else {
				ParallelRows(m, n, after)
			}
		}
		return
	}
	if p < 2 || m < GemmRowsMin || m*n*k < GemmParallelMin {
		Gemm(tA, tB, m, n, k, a, lda, b, ldb, false, c, ldc)
		if after != nil {
			after(0, m)
		}
		return
	}
	// At most one chunk per core, per GemmRowsMin/2 rows (the BLAS's row block)
	// and per GemmParallelMin multiply-adds beyond the first two (a chunk's
	// hand-off must pay; splitBound): a 128-row batch on 16 cores gets 16 chunks
	// of 8 rows only when each is worth it. The count depends on the shapes and
	// GOMAXPROCS alone, never on timings, since the BLAS may round a row
	// differently depending on where it falls in a chunk.
	p = min(p, m/(GemmRowsMin/2), max(2, m*n*k/GemmParallelMin))
	split.Chunks(m, p, func(lo, hi int) {
		// Row lo of op(a) starts at row lo of a, or at its column lo when
		// a is transposed.
		ao := lo * lda
		if tA {
			ao = lo
		}
		Gemm(tA, tB, hi-lo, n, k, a[ao:], lda, b, ldb, false, c[lo*ldc:], ldc)
		if after != nil {
			after(lo, hi)
		}
	})
}
