package graph

import (
	"runtime"

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

// gemmRows computes c = op(a)·op(b) like gemm, with the rows of c shared
// out among the cores (ParallelChunks), one BLAS call per chunk, when the
// product is big enough to pay for it. OpenBLAS runs each call on one
// thread; gonum's gemm may start goroutines of its own for a big chunk,
// which then run on that chunk's core. after, when not nil, is run on each
// chunk of rows [lo, hi) by the core that computed them. The chunks depend
// on m and GOMAXPROCS only, so the result is deterministic on a given
// machine; a BLAS may round an element differently depending on where its
// row falls in a chunk, so it can differ in the last bit between core
// counts.
func gemmRows[T float](tA, tB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int, after func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p < 2 || m < 2*8 || m*n*k < 1<<17 {
		gemm(tA, tB, m, n, k, a, lda, b, ldb, false, c, ldc)
		if after != nil {
			after(0, m)
		}
		return
	}
	ParallelChunks(m, p, func(lo, hi int) {
		// Row lo of op(a) starts at row lo of a, or at its column lo when
		// a is transposed.
		ao := lo * lda
		if tA {
			ao = lo
		}
		gemm(tA, tB, hi-lo, n, k, a[ao:], lda, b, ldb, false, c[lo*ldc:], ldc)
		if after != nil {
			after(lo, hi)
		}
	})
}

// parallelMin is the least work, in element operations, that parallelRows
// shares out.
const parallelMin = 1 << 13

// parallelRows runs fn over [0, n) split into at most GOMAXPROCS contiguous
// chunks (ParallelChunks, on the pool's workers) when the work (n·cost
// element operations) is big enough to pay for the hand-off, and inline
// otherwise. A hand-off to a spinning worker costs about a microsecond, a
// few thousand element operations: the panel boundaries of an MNIST batch
// (19k steps, ~20 µs) ran inline with the earlier threshold of 64k.
func parallelRows(n, cost int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p > n {
		p = n
	}
	if p <= 1 || n*cost < parallelMin {
		fn(0, n)
		return
	}
	ParallelChunks(n, p, fn)
}

// sparseDensity returns the fraction of nonzero elements in a, looking at
// no more than about 4k of them (strided), which is enough to choose a
// kernel (MNIST's 19% against the 30% threshold) and costs ~3 µs per
// MNIST batch.
func sparseDensity[T float](a []T) float64 {
	if len(a) == 0 {
		return 1
	}
	step := len(a)/4096 + 1
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
	cut    []int32 // spmm's panel boundaries, row by row
	pack   []T     // spmm's copy of b, 64-column block by block
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
			var k int
			if x32, ok := any(xr).([]float32); ok {
				k = nonzeros32(x32, idx, any(c.val[r*cols:(r+1)*cols]).([]float32))
			} else {
				k = nonzeros(xr, idx)
				val := c.val[r*cols : r*cols+k]
				for t, j := range idx[:k] {
					val[t] = xr[j]
				}
			}
			c.cnt[r] = int32(k)
		}
	})
}

// spmm sets out to (sparse c)·b + init, with a ReLU applied when relu is
// set, for b with rows of ld elements and out with rows of n = the number
// of columns used; init, of n elements, is added to every row (a bias), or
// nothing when nil. Work is split into blocks of 64 columns, shared out
// among the cores. Each core first copies its block of b into a contiguous
// buffer: b's rows are ld elements apart (2 KB for 512 float32), so a
// 64-column block of them maps to a few cache sets only and most of it
// would miss L1 and L2 on every nonzero. The block's rows are then taken in
// panels of about spmmPanel rows, every row of c running over one panel,
// with one assembly call per panel for all rows (AVX2/FMA, float32); the
// first panel starts from init and the last applies the ReLU, so neither
// costs a pass of its own. Each output element sums its terms in
// increasing order of c's column index after init (the partial sums go
// through memory as T between panels), so the result does not depend on
// the panels or the cores.
func spmm[T float](out []T, c *csr[T], b []T, ld, n int, init []T, relu bool) {
	rows := len(c.cnt)
	if rows == 0 || n == 0 {
		return
	}
	kdim := (len(b) + ld - 1) / ld // c's column indices are below kdim
	panels, ps := 1, kdim
	if n%64 == 0 && hasFMA32 {
		panels = (kdim + spmmPanel - 1) / spmmPanel
		ps = (kdim + panels - 1) / panels // even panels: 4 of 196 for 784
	}
	// cut[r·(panels+1)+p] is where row r's nonzeros of panel p start.
	c.cut = growInts(c.cut, rows*(panels+1))
	parallelRows(rows, c.nnz()/rows+1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			idx, _ := c.row(r)
			cut := c.cut[r*(panels+1) : (r+1)*(panels+1)]
			t := 0
			for p := 0; p < panels; p++ {
				cut[p] = int32(t)
				lim := int32((p + 1) * ps)
				for t < len(idx) && idx[t] < lim {
					t++
				}
			}
			cut[panels] = int32(t)
		}
	})
	blocks := (n + 63) / 64
	if cap(c.pack) < blocks*kdim*64 {
		c.pack = make([]T, blocks*kdim*64)
	}
	parallelRows(blocks, c.nnz()*64/blocks+1, func(lo, hi int) {
		for jb := lo * 64; jb < min(hi*64, n); jb += 64 {
			je := min(jb+64, n)
			w := je - jb
			// Pack the block's kdim×w elements of b contiguously: with b's
			// rows 2 KB apart (512 float32), its 64-column block would map
			// to a few cache sets only, and most of it would miss L1 and L2.
			pk := c.pack[jb*kdim : jb*kdim+kdim*w]
			for k := 0; k < kdim; k++ {
				copy(pk[k*w:(k+1)*w], b[k*ld+jb:k*ld+je])
			}
			if w == 64 && spPanelOf(out, n, jb, c, panels, pk, init, relu) {
				continue
			}
			for r := 0; r < rows; r++ {
				o := out[r*n+jb : r*n+je]
				if init != nil {
					copy(o, init[jb:je])
				} else {
					clear(o)
				}
			}
			for p := 0; p < panels; p++ {
				for r := 0; r < rows; r++ {
					cut := c.cut[r*(panels+1)+p:]
					t0, t1 := int(cut[0]), int(cut[1])
					if t0 == t1 {
						continue
					}
					idx, val := c.row(r)
					spAccumGo(out[r*n+jb:r*n+je], val[t0:t1], idx[t0:t1], pk, w)
				}
			}
			if relu {
				for r := 0; r < rows; r++ {
					reluInPlace(out[r*n+jb : r*n+je])
				}
			}
		}
	})
}

// spPanelOf runs the panels of the 64-column block at jb, one assembly call
// per panel for all rows, when T is float32 and the CPU has AVX2/FMA.
func spPanelOf[T float](out []T, n, jb int, c *csr[T], panels int, b, init []T, relu bool) bool {
	o, ok := any(out).([]float32)
	if !ok || !hasFMA32 {
		return false
	}
	c32 := any(c).(*csr[float32])
	b32, i32 := any(b).([]float32), any(init).([]float32)
	for p := 0; p < panels; p++ {
		spPanel(o, n, jb, c32, c.cut, panels, p, b32, 64, i32, relu)
	}
	return true
}

// spmmPanel is the most rows of b in one panel of spmm (64 KB of float32
// at 64 columns). Smaller panels, closer to L1, measured slower on the AMD
// EPYC this was tuned on: each panel reloads and stores every output row.
var spmmPanel = 256

func growInts(s []int32, n int) []int32 {
	if cap(s) < n {
		return make([]int32, n)
	}
	return s[:n]
}
