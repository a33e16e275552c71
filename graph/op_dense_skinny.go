package graph

// The second layer of an MNIST-sized classifier has a narrow side: 10
// units. Its backward products, dz·Wᵀ (128×10 · 10×512) and xᵀ·dz
// (512×128 · 128×10), are what BLAS libraries handle worst: gonum's pure-Go
// gemm ran them at a few GFLOP/s (over half of a pure-Go MNIST step), and
// OpenBLAS packs the whole wide operand for ten columns. Written with the
// narrow dimension as the "sparse" side, both are the panel kernel's shape
// (a short list of terms per output row, 64-column blocks of a wide
// matrix), so they go through spmm instead.

// skinnyMax is the largest narrow dimension sent through spmm.
const skinnyMax = 32

// skinnyOK reports whether a product with a wide side of n and a narrow
// side of k goes through spmm: float32 on a CPU with AVX2/FMA, n a multiple
// of 64, k at most skinnyMax.
func skinnyOK[T float](n, k int) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && hasFMA32 && n%64 == 0 && n > 0 && k > 0 && k <= skinnyMax
}

// skinny holds a dense op's scratch for the narrow products: a transposed
// operand, the terms of the narrow one, and a transposed result.
type skinny[T float] struct {
	t, res []T
	c      csr[T]
}

func skinnyOf[T float](sp *any) *skinny[T] {
	s, ok := (*sp).(*skinny[T])
	if !ok {
		s = &skinny[T]{}
		*sp = s
	}
	return s
}

// inputGrad sets out (rows×cols) to dz·Wᵀ for dz (rows×k) and W (cols×k):
// row i of out is Σ_j dz[i][j]·Wᵀ[j]. wT is Wᵀ when the forward op of the
// same run has it (see transposedW), nil to transpose W into scratch.
func (s *skinny[T]) inputGrad(out, dz, w, wT []T, rows, cols, k int) {
	if wT == nil {
		s.t = growT(s.t, k*cols)
		transposeRows(s.t, w, cols, k)
		wT = s.t
	}
	s.c.rowsOf(dz, rows, k)
	spmm(out, &s.c, wT[:k*cols], cols, cols, nil, false)
}

// transposedW returns the Wᵀ (units×in) that the forward op op left in its
// scratch in this run, when its weights are w, and nil otherwise. The tape
// runs the forward op before the backward ones in every run, and W's
// tensor is the same from run to run, so a match is of this run.
func transposedW[T float](op *denseOp, w []T) []T {
	if op == nil || op.skW == nil || len(w) == 0 || op.skW != any(&w[0]) {
		return nil
	}
	s, ok := op.sk.(*skinny[T])
	if !ok {
		return nil
	}
	return s.t
}

// weightGrad sets out (in×units) to xᵀ·dz for x (bs×in) and dz (bs×units),
// as the transpose of dzᵀ·x: row j of that is Σ_i dz[i][j]·x[i].
func (s *skinny[T]) weightGrad(out, x, dz []T, bs, in, units int) {
	s.t = growT(s.t, units*bs)
	transposeRows(s.t, dz, bs, units)
	s.c.rowsOf(s.t, units, bs)
	s.res = growT(s.res, units*in)
	spmm(s.res, &s.c, x, in, in, nil, false)
	transposeRows(out, s.res, units, in)
}

func growT[T float](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// skinnyFwdOK reports whether the forward product x·W, with in inputs and
// a narrow side of units, goes through dot4: float32 with AVX2/FMA, in a
// multiple of 16, units at most skinnyMax.
func skinnyFwdOK[T float](in, units int) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && hasFMA32 && in%16 == 0 && in > 0 && units > 0 && units <= skinnyMax
}

// forward sets y (bs×units) to act(x·W + b) for x (bs×in), W (in×units):
// each y[i][j] is the dot product of row i of x with column j of W (a row
// of Wᵀ, transposed into scratch and padded with zero rows to a multiple
// of 4), four columns per dot4 call, plus the bias. Rows are shared out
// among the cores.
func (s *skinny[T]) forward(y, x, w, b []T, bs, in, units int, relu bool) {
	u4 := (units + 3) / 4 * 4
	s.t = growT(s.t, u4*in)
	clear(s.t[units*in:])
	transposeRows(s.t, w, in, units)
	x32, t32 := any(x).([]float32), any(s.t).([]float32)
	y32, b32 := any(y).([]float32), any(b).([]float32)
	parallelRows(bs, in*units, func(lo, hi int) {
		var d [4]float32
		for i := lo; i < hi; i++ {
			xi, yi := x32[i*in:(i+1)*in], y32[i*units:(i+1)*units]
			for j := 0; j < units; j += 4 {
				dot4(xi, t32[j*in:], in, &d)
				for q := j; q < min(j+4, units); q++ {
					yi[q] = d[q-j] + b32[q]
				}
			}
			if relu {
				reluInPlace(yi)
			}
		}
	})
}
