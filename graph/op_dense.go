package graph

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// sparseMaxFor is the fraction of nonzero inputs below which the dense op
// of a width multiplies by skipping zeros instead of calling gemm:
// kernels.SparseMaxFor, measured there; a variable so that tests can force
// either kernel.
var sparseMaxFor = kernels.SparseMaxFor

// Dense adds y = act(x·W + b) to the graph as one node, for x (batch, in),
// W (in, units) and b (1, units); act is the identity, or ReLU when relu is
// set. It is what x·W, a broadcast add and Rectify compute, without the
// intermediates: the product is written into the output and the bias and
// ReLU applied in the same pass, and its gradients are three BLAS calls and
// a column sum (no transposes materialised, no broadcast). Its output and
// gradient tensors are allocated once and reused by every run.
//
// needDx says whether the gradient with respect to x is wanted. Pass false
// when x is data (a graph input): the input-gradient product, a third of
// the layer's work, is then left out of the graph, and x is reported as not
// differentiable.
func Dense(x, w, b *G.Node, relu, needDx bool) (*G.Node, error) {
	if err := needNodes("dense", "x w b", x, w, b); err != nil {
		return nil, err
	}
	if x.Dims() != 2 || w.Dims() != 2 || b.Dims() != 2 {
		return nil, errors.Errorf("dense: want matrices, got x %v, W %v, b %v", x.Shape(), w.Shape(), b.Shape())
	}
	bs, in, units := x.Shape()[0], x.Shape()[1], w.Shape()[1]
	if w.Shape()[0] != in || b.Shape()[0] != 1 || b.Shape()[1] != units {
		return nil, errors.Errorf("dense: shapes do not fit: x %v, W %v, b %v", x.Shape(), w.Shape(), b.Shape())
	}
	dt, err := dtypeOf(x, w, b)
	if err != nil {
		return nil, errors.Wrap(err, "dense")
	}
	op := &denseOp{relu: relu, needDx: needDx, dt: dt, batch: bs, in: in, units: units}
	return G.ApplyOp(op, x, w, b)
}

func dtypeOf(ns ...*G.Node) (tensor.Dtype, error) {
	dt := ns[0].Dtype()
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return dt, errors.Errorf("unsupported dtype %v", dt)
	}
	for _, n := range ns[1:] {
		if n.Dtype() != dt {
			return dt, errors.Errorf("mixed dtypes %v and %v", dt, n.Dtype())
		}
	}
	return dt, nil
}

// matType is the Gorgonia type of a matrix of dt.
func matType(dt tensor.Dtype) hm.Type { return G.TensorType{Dims: 2, Of: dt} }

// reuse returns t if it is a dense tensor of dt and shape, and a new one
// otherwise.
func reuse(t *tensor.Dense, dt tensor.Dtype, shape ...int) *tensor.Dense {
	if t != nil && t.Dtype() == dt && t.Shape().Eq(tensor.Shape(shape)) {
		return t
	}
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}

// denseArgs returns an op's n (at most five) inputs as dense tensors, in an
// array rather than a new slice, so that a run allocates nothing for them.
func denseArgs(what string, n int, vals []G.Value) (a [5]*tensor.Dense, err error) {
	if len(vals) != n || n > len(a) {
		return a, errors.Errorf("%s: got %d inputs, want %d", what, len(vals), n)
	}
	for i, v := range vals {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return a, errors.Errorf("%s: input %d is %T, want a dense tensor", what, i, v)
		}
		a[i] = d
	}
	return a, nil
}

// denseOp is the fused act(x·W + b).
type denseOp struct {
	opmeta.Owned
	relu, needDx     bool
	dt               tensor.Dtype
	batch, in, units int
	out              *tensor.Dense
	sp               any // *kernels.CSR[T] of x
	spX              any // *T: &x[0] of the last run when sp holds its nonzeros, else nil
	sk               any // *kernels.Skinny[T]: scratch of a narrow product
	skW              any // *T: &W[0] of the last run when sk holds its transpose, else nil
}

func (op *denseOp) Arity() int { return 3 }
func (op *denseOp) Type() hm.Type {
	t := matType(op.dt)
	return hm.NewFnType(t, t, t, t)
}
func (op *denseOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.batch, op.units}, nil
}
func (op *denseOp) String() string {
	if op.relu {
		return "relu(x·W+b)"
	}
	return "x·W+b"
}

func (op *denseOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseArgs(op.String(), 3, vals)
	if err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, op.batch, op.units)
	switch y := op.out.Data().(type) {
	case []float32:
		op.spX, op.skW = denseForward(&op.sp, &op.sk, a[0].Data().([]float32), a[1].Data().([]float32), a[2].Data().([]float32), y, op.batch, op.in, op.units, op.relu)
	case []float64:
		op.spX, op.skW = denseForward(&op.sp, &op.sk, a[0].Data().([]float64), a[1].Data().([]float64), a[2].Data().([]float64), y, op.batch, op.in, op.units, op.relu)
	}
	return op.out, nil
}

