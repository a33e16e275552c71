package kernels

// The second layer of an MNIST-sized classifier has a narrow side: 10
// units. Its backward products, dz·Wᵀ (128×10 · 10×512) and xᵀ·dz
// (512×128 · 128×10), are what BLAS libraries handle worst: gonum's pure-Go
// gemm ran them far below its rate on square products, and they were a
// large share of a pure-Go MNIST step (BenchmarkSkinnyCrossover; figures
// in BENCHMARKS.md, "Kernel thresholds"), and OpenBLAS packs the whole
// wide operand for ten columns. Written with the
// narrow dimension as the "sparse" side, both are the panel kernel's shape
// (a short list of terms per output row, 64-column blocks of a wide
// matrix), so they go through Spmm instead.

// SkinnyOK reports whether a product with a wide side of n and a narrow
// side of k goes through Spmm (Skinny's InputGrad and WeightGrad): float32,
// n a multiple of 64, k at most SkinnyMax. The answer depends on the shapes
// only, never on the CPU: dot4 sums in another order than gemm, so a choice
// that followed the instruction set would change the bits from one machine
// to the next (the Go paths emulate the assembly's order instead).
func SkinnyOK[T Float](n, k int) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && n%64 == 0 && n > 0 && k > 0 && k <= SkinnyMax
}

// SkinnyFwdOK reports whether the forward product x·W, with in inputs and
// a narrow side of units, goes through dot4 (Skinny's Forward): float32,
// in a multiple of 16, units at most SkinnyMax; like SkinnyOK, whatever
// the CPU.
func SkinnyFwdOK[T Float](in, units int) bool {
	var z T
	_, f32 := any(z).(float32)
	return f32 && in%16 == 0 && in > 0 && units > 0 && units <= SkinnyMax
}

// Skinny holds a dense layer's scratch for the narrow products: a
// transposed operand, the terms of the narrow one, and a transposed result.
// The zero value is ready to use.
type Skinny[T Float] struct {
	t, res []T
	c      CSR[T]
}

// Transposed returns the Wᵀ that the last Forward left in the scratch
// (units×in), for InputGrad to reuse.
func (s *Skinny[T]) Transposed() []T { return s.t }

// InputGrad sets out (rows×cols) to dz·Wᵀ for dz (rows×k) and W (cols×k):
//
//	out[i·cols+c] = Σ_{j<k, dz[i][j] ≠ 0} dz[i·k+j]·W[c·k+j]
//
// summed in increasing j. wT is Wᵀ when the caller has it (from Forward on
// the same W), nil to transpose W into the scratch. Callers check SkinnyOK.
func (s *Skinny[T]) InputGrad(out, dz, w, wT []T, rows, cols, k int) {
	if wT == nil {
		s.t = Grow(s.t, k*cols)
		TransposeRows(s.t, w, cols, k)
		wT = s.t
	}
	s.c.RowsOf(dz, rows, k)
	Spmm(out, &s.c, wT[:k*cols], cols, cols, nil, false)
}

// WeightGrad sets out (in×units) to xᵀ·dz for x (bs×in) and dz (bs×units),
//
//	out[c·units+j] = Σ_{i<bs, dz[i][j] ≠ 0} dz[i·units+j]·x[i·in+c],
//
// summed in increasing i, as the transpose of dzᵀ·x. Callers check
// SkinnyOK(in, units).
func (s *Skinny[T]) WeightGrad(out, x, dz []T, bs, in, units int) {
	s.t = Grow(s.t, units*bs)
	TransposeRows(s.t, dz, bs, units)
	s.c.RowsOf(s.t, units, bs)
	s.res = Grow(s.res, units*in)
	Spmm(s.res, &s.c, x, in, in, nil, false)
	TransposeRows(out, s.res, units, in)
}

// Forward sets y (bs×units) to act(x·W + b) for x (bs×in), W (in×units):
//
//	y[i·units+j] = act(dot(x[i], column j of W) + b[j])
//
// act being ReLUInPlace when relu is set, the identity otherwise, each dot
// product as dot4 computes it. W is transposed into the scratch (rows of
// Wᵀ, padded with zero rows to a multiple of 4), four columns per dot4
// call. Rows are shared out among the cores. Callers check SkinnyFwdOK.
func (s *Skinny[T]) Forward(y, x, w, b []T, bs, in, units int, relu bool) {
	u4 := (units + 3) / 4 * 4
	s.t = Grow(s.t, u4*in)
	clear(s.t[units*in:])
	TransposeRows(s.t, w, in, units)
	x32, t32 := any(x).([]float32), any(s.t).([]float32)
	y32, b32 := any(y).([]float32), any(b).([]float32)
	ParallelRows(bs, in*units, func(lo, hi int) {
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
				ReLUInPlace(yi)
			}
		}
	})
}
