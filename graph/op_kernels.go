package graph

import (
	"runtime"
	"sort"
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
// transpose) row by row: row r has its cnt[r] column indices and values at
// idx[r·stride:] and val[r·stride:], stride being the row length of the
// dense form. The fixed stride lets every row be filled independently (on
// several cores) without a prefix sum. Its buffers are reused from call to
// call.
type csr[T float] struct {
	stride int
	cnt    []int32
	idx    []int32
	val    []T
}

func (c *csr[T]) grow(rows, stride int) {
	c.stride = stride
	if cap(c.cnt) < rows {
		c.cnt = make([]int32, rows)
	}
	c.cnt = c.cnt[:rows]
	if n := rows * stride; cap(c.idx) < n {
		c.idx = make([]int32, n)
		c.val = make([]T, n)
	} else {
		c.idx, c.val = c.idx[:n], c.val[:n]
	}
}

// row returns the column indices and values of row r's nonzeros.
func (c *csr[T]) row(r int) ([]int32, []T) {
	p := r * c.stride
	q := p + int(c.cnt[r])
	return c.idx[p:q], c.val[p:q]
}

// nnz is the number of nonzeros stored.
func (c *csr[T]) nnz() int {
	n := 0
	for _, k := range c.cnt {
		n += int(k)
	}
	return n
}

// rowsOf fills c with the nonzeros of the rows×cols matrix x, in order,
// the rows shared out among the cores.
func (c *csr[T]) rowsOf(x []T, rows, cols int) {
	c.grow(rows, cols)
	parallelRows(rows, cols, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			xr := x[r*cols : (r+1)*cols]
			idx := c.idx[r*cols : (r+1)*cols]
			k := nonzeros(xr, idx)
			val := c.val[r*cols : r*cols+k]
			for t, j := range idx[:k] {
				val[t] = xr[j]
			}
			c.cnt[r] = int32(k)
		}
	})
}

// colsOf fills c with the nonzeros of the transpose of the rows×cols
// matrix whose row-wise nonzeros are r (from rowsOf): row k of c lists the
// rows i where x[i][k] is not zero, in increasing order. The columns are
// shared out among the cores; each finds its slice of every row of r by
// binary search (r's rows are sorted).
func (c *csr[T]) colsOf(r *csr[T], rows, cols int) {
	c.grow(cols, rows)
	parallelRows(cols, r.nnz()/cols+rows, func(k0, k1 int) {
		cnt := c.cnt
		clear(cnt[k0:k1])
		for i := 0; i < rows; i++ {
			idx, val := r.row(i)
			t := sort.Search(len(idx), func(t int) bool { return int(idx[t]) >= k0 })
			for ; t < len(idx) && int(idx[t]) < k1; t++ {
				k := int(idx[t])
				p := k*rows + int(cnt[k])
				c.idx[p], c.val[p] = int32(i), val[t]
				cnt[k]++
			}
		}
	})
}

// spmm adds (sparse c)·b to out, for b with rows of ld elements and out
// with rows of n = the number of columns used. Work is split into blocks of
// 64 columns, so that a block of b stays in cache while every row of c runs
// over it, and the blocks are shared out among the cores.
func spmm[T float](out []T, c *csr[T], b []T, ld, n int) {
	rows := len(c.cnt)
	blocks := (n + 63) / 64
	parallelRows(blocks, c.nnz()*64/blocks+1, func(lo, hi int) {
		j0, j1 := lo*64, min(hi*64, n)
		for r := 0; r < rows; r++ {
			idx, val := c.row(r)
			if len(idx) == 0 {
				continue
			}
			spAccum(out[r*n+j0:r*n+j1], val, idx, b[j0:], ld)
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