// denseForward computes y and returns &x[0] when it left x's nonzeros in
// *sp (the zero-skipping path), and &w[0] when it left Wᵀ in the skinny
// scratch; nil otherwise.
func denseForward[T float](sp, skinnyScratch *any, x, w, b, y []T, bs, in, units int, relu bool) (spX, skW any) {
	if units >= kernels.SparseMinWidth && kernels.SparseDensity(x) < sparseMaxFor(units) {
		c := sparseOf[T](sp)
		c.RowsOf(x, bs, in)
		kernels.Spmm(y, c, w, units, units, b, relu)
		return &x[0], nil
	}
	if kernels.SkinnyFwdOK[T](in, units) {
		skinnyOf[T](skinnyScratch).Forward(y, x, w, b, bs, in, units, relu)
		return nil, &w[0]
	}
	// Bias and ReLU are applied by the core that computed the rows, while
	// they are in its cache.
	kernels.GemmRows(false, false, bs, units, in, x, in, w, units, y, units, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			yi := y[i*units : (i+1)*units]
			kernels.AddTo(yi, b)
			if relu {
				kernels.ReLUInPlace(yi)
			}
		}
	})
	return nil, nil
}

func (op *denseOp) DiffWRT(inputs int) []bool { return []bool{op.needDx, true, true} }

func (op *denseOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	x, w := inputs[0], inputs[1]
	dz := grad
	var err error
	if op.relu {
		if dz, err = G.ApplyOp(&denseGradOp{kind: gradReLU, dt: op.dt, rows: op.batch, cols: op.units}, output, grad); err != nil {
			return nil, err
		}
	}
	var dx *G.Node
	if op.needDx {
		if dx, err = G.ApplyOp(&denseGradOp{kind: gradInput, dt: op.dt, rows: op.batch, cols: op.in, inner: op.units, fwd: op}, dz, w); err != nil {
			return nil, err
		}
	}
	dw, err := G.ApplyOp(&denseGradOp{kind: gradWeights, dt: op.dt, rows: op.in, cols: op.units, inner: op.batch, fwd: op}, x, dz)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&denseGradOp{kind: gradBias, dt: op.dt, rows: 1, cols: op.units, inner: op.batch}, dz)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

type gradKind int

const (
	gradReLU    gradKind = iota // (y, dy) → dy where y > 0, else 0
	gradInput                   // (dz, W) → dz·Wᵀ
	gradWeights                 // (x, dz) → xᵀ·dz
	gradBias                    // (dz) → column sums of dz
)

var gradNames = [...]string{"relu'", "dz·Wᵀ", "xᵀ·dz", "Σrows dz"}

// denseGradOp is one piece of the dense op's backward pass; the output is
// rows × cols and inner is the summed dimension of the products.
type denseGradOp struct {
	opmeta.Owned
	kind              gradKind
	dt                tensor.Dtype
	rows, cols, inner int
	out               *tensor.Dense
	sp                any      // *kernels.CSR[T] of xᵀ
	xT                any      // []T: xᵀ
	fwd               *denseOp // the forward op: its choice of kernel for x, its Wᵀ
	sk                any      // *kernels.Skinny[T]: scratch of the narrow products
}

func (op *denseGradOp) Arity() int {
	if op.kind == gradBias {
		return 1
	}
	return 2
}
func (op *denseGradOp) Type() hm.Type {
	t := matType(op.dt)
	if op.kind == gradBias {
		return hm.NewFnType(t, t)
	}
	return hm.NewFnType(t, t, t)
}
func (op *denseGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.rows, op.cols}, nil
}
func (op *denseGradOp) String() string { return gradNames[op.kind] }

func (op *denseGradOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseArgs(op.String(), op.Arity(), vals)
	if err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, op.rows, op.cols)
	switch out := op.out.Data().(type) {
	case []float32:
		denseGrad(op, out, a[0].Data().([]float32), data2[float32](a))
	case []float64:
		denseGrad(op, out, a[0].Data().([]float64), data2[float64](a))
	}
	return op.out, nil
}

func data2[T float](a [5]*tensor.Dense) []T {
	if a[1] == nil {
		return nil
	}
	return a[1].Data().([]T)
}

