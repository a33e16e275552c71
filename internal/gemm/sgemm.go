package gemm

import (
	"sync"
	"sync/atomic"

	"github.com/pkg/errors"
)

// kernel is the micro-kernel Sgemm uses: the widest this CPU supports,
// chosen once at start-up. Tests set it to each kernel in turn.
var kernel = bestKernel()

// Sgemm computes C = alpha·op(A)·op(B) + beta·C for row-major float32
// matrices, where op(X) is X or, when the trans flag is set, Xᵀ; op(A) is
// m×k, op(B) is k×n and C is m×n, with row strides lda, ldb and ldc. The
// transposes are never formed: packing reads A or B across its rows when
// needed, so the three products of a dense layer, x·W, dy·Wᵀ and xᵀ·dy, run at
// the same speed without copies. As in BLAS, C is not read when beta is 0
// (NaN there is overwritten) and A and B are not read when alpha or k is 0.
//
// The result is bit-for-bit the same for the same shapes and arguments,
// whatever GOMAXPROCS is and however the goroutines are scheduled: every
// element of C is summed in ascending k by one chain, and the blocking does
// not depend on the number of workers.
//
// It returns an error, leaving C untouched, when a dimension is negative, a
// stride is shorter than its row or a slice is too short for its matrix.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) error {
	if m < 0 || n < 0 || k < 0 {
		return errors.Errorf("gemm: negative dimension m=%d n=%d k=%d", m, n, k)
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if err := checkMatrix("A", a, ar, ac, lda); err != nil {
		return err
	}
	if err := checkMatrix("B", b, br, bc, ldb); err != nil {
		return err
	}
	if err := checkMatrix("C", c, m, n, ldc); err != nil {
		return err
	}
	if m == 0 || n == 0 {
		return nil
	}
	if alpha == 0 || k == 0 {
		scale(c, m, n, ldc, beta)
		return nil
	}
	// Each element is one FMA chain over all of k that starts from beta·C
	// (rounded, and exactly C or nothing for the usual beta of 1 or 0), so
	// the bits depend on the shapes and values only, not on the kernel, the
	// blocking or the cores. alpha ≠ 1 scales the finished chain.
	if beta != 0 && beta != 1 {
		scale(c, m, n, ldc, beta)
	}
	switch {
	case alpha == 1:
		product(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, beta != 0)
	case beta == 0:
		product(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, false)
		scale(c, m, n, ldc, alpha)
	default:
		// C = alpha·(A·B) + beta·C needs the product apart from C.
		t := scratch.Get().(*[]float32)
		*t = grow(*t, m*n)
		product(transA, transB, m, n, k, a, lda, b, ldb, *t, n, false)
		for i := 0; i < m; i++ {
			ci, ti := c[i*ldc:i*ldc+n], (*t)[i*n:i*n+n]
			for j, v := range ti {
				ci[j] += float32(alpha * v) // rounded: not fused, on any CPU
			}
		}
		scratch.Put(t)
	}
	return nil
}

// scratch holds the products that Sgemm keeps apart from C when alpha ≠ 1
// and beta ≠ 0.
var scratch = sync.Pool{New: func() any { return new([]float32) }}

// product sets C = op(A)·op(B), or adds it to C when acc is set, with the
// kernel in use; one FMA chain per element in ascending k.
func product(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int, acc bool) {
	p := problems.Get().(*problem)
	p.transA, p.transB, p.m, p.n, p.k = transA, transB, m, n, k
	p.a, p.lda, p.b, p.ldb, p.acc, p.c, p.ldc, p.kern = a, lda, b, ldb, acc, c, ldc, kernel
	if narrow(p.kern, m, n) {
		p.transC = true
		p.m, p.n = n, m
		p.transA, p.transB = !transB, !transA
		p.a, p.lda, p.b, p.ldb = b, ldb, a, lda
	}
	p.kc, p.mc, p.nc = blocks(p.kern, p.m, p.n, k)
	p.run()
	p.clear() // drop the references to the caller's slices
	problems.Put(p)
}

