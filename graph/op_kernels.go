package graph

import (
	"runtime"
	"sync"

	gblas "gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// Kernels shared by the fused ops (op_dense.go, op_logsoftmax.go). Matrices
// are row-major and dense; float is float32 or float64.

type float interface{ ~float32 | ~float64 }

func trans(t bool) gblas.Transpose {
	if t {
		return gblas.Trans
	}
	return gblas.NoTrans
}

// gemm computes c = op(a)·op(b) (+ c when acc) for an m×n result with inner
// dimension k, through the BLAS installed in Gorgonia (gonum or OpenBLAS).
// lda, ldb and ldc are the row strides of a, b, c as stored.
func gemm[T float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, acc bool, c []T, ldc int) {
	impl := G.WhichBLAS()
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

// parallelRows runs fn over [0, n) split into at most GOMAXPROCS contiguous
// chunks when the work (n·cost element operations) is big enough to pay for
// the goroutines, and inline otherwise.
func parallelRows(n, cost int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p > n {
		p = n
	}
	if p <= 1 || n*cost < 1<<16 {
		fn(0, n)
		return
	}
	var wg sync.WaitGroup
	chunk := (n + p - 1) / p
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	fn(0, min(chunk, n))
	wg.Wait()
}

// sparseRowsDensity returns the fraction of nonzero elements in a, looking
// at no more than about 16k of them (strided), which is enough to choose a
// kernel.
func sparseDensity[T float](a []T) float64 {
	if len(a) == 0 {
		return 1
	}
	step := len(a)/16384 + 1
	nz, seen := 0, 0
	for i := 0; i < len(a); i += step {
		if a[i] != 0 {
			nz++
		}
		seen++
	}
	return float64(nz) / float64(seen)
}

// axpy computes y += alpha·x with the installed BLAS (gonum's assembly
// loop for short vectors).
func axpy[T float](alpha T, x, y []T) {
	switch x := any(x).(type) {
	case []float32:
		G.WhichBLAS().Saxpy(len(x), float32(alpha), x, 1, any(y).([]float32), 1)
	case []float64:
		G.WhichBLAS().Daxpy(len(x), float64(alpha), x, 1, any(y).([]float64), 1)
	}
}

// spAccumGo adds Σ_t a[t]·b[idx[t]·ld + j] to dst[j] for j < len(dst).
func spAccumGo[T float](dst, a []T, idx []int32, b []T, ld int) {
	if len(dst) == 0 {
		return
	}
	for t, v := range a {
		row := b[int(idx[t])*ld:]
		axpy(v, row[:len(dst)], dst)
	}
}

// csr holds the nonzero elements of a row-major matrix (or of its
// transpose) row by row: row r has idx[ptr[r]:ptr[r+1]] and the values
// val[ptr[r]:ptr[r+1]]. Its buffers are reused from call to call.
type csr[T float] struct {
	ptr  []int
	idx  []int32
	val  []T
	next []int   // colsOf's scratch
	rows *csr[T] // colsOf's row-wise input
}

func (c *csr[T]) grow(rows, nnz int) {
	if cap(c.ptr) < rows+1 {
		c.ptr = make([]int, rows+1)
	}
	c.ptr = c.ptr[:rows+1]
	if cap(c.idx) < nnz {
		c.idx = make([]int32, nnz)
		c.val = make([]T, nnz)
	}
	c.idx, c.val = c.idx[:nnz], c.val[:nnz]
}

// rowsOf fills c with the nonzeros of the rows×cols matrix x.
func (c *csr[T]) rowsOf(x []T, rows, cols int) {
	c.grow(rows, len(x))
	n := 0
	for r := 0; r < rows; r++ {
		c.ptr[r] = n
		xr := x[r*cols : (r+1)*cols]
		k := nonzeros(xr, c.idx[n:n+cols])
		for t, j := range c.idx[n : n+k] {
			c.val[n+t] = xr[j]
		}
		n += k
	}
	c.ptr[rows] = n
}

// colsOf fills c with the nonzeros of the transpose of the rows×cols matrix
// x: row k of c lists the rows i where x[i][k] is not zero, in order. rows
// is the row-wise form of x (from rowsOf), which it transposes.
func (c *csr[T]) colsOf(r *csr[T], rows, cols int) {
	nnz := r.ptr[rows]
	c.grow(cols, nnz)
	ptr := c.ptr
	clear(ptr)
	for _, k := range r.idx[:nnz] {
		ptr[k+1]++
	}
	for k := 0; k < cols; k++ {
		ptr[k+1] += ptr[k]
	}
	next := append(c.next[:0], ptr[:cols]...)
	for i := 0; i < rows; i++ {
		for t := r.ptr[i]; t < r.ptr[i+1]; t++ {
			k := r.idx[t]
			p := next[k]
			c.idx[p], c.val[p] = int32(i), r.val[t]
			next[k]++
		}
	}
	c.next = next
}

// spmm adds (sparse c)·b to out, for b with rows of ld elements and out
// with rows of n = the number of columns used. Work is split into blocks of
// 64 columns, so that a block of b stays in cache while every row of c runs
// over it, and the blocks are shared out among the cores.
func spmm[T float](out []T, c *csr[T], b []T, ld, n int) {
	rows := len(c.ptr) - 1
	blocks := (n + 63) / 64
	parallelRows(blocks, len(c.idx)*64/blocks+1, func(lo, hi int) {
		j0, j1 := lo*64, min(hi*64, n)
		for r := 0; r < rows; r++ {
			p, q := c.ptr[r], c.ptr[r+1]
			if p == q {
				continue
			}
			spAccum(out[r*n+j0:r*n+j1], c.val[p:q], c.idx[p:q], b[j0:], ld)
		}
	})
}

func spAccum[T float](dst, a []T, idx []int32, b []T, ld int) {
	if d, ok := any(dst).([]float32); ok {
		spAccumBlock(d, any(a).([]float32), idx, any(b).([]float32), ld)
		return
	}
	spAccumGo(dst, a, idx, b, ld)
}