func denseGrad[T float](op *denseGradOp, out, a, b []T) {
	switch op.kind {
	case gradReLU: // a = y, b = dy
		kernels.ParallelRows(len(out), 1, func(lo, hi int) { kernels.ReLUGrad(a[lo:hi], b[lo:hi], out[lo:hi]) })
	case gradInput: // a = dz (rows, inner), b = W (cols, inner)
		if kernels.SkinnyOK[T](op.cols, op.inner) {
			skinnyOf[T](&op.sk).InputGrad(out, a, b, transposedW(op.fwd, b), op.rows, op.cols, op.inner)
			return
		}
		kernels.GemmRows(false, true, op.rows, op.cols, op.inner, a, op.inner, b, op.inner, out, op.cols, nil)
	case gradWeights: // a = x (inner, rows), b = dz (inner, cols)
		in, units, bs := op.rows, op.cols, op.inner
		// The tape runs the forward op before this one in every run, on the
		// same x: its choice of kernel is reused when it is of this x.
		fromFwd := op.fwd != nil && op.fwd.spX != nil && op.fwd.spX == any(&a[0])
		if fromFwd || units >= kernels.SparseMinWidth && kernels.SparseDensity(a) < sparseMaxFor(units) {
			// The terms of row k of xᵀ·dz are the nonzeros of column k of
			// x: x is transposed (8×8 blocks) and its rows' nonzeros found
			// as in the forward op. For an MNIST batch that is cheaper on
			// one core than scattering the forward's row lists into column
			// lists, and it splits evenly over the cores
			// (BenchmarkDenseWeightGradMNIST; BENCHMARKS.md, "Dense op").
			xT, _ := op.xT.([]T)
			xT = kernels.Grow(xT, in*bs)
			op.xT = xT
			kernels.TransposeRows(xT, a, bs, in)
			c := sparseOf[T](&op.sp)
			c.RowsOf(xT, in, bs)
			kernels.Spmm(out, c, b, units, units, nil, false)
			return
		}
		if kernels.SkinnyOK[T](in, units) {
			skinnyOf[T](&op.sk).WeightGrad(out, a, b, bs, in, units)
			return
		}
		kernels.GemmRows(true, false, in, units, bs, a, in, b, units, out, units, nil)
	case gradBias: // a = dz (inner, cols)
		cols := op.cols
		kernels.ParallelRows(cols, op.inner, func(lo, hi int) {
			o := out[lo:hi]
			clear(o)
			for i := 0; i < op.inner; i++ {
				kernels.AddTo(o, a[i*cols+lo:i*cols+hi])
			}
		})
	}
}

// sparseOf returns the *kernels.CSR[T] kept in *sp, making it on first use.
func sparseOf[T float](sp *any) *kernels.CSR[T] {
	c, ok := (*sp).(*kernels.CSR[T])
	if !ok {
		c = &kernels.CSR[T]{}
		*sp = c
	}
	return c
}

// Dense adds act(x·W + bias) (act the identity, or ReLU when relu is set).
// The input gradient is left out of the fused op when x is data, or
// computed from data alone (FromData: no gradient is asked of it).
func (b *Builder) Dense(x, w, bias *G.Node, relu bool) (*G.Node, error) {
	if err := needBuilder("dense", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return Dense(x, w, bias, relu, !b.FromData(x)) },
		func() (*G.Node, error) { return DenseTwin(b, x, w, bias, relu) })
}

// DenseTwin is Dense from primitives: x·W (Mul), + b broadcast over the
// rows (BroadcastAdd), then ReLU when relu is set.
func DenseTwin(b *Builder, x, w, bias *G.Node, relu bool) (*G.Node, error) {
	if err := needBuilder("dense twin", b); err != nil {
		return nil, err
	}
	if err := needNodes("dense twin", "x w bias", x, w, bias); err != nil {
		return nil, err
	}
	xw, err := G.Mul(x, w)
	if err != nil {
		return nil, errors.Wrap(err, "dense twin: x·W")
	}
	z, err := G.BroadcastAdd(xw, bias, nil, []byte{0})
	if err != nil {
		return nil, errors.Wrap(err, "dense twin: + b")
	}
	if !relu {
		return z, nil
	}
	return ReLUTwin(b, z)
}

// lastOutput implements ownedOutput: Do allocates op.out once and returns
// it on every run, so a machine can hand a param's gradient out without
// copying it.
func (op *denseGradOp) lastOutput() *tensor.Dense { return op.out }

// A dense layer with a narrow side (at most kernels.SkinnyMax units, such
// as a 10-class output) runs its products through kernels.Skinny; its
// scratch lives in the op (sk), and the forward op's transposed weights
// are reused by the input gradient of the same run.

func skinnyOf[T float](sp *any) *kernels.Skinny[T] {
	s, ok := (*sp).(*kernels.Skinny[T])
	if !ok {
		s = &kernels.Skinny[T]{}
		*sp = s
	}
	return s
}

// transposedW returns the Wᵀ (units×in) that the forward op op left in its
// scratch in this run, when its weights are w, and nil otherwise. The tape
// runs the forward op before the backward ones in every run, and W's
// tensor is the same from run to run, so a match is of this run.
func transposedW[T float](op *denseOp, w []T) []T {
	if op == nil || op.skW == nil || len(w) == 0 || op.skW != any(&w[0]) {
		return nil
	}
	s, ok := op.sk.(*kernels.Skinny[T])
	if !ok {
		return nil
	}
	return s.Transposed()
}