// checkMatrix reports whether x can hold a rows×cols matrix with row stride ld.
func checkMatrix(name string, x []float32, rows, cols, ld int) error {
	if ld < max(1, cols) {
		return errors.Errorf("gemm: %s's stride %d is shorter than its %d columns", name, ld, cols)
	}
	if rows == 0 || cols == 0 {
		return nil
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		return errors.Errorf("gemm: %s has %d elements, a %d×%d matrix with stride %d needs %d", name, len(x), rows, cols, ld, need)
	}
	return nil
}

// scale sets C = beta·C, writing zeros without reading C when beta is 0.
func scale(c []float32, m, n, ldc int, beta float32) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// problem is one validated Sgemm call and its blocking.
type problem struct {
	transA, transB bool
	m, n, k        int
	acc            bool // C holds the start of every element's chain
	a, b, c        []float32
	lda, ldb, ldc  int
	kern           *microKernel
	kc, mc, nc     int
	transC         bool // computing Cᵀ = op(B)ᵀ·op(A)ᵀ into C (see narrow)
	width          int  // columns per chunk when split (runSplit)
	chunks         int  // chunks when split (runSplit)
	next           atomic.Int64
	// packedA, when not nil, is all of op(A) packed once for every chunk
	// of a split product (prepackA): the block of depth block pc and row
	// block ic at pc·roundUp(m, mr) + ic·kb.
	packedA []float32
}

// clear zeroes p but for its atomic counter, which the next split resets.
func (p *problem) clear() {
	p.transA, p.transB, p.acc, p.transC = false, false, false, false
	p.m, p.n, p.k, p.lda, p.ldb, p.ldc = 0, 0, 0, 0, 0, 0
	p.a, p.b, p.c, p.packedA, p.kern = nil, nil, nil, nil, nil
	p.kc, p.mc, p.nc, p.width, p.chunks = 0, 0, 0, 0, 0
}

// workspace holds one goroutine's packed blocks of A and B and an edge tile.
// Workspaces are pooled, so that steady-state calls do not allocate.
type workspace struct {
	a, b, tile []float32
}

var workspaces = sync.Pool{New: func() any { return new(workspace) }}

// grow returns x if it holds n elements, else a new slice of n.
func grow(x []float32, n int) []float32 {
	if cap(x) >= n {
		return x[:n]
	}
	return make([]float32, n)
}

