package kernels

import (
	"sync"

	"github.com/gradgraph/gradgraph/internal/fma"
)

// SparseDensity returns the fraction of nonzero elements in a, looking at
// no more than about densitySample of them (strided), which is enough to
// choose a kernel against SparseMaxFor and costs a few microseconds per
// batch whatever its size.
func SparseDensity[T Float](a []T) float64 {
	if len(a) == 0 {
		return 1
	}
	step := len(a)/densitySample + 1
	nz, seen := 0, 0
	for i := 0; i < len(a); i += step {
		if a[i] != 0 {
			nz++
		}
		seen++
	}
	return float64(nz) / float64(seen)
}

// densitySample is about the most elements SparseDensity looks at: the
// fraction of 4096 samples has a standard error of at most
// √(0.25/4096) ≈ 0.008, far below the margins of SparseMaxFor to the crossover.
const densitySample = 4096

// spmmPanel is the most rows of b in one panel of Spmm (64 KB of float32
// at 64 columns): BenchmarkSpmmPanel (the first layer of an MNIST-sized
// classifier) finds panels of 128 to 784 rows within noise of each other
// and smaller ones slower, since each panel reloads and stores every
// output row (BENCHMARKS.md, "Spmm panels"). It changes no bit of the
// result (TestSpmmKernel).
var spmmPanel = 256

// Spmm sets out to (sparse c)·b + init, with a ReLU applied when relu is
// set:
//
//	out[r·n+j] = relu(init[j] + Σ_{(k, v) in row r of c} v·b[k·ld+j])
//
// for r < c.Rows(), j < n, b with rows of ld elements (c's column indices
// index b's rows), init of n elements (a bias row; zeros when nil), the
// terms summed in increasing order of k after init. What was in out does
// not matter.
//
// Work is split into blocks of 64 columns, shared out among the cores. Each
// core first copies its block of b into a contiguous buffer: b's rows are
// ld elements apart (2 KB for 512 float32), so a 64-column block of them
// maps to a few cache sets only and most of it would miss L1 and L2 on
// every nonzero. The block's rows are then taken in panels of about
// spmmPanel rows, every row of c running over one panel, with one assembly
// call per panel for all rows (AVX2/FMA, float32); the first panel starts
// from init and the last applies the ReLU, so neither costs a pass of its
// own. Each output element sums its terms in increasing order of c's
// column index after init (the partial sums go through memory as T between
// panels), so the result does not depend on the panels or the cores.
func Spmm[T Float](out []T, c *CSR[T], b []T, ld, n int, init []T, relu bool) {
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
	c.cut = Grow(c.cut, rows*(panels+1))
	ParallelRows(rows, c.NNZ()/rows+1, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			idx, _ := c.Row(r)
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
	ParallelRows(blocks, c.NNZ()*64/blocks+1, func(lo, hi int) {
		// One block's pack at a time, reused by the chunk's next block: it
		// stays in the core's cache, and a whole packed copy of b (16.7 MB
		// for a 2048×2048 weight matrix, kept by every layer) is not held.
		buf := packPool.Get()
		pack, _ := buf.(*[]T)
		if pack == nil {
			pack = new([]T)
		}
		*pack = Grow(*pack, kdim*64)
		defer packPool.Put(pack)
		for jb := lo * 64; jb < min(hi*64, n); jb += 64 {
			je := min(jb+64, n)
			w := je - jb
			// Pack the block's kdim×w elements of b contiguously.
			pk := (*pack)[:kdim*w]
			for k := 0; k < kdim; k++ {
				copy(pk[k*w:(k+1)*w], b[k*ld+jb:k*ld+je])
			}
			if w == 64 && spPanelOf(out, n, jb, c, panels, pk, init, relu) {
				continue
			}
			spBlockGo(out, n, jb, je, c, panels, pk, init, relu)
		}
	})
}

// spBlockGo is the reference of the panel kernel (spPanel64): columns
// [jb, je) of out, from the block of b packed in pk (rows of je−jb
// elements), panel by panel in the same order of terms.
func spBlockGo[T Float](out []T, n, jb, je int, c *CSR[T], panels int, pk, init []T, relu bool) {
	rows, w := len(c.cnt), je-jb
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
			idx, val := c.Row(r)
			spAccumGo(out[r*n+jb:r*n+je], val[t0:t1], idx[t0:t1], pk, w)
		}
	}
	if relu {
		for r := 0; r < rows; r++ {
			ReLUInPlace(out[r*n+jb : r*n+je])
		}
	}
}

// spPanelOf runs the panels of the 64-column block at jb, one assembly call
// per panel for all rows, when T is float32 and the CPU has AVX2/FMA.
func spPanelOf[T Float](out []T, n, jb int, c *CSR[T], panels int, b, init []T, relu bool) bool {
	o, ok := any(out).([]float32)
	if !ok || !hasFMA32 {
		return false
	}
	c32 := any(c).(*CSR[float32])
	b32, i32 := any(b).([]float32), any(init).([]float32)
	for p := 0; p < panels; p++ {
		spPanel(o, n, jb, c32, c.cut, panels, p, b32, 64, i32, relu)
	}
	return true
}

// spAccumGo adds Σ_t a[t]·b[idx[t]·ld + j] to dst[j] for j < len(dst), in
// ascending t. For float32 each term is one fma.F32, as in the assembly
// panel kernel (so the two agree bit for bit); float64 uses one BLAS axpy
// per term.
func spAccumGo[T Float](dst, a []T, idx []int32, b []T, ld int) {
	if len(dst) == 0 {
		return
	}
	if d32, ok := any(dst).([]float32); ok {
		a32, b32 := any(a).([]float32), any(b).([]float32)
		for t, v := range a32 {
			row := b32[int(idx[t])*ld:]
			row = row[:len(d32)]
			vv := float64(v)
			for j, x := range row {
				// fma.F32(v, x, d32[j]), its common case inlined.
				if s := float64(vv*float64(x)) + float64(d32[j]); fma.MayTie(s) {
					d32[j] = fma.F32(v, x, d32[j])
				} else {
					d32[j] = float32(s)
				}
			}
		}
		return
	}
	for t, v := range a {
		row := b[int(idx[t])*ld:]
		axpy(v, row[:len(dst)], dst)
	}
}

// axpy computes y += alpha·x with the installed BLAS (UseBLAS; gonum's
// assembly loop for short vectors).
func axpy[T Float](alpha T, x, y []T) {
	switch x := any(x).(type) {
	case []float32:
		whichBLAS().Saxpy(len(x), float32(alpha), x, 1, any(y).([]float32), 1)
	case []float64:
		whichBLAS().Daxpy(len(x), float64(alpha), x, 1, any(y).([]float64), 1)
	}
}

// packPool holds the per-chunk buffers Spmm packs blocks of b into
// (*[]float32 or *[]float64; a buffer of the other type is dropped).
var packPool sync.Pool