// columns computes the columns [j0, j1) of C (j0 a multiple of nr) with the
// five GotoBLAS loops: column blocks of nc (B's packed block in L3), depth
// blocks of kc (pack B), row blocks of mc (pack A, in L2), then the kernel
// over nr-column panels of B (in L1) and mr-row panels of A.
func (p *problem) columns(j0, j1 int) {
	kern := p.kern
	mr, nr := kern.mr, kern.nr
	ws := workspaces.Get().(*workspace)
	if p.packedA == nil {
		ws.a = grow(ws.a, p.mc*p.kc)
	}
	ws.b = grow(ws.b, p.kc*min(p.nc, roundUp(j1-j0, nr)))
	ws.tile = grow(ws.tile, mr*nr)
	for jc := j0; jc < j1; jc += p.nc {
		nb := min(p.nc, j1-jc)
		for pc := 0; pc < p.k; pc += p.kc {
			kb := min(p.kc, p.k-pc)
			acc := 0
			if p.acc || pc > 0 {
				acc = 1 // later depth blocks continue the first's chains
			}
			// An untransposed B is read in place by the kernel (its rows
			// are contiguous): only a last, partial panel is packed. This
			// saves the copy of B (BenchmarkSgemm's NN_128x512x784). Not
			// when B's rows are a multiple of 4 KiB apart: then every row
			// of a panel falls in the same few L1 sets, and packing wins
			// (NN_1024x1024x1024; BENCHMARKS.md, "Sgemm").
			direct := !p.transB && p.ldb%1024 != 0
			full := nb / nr * nr // columns in whole nr panels
			if direct {
				packB(ws.b, p.b, p.ldb, false, pc, kb, jc+full, nb-full, nr)
			} else {
				packB(ws.b, p.b, p.ldb, p.transB, pc, kb, jc, nb, nr)
			}
			for ic := 0; ic < p.m; ic += p.mc {
				mb := min(p.mc, p.m-ic)
				pa := ws.a
				if p.packedA != nil {
					pa = p.packedA[pc*roundUp(p.m, mr)+ic*kb:]
				} else {
					packA(ws.a, p.a, p.lda, p.transA, ic, mb, pc, kb, mr)
				}
				for jr := 0; jr < nb; jr += nr {
					bp, ldb := &ws.b[jr*kb], nr
					cols := min(nr, nb-jr)
					if direct {
						if jr < full {
							_ = p.b[(pc+kb-1)*p.ldb+jc+jr+nr-1]
							bp, ldb = &p.b[pc*p.ldb+jc+jr], p.ldb
						} else {
							bp = &ws.b[0]
						}
					}
					for ir := 0; ir < mb; ir += mr {
						ap := &pa[ir*kb]
						rows := min(mr, mb-ir)
						if p.transC {
							// The tile is Cᵀ's: it goes through the scratch
							// tile, rows of the tile being columns of C.
							ct := p.c[(jc+jr)*p.ldc+ic+ir:]
							if acc != 0 {
								copyT(ws.tile, nr, ct, p.ldc, cols, rows)
							}
							kern.fn(kb, ap, bp, ldb, &ws.tile[0], nr, acc)
							copyT(ct, p.ldc, ws.tile, nr, rows, cols)
							continue
						}
						ci := (ic+ir)*p.ldc + jc + jr
						if rows == mr && cols == nr {
							kern.fn(kb, ap, bp, ldb, &p.c[ci], p.ldc, acc)
							continue
						}
						// Edge tile: the kernel works on the scratch tile,
						// and only its rows×cols corner goes to and from C.
						if acc != 0 {
							copyTile(ws.tile, nr, p.c[ci:], p.ldc, rows, cols)
						}
						kern.fn(kb, ap, bp, ldb, &ws.tile[0], nr, acc)
						copyTile(p.c[ci:], p.ldc, ws.tile, nr, rows, cols)
					}
				}
			}
		}
	}
	workspaces.Put(ws)
}

// narrow reports whether an m×n product fills the kernel's tiles so much
// better as Cᵀ (n×m) that it should be computed that way: the output layer,
// 128×10, uses 10 of 32 columns of each 12×32 tile, while its transpose
// uses 10 of 12 rows and all 32 columns. Cᵀ's tiles all go to C through the
// scratch tile, so the gain must be at least 1.5×.
func narrow(kern *microKernel, m, n int) bool {
	fill := func(rows, cols int) float64 {
		return float64(rows*cols) / float64(roundUp(rows, kern.mr)*roundUp(cols, kern.nr))
	}
	return fill(n, m) >= 1.5*fill(m, n)
}

// copyT copies the transpose of the rows×cols matrix src (row stride lds)
// into dst (row stride ldd): dst[j][i] = src[i][j].
func copyT(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for j := 0; j < cols; j++ {
		dj := dst[j*ldd : j*ldd+rows]
		for i := range dj {
			dj[i] = src[i*lds+j]
		}
	}
}

// copyTile copies the rows×cols matrix src (row stride lds) into dst (row
// stride ldd).
func copyTile(dst []float32, ldd int, src []float32, lds, rows, cols int) {
	for i := 0; i < rows; i++ {
		copy(dst[i*ldd:i*ldd+cols], src[i*lds:i*lds+cols])
	}
}
