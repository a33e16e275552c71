package graph

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// convOp is the fused 2-D convolution act(conv(x, K) + b) over
// channels-last images, x (batch, h, w, c), K (kh, kw, c, filters) and b
// (1, filters), giving (batch, oh, ow, filters); act is the identity or
// ReLU. Without a bias (hasBias false: Conv2D's NoBias) it takes x and K
// alone and computes act(conv(x, K)), with no bias gradient. It computes
// what patchesOp, Builder.Dense and two reshapes compute (convIm2col; the
// twin, ConvTwin, builds the patches from primitives), without their
// intermediates:
//
//   - the batch is taken a group of samples at a time (taskSamples), the
//     groups shared out among the cores (kernels.ParallelTasksOn);
//   - a group's rows of the im2col matrix go into scratch the op keeps
//     from run to run, one group's worth per core (the whole matrix of the
//     MNIST convnet's second layer would be 8.9 MB);
//   - one GEMM of those rows by K, seen as (kh·kw·c, filters), writes the
//     output directly in its (batch, oh, ow, filters) layout, which is the
//     product's row-major (batch·oh·ow, filters): no reshape node, no copy;
//   - bias and ReLU are applied to the group's rows while they are in the
//     core's cache (as graph's fused dense op does);
//   - a 1×1 kernel of stride 1 needs no im2col at all: x is the matrix.
//
// The backward pass (SymDiff, convGradOp) leaves the input gradient out
// when x is data (needDx false), as the first layer of a model is. It
// computes the im2col rows again for the kernel gradient, a group of
// samples at a time, rather than keep the forward's whole matrix: every
// machine holds its ops' buffers for as long as it lives (a trainer keeps
// graphs for two batch sizes, and evaluation graphs), and the Go heap's
// peak, which the process's resident size follows, is twice the live
// heap; recomputing costs one pass of im2col per step, into cache.
//
// Its output, like every tensor of its gradient ops, is allocated once and
// returned by every run. That is safe in Gorgonia v0.9.18 for the reason
// given at graph.Machine's ownedOutput: the tape machine writes into a
// register only through an op that overwrites an input in place, which it
// would do to a fresh tensor just the same, and every run rewrites all of
// the tensor before anything reads it.
type convOp struct {
	opmeta.Owned
	g       Window
	batch   int
	filters int
	dt      tensor.Dtype
	relu    bool
	needDx  bool
	hasBias bool // a third input, b
	out     *tensor.Dense
	cols    any // []T: im2col scratch, one task's rows per goroutine
}

// conv2D adds the fused convolution of x by k plus bias (ReLU'd when relu
// is set) to x's graph; a nil bias adds none.
func conv2D(g Window, x, k, bias *G.Node, relu, needDx bool) (*G.Node, error) {
	if err := needNodes("conv", "x kernel", x, k); err != nil {
		return nil, err
	}
	dt := x.Dtype()
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("conv: unsupported dtype %v", dt)
	}
	if k.Dtype() != dt {
		return nil, errors.Errorf("conv: mixed dtypes %v and %v", dt, k.Dtype())
	}
	xs, ks := x.Shape(), k.Shape()
	if len(xs) != 4 || xs[1] != g.h || xs[2] != g.w || xs[3] != g.c {
		return nil, errors.Errorf("conv: input has shape %v, want (batch, %d, %d, %d)", xs, g.h, g.w, g.c)
	}
	if len(ks) != 4 || ks[0] != g.kh || ks[1] != g.kw || ks[2] != g.c {
		return nil, errors.Errorf("conv: kernel has shape %v, want (%d, %d, %d, filters)", ks, g.kh, g.kw, g.c)
	}
	filters := ks[3]
	op := &convOp{g: g, batch: xs[0], filters: filters, dt: dt, relu: relu, needDx: needDx}
	if bias == nil {
		return G.ApplyOp(op, x, k)
	}
	if bias.Dtype() != dt {
		return nil, errors.Errorf("conv: mixed dtypes %v and %v", dt, bias.Dtype())
	}
	if bs := bias.Shape(); len(bs) != 2 || bs[0] != 1 || bs[1] != filters {
		return nil, errors.Errorf("conv: bias has shape %v, want (1, %d)", bs, filters)
	}
	op.hasBias = true
	return G.ApplyOp(op, x, k, bias)
}

// direct reports whether x itself is the im2col matrix: a 1×1 kernel of
// stride 1 (whose padding is always 0) takes each pixel's channels as one
// row.
func (op *convOp) direct() bool {
	return op.g.kh == 1 && op.g.kw == 1 && op.g.sh == 1 && op.g.sw == 1
}

func (op *convOp) inShape() tensor.Shape { return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c} }
func (op *convOp) kernelShape() tensor.Shape {
	return tensor.Shape{op.g.kh, op.g.kw, op.g.c, op.filters}
}
func (op *convOp) outShape() tensor.Shape {
	return tensor.Shape{op.batch, op.g.oh, op.g.ow, op.filters}
}

func (op *convOp) Arity() int {
	if op.hasBias {
		return 3
	}
	return 2
}
func (op *convOp) Type() hm.Type {
	t4 := G.TensorType{Dims: 4, Of: op.dt}
	if !op.hasBias {
		return hm.NewFnType(t4, t4, t4)
	}
	return hm.NewFnType(t4, t4, G.TensorType{Dims: 2, Of: op.dt}, t4)
}
func (op *convOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.outShape(), nil }

func (op *convOp) String() string {
	s := fmt.Sprintf("conv%dx%d(x,K)", op.g.kh, op.g.kw)
	if op.hasBias {
		s += "+b"
	}
	if op.relu {
		return "relu(" + s + ")"
	}
	return s
}

// inShapes are the shapes of the op's inputs: x, K and, with a bias, b.
func (op *convOp) inShapes() []tensor.Shape {
	in := []tensor.Shape{op.inShape(), op.kernelShape()}
	if op.hasBias {
		in = append(in, tensor.Shape{1, op.filters})
	}
	return in
}

func (op *convOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.inShapes()...)
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.outShape()...)
	switch y := op.out.Data().(type) {
	case []float32:
		convForward(op, a[0].Data().([]float32), a[1].Data().([]float32), third[float32](a), y)
	case []float64:
		convForward(op, a[0].Data().([]float64), a[1].Data().([]float64), third[float64](a), y)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

// third is the data of a's third tensor, the bias, or nil without one.
func third[T float32 | float64](a []*tensor.Dense) []T {
	if len(a) < 3 {
		return nil
	}
	return a[2].Data().([]T)
}

// convForward computes the op's output y; b is nil for a convolution
// without bias.
func convForward[T float32 | float64](op *convOp, x, k, b, y []T) {
	f, n := op.filters, op.g.PatchLen()
	s, per, tasks := op.tasks()
	workers := kernels.TaskWorkers(tasks)
	cols := patchScratch[T](op, &op.cols, workers)
	// Each task takes a group of samples through im2col, the product and
	// bias and ReLU while its rows are in the core's cache (the whole
	// batch's matrix is 8.9 MB for the second MNIST layer; a pass over it
	// per step came back from memory).
	kernels.ParallelTasksOn(tasks, workers, func(t, w int) {
		b0, b1 := t*s, min((t+1)*s, op.batch)
		r0, r1 := b0*per, b1*per
		c := taskPatches(op, x, cols, w, s, b0, b1)
		kernels.Gemm(false, false, r1-r0, f, n, c, n, k, f, false, y[r0*f:], f)
		switch {
		case b == nil && op.relu:
			kernels.ReLUInPlace(y[r0*f : r1*f])
			return
		case b == nil:
			return
		case op.relu:
			kernels.BiasReLU(y[r0*f:r1*f], b)
			return
		}
		for i := r0; i < r1; i++ {
			kernels.AddTo(y[i*f:(i+1)*f], b)
		}
	})
}

// taskSamples is how many samples one task of the op's per-sample loops
// (convForward, the input gradient) takes: enough for about 256 rows of
// output positions, as a product of fewer rows runs the GEMM's 12-row
// kernel on short panels and packs K for little work, but no more than an
// eighth of the batch, so that the cores share at least 8 tasks. It
// depends on the shapes only, not on GOMAXPROCS: every row is computed by
// the same GEMM call whatever the number of cores, so the results are
// the same bits at GOMAXPROCS 1 and 2. For the MNIST convnet at batch 64
// that is 1, 3 and 8 samples (676, 363 and 72 rows) for its three layers.
func (op *convOp) taskSamples() int {
	per := op.g.oh * op.g.ow
	return max(1, min((256+per-1)/per, (op.batch+7)/8))
}

// tasks is how the per-sample loops cut the batch: s samples (taskSamples)
// of per output positions each, in tasks groups.
func (op *convOp) tasks() (s, per, tasks int) {
	s, per = op.taskSamples(), op.g.oh*op.g.ow
	return s, per, (op.batch + s - 1) / s
}

// patchScratch returns the im2col scratch kept in *slot, grown to one
// group of taskSamples samples' patch rows per worker, or nil when op
// reads its input directly (taskPatches).
func patchScratch[T float32 | float64](op *convOp, slot *any, workers int) []T {
	if op.direct() {
		return nil
	}
	s, per, _ := op.tasks()
	cols, _ := (*slot).([]T)
	cols = kernels.Grow(cols, workers*s*per*op.g.PatchLen())
	*slot = cols
	return cols
}

// DiffWRT implements gorgonia.SDOp: x is differentiable only when its
// gradient is wanted (needDx).
func (op *convOp) DiffWRT(int) []bool { return []bool{op.needDx, true, true}[:op.Arity()] }

// SymDiff implements gorgonia.SDOp: with dz = dy ⊙ [y > 0] (ReLU) or dy,
// dK = colsᵀ·dz, db = Σrows dz (with a bias), dx = col2im(dz·Kᵀ).
func (op *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, errors.Errorf("%v: %d inputs, want %d", op, len(inputs), op.Arity())
	}
	dz := grad
	var err error
	if pg, ok := grad.Op().(*maxPoolGradOp); op.relu && !(ok && pg.fwd.reluOf == output) {
		if dz, err = G.ApplyOp(&convGradOp{kind: convGradReLU, fwd: op}, output, grad); err != nil {
			return nil, errors.Wrapf(err, "%v gradient", op)
		}
	}
	// Otherwise grad is the gradient of a fused max pooling of this
	// output alone, which already holds the ReLU's derivative (see
	// maxPoolOp.reluOf).
	var dx *G.Node
	if op.needDx {
		if dx, err = G.ApplyOp(&convGradOp{kind: convGradInput, fwd: op}, dz, inputs[1]); err != nil {
			return nil, errors.Wrapf(err, "%v gradient", op)
		}
	}
	dk, err := G.ApplyOp(&convGradOp{kind: convGradKernel, fwd: op}, inputs[0], dz)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	if !op.hasBias {
		return G.Nodes{dx, dk}, nil
	}
	db, err := G.ApplyOp(&convGradOp{kind: convGradBias, fwd: op}, dz)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{dx, dk, db}, nil
}

// ownedTensor returns t when it is a dense tensor of dt and shape, and a
// new one otherwise: an op's output allocated on its first run and reused
// by every later one.
func ownedTensor(t *tensor.Dense, dt tensor.Dtype, shape ...int) *tensor.Dense {
	if t != nil && t.Dtype() == dt && t.Shape().Eq(tensor.Shape(shape)) {
		return t
	}
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
}

// denseInputs returns vals as contiguous dense tensors of the shapes
// wanted, one per value.
func denseInputs(op fmt.Stringer, vals []G.Value, want ...tensor.Shape) ([]*tensor.Dense, error) {
	if len(vals) != len(want) {
		return nil, errors.Errorf("%v: %d inputs, want %d", op, len(vals), len(want))
	}
	out := make([]*tensor.Dense, len(vals))
	for i := range vals {
		d, err := denseInput1(op, vals[i:i+1], want[i])
		if err != nil {
			return nil, errors.Wrapf(err, "input %d", i)
		}
		out[i] = d
	}
	return out, nil
}

// taskPatches returns the rows of the im2col matrix for samples [b0, b1),
// the share of a task run by worker w of tasks of s samples: x itself for
// a direct (1×1, stride 1) convolution, otherwise written into w's part of
// cols (s samples' rows each). The forward op and the kernel gradient both
// build their rows this way.
func taskPatches[T float32 | float64](op *convOp, x, cols []T, w, s, b0, b1 int) []T {
	per, n := op.g.oh*op.g.ow, op.g.PatchLen()
	if op.direct() {
		return x[b0*per*n:]
	}
	c := cols[w*s*per*n:]
	im2colSamples(op.g, b0, b1, x, c)
	return c
}

// im2colTwin is patchesOp's twin: the same (batch·oh·ow, kh·kw·c) matrix of
// windows, rows in (kernel row, kernel column, channel) order and zeros in
// the padding, built only from Gorgonia primitives so that gorgonia.Grad
// derives its gradient (col2im) by itself. The parity tests hold the
// custom op to it.
//
// The input is padded with zeros by Concat, then for every kernel offset
// (i, j) a strided Slice picks the input under that offset of every window,
// (batch, oh, ow, c); the kh·kw of them concatenated along the channel axis
// are the rows, reshaped to a matrix.
func im2colTwin(x *G.Node, g Window) (*G.Node, error) {
	batch, err := twinInput("im2col twin", x, g)
	if err != nil {
		return nil, err
	}
	offs, err := twinWindowOffsets(x, g, 0)
	if err != nil {
		return nil, errors.Wrap(err, "im2col twin")
	}
	cat := offs[0]
	if len(offs) > 1 {
		// Concat of a single node returns that node's value itself (an
		// alias), so it is only used to join two or more.
		if cat, err = G.Concat(3, offs...); err != nil {
			return nil, errors.Wrap(err, "im2col twin: concat")
		}
	}
	// Gorgonia's Reshape aliases its input (GORGONIA-NOTES.md); here the
	// input is the concatenation, a fresh tensor that nothing else reads
	// and whose value no gradient needs, so the alias is harmless.
	out, err := G.Reshape(cat, tensor.Shape{batch * g.oh * g.ow, g.PatchLen()})
	return out, errors.Wrap(err, "im2col twin: reshape")
}

// patchesOp is the Gorgonia op for im2col over channels-last images (see
// im2col); with grad it is col2im, its gradient. It writes a fresh tensor
// every run and never aliases its input, so the tape machine's in-place
// reuse cannot reach a value the backward pass still reads. Gorgonia has
// an Im2Col, but for channels-first images (and so a transpose, which
// Gorgonia does in place, around it) and symmetric padding only, while
// Keras's "same" pads the odd row below.
type patchesOp struct {
	opmeta.Pure
	g     Window
	batch int
	dt    tensor.Dtype
	grad  bool
}

func (op *patchesOp) imageShape() tensor.Shape { return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c} }
func (op *patchesOp) colsShape() tensor.Shape {
	return tensor.Shape{op.batch * op.g.oh * op.g.ow, op.g.PatchLen()}
}
func (op *patchesOp) shapes() (in, out tensor.Shape) {
	if op.grad {
		return op.colsShape(), op.imageShape()
	}
	return op.imageShape(), op.colsShape()
}

func (op *patchesOp) Arity() int { return 1 }
func (op *patchesOp) Type() hm.Type {
	in, out := op.shapes()
	return hm.NewFnType(G.TensorType{Dims: in.Dims(), Of: op.dt}, G.TensorType{Dims: out.Dims(), Of: op.dt})
}
func (op *patchesOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	_, out := op.shapes()
	return out, nil
}
func (op *patchesOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "%s %+v %d %v", op, op.g, op.batch, op.dt)
}
func (op *patchesOp) Hashcode() uint32 { return opHash(op) }
func (op *patchesOp) String() string {
	if op.grad {
		return "gradgraph.col2im"
	}
	return "gradgraph.im2col"
}

func (op *patchesOp) Do(vals ...G.Value) (G.Value, error) {
	in, out := op.shapes()
	x, err := denseInput1(op, vals, in)
	if err != nil {
		return nil, err
	}
	y := tensor.New(tensor.Of(op.dt), tensor.WithShape(out...))
	switch yd := y.Data().(type) {
	case []float32:
		if op.grad {
			col2im(op.g, op.batch, x.Data().([]float32), yd)
		} else {
			im2col(op.g, op.batch, x.Data().([]float32), yd)
		}
	case []float64:
		if op.grad {
			col2im(op.g, op.batch, x.Data().([]float64), yd)
		} else {
			im2col(op.g, op.batch, x.Data().([]float64), yd)
		}
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return y, nil
}

// DiffWRT implements gorgonia.SDOp.
func (op *patchesOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: im2col and col2im are each other's
// adjoints, so each one's gradient is the other applied to the gradient.
func (op *patchesOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	d, err := G.ApplyOp(&patchesOp{g: op.g, batch: op.batch, dt: op.dt, grad: !op.grad}, grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{d}, nil
}

// Conv2D adds act(conv(x, K) + bias) over channels-last images x (batch,
// h, w, c) in window g, giving (batch, oh, ow, filters): the fused op
// (convOp) or its twin (ConvTwin). kernel is the (kh, kw, c, filters)
// param, bias the (1, filters) one or nil for none. relu folds ReLU into
// the op; act, when not nil, is another activation, applied to the output
// seen as (positions, filters) rows (a softmax normalises over the
// filters, Keras's last axis). The fused op leaves the input gradient out
// when x is data or computed from data alone (FromData).
func (b *Builder) Conv2D(g Window, x *G.Node, kernel, bias *Param, relu bool, act func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	if err := needConv("conv2d", b, x, kernel); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return convFused(b, g, x, kernel, bias, relu, act) },
		func() (*G.Node, error) { return ConvTwin(b, g, x, kernel, bias, relu, act) })
}

// convFused builds the fused convolution (convOp), given no bias node when
// there is no bias. ReLU is folded into it; another activation is applied
// to its output seen as (positions, filters) rows, as convFrom does.
func convFused(b *Builder, g Window, x *G.Node, kernel, bias *Param, relu bool, act func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	k, err := b.Param(kernel)
	if err != nil {
		return nil, err
	}
	bn, err := paramOrNil(b, bias)
	if err != nil {
		return nil, err
	}
	y, err := conv2D(g, x, k, bn, relu, !b.FromData(x))
	if err != nil || relu || act == nil {
		return y, err
	}
	batch, filters := x.Shape()[0], kernel.Shape()[3]
	z, err := Reshape(y, batch*g.oh*g.ow, filters)
	if err != nil {
		return nil, err
	}
	if z, err = act(z); err != nil {
		return nil, err
	}
	return Reshape(z, batch, g.oh, g.ow, filters)
}

// needConv checks Conv2D's and ConvTwin's builder, input and kernel (the
// bias may be nil: no bias), the same in both fusion modes.
func needConv(what string, b *Builder, x *G.Node, kernel *Param) error {
	if err := needBuilder(what, b); err != nil {
		return err
	}
	if err := needNodes(what, "x", x); err != nil {
		return err
	}
	return needParams(what, "kernel", kernel)
}

// paramOrNil returns p's node, or nil for no param.
func paramOrNil(b *Builder, p *Param) (*G.Node, error) {
	if p == nil {
		return nil, nil
	}
	return b.Param(p)
}

// ConvTwin is Conv2D from Gorgonia's primitives alone: the im2col matrix
// from strided slices and concatenations (im2colTwin), then
// Builder.Dense, which with Fused false is its own twin (Mul,
// BroadcastAdd, ReLU as x ⊙ [x > 0]). The reshapes copy (Reshape):
// Gorgonia's Reshape aliases its input, and a kernel param seen through
// it was overwritten in place by later ops (see op_reshape.go). The fused
// op is checked against it (TestConvnetFusionGradientsEqual in train, and
// the op-level parity tests).
func ConvTwin(b *Builder, g Window, x *G.Node, kernel, bias *Param, relu bool, act func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	if err := needConv("conv twin", b, x, kernel); err != nil {
		return nil, err
	}
	return convFrom(b, g, x, kernel, bias, relu, act, func(x *G.Node) (*G.Node, error) { return im2colTwin(x, g) })
}

// convIm2col builds the convolution from patchesOp (im2col in one custom
// op, itself checked against im2colTwin), Builder.Dense and reshapes: the
// op-level reference the fused op is tested against, faster to run over
// many shapes than the twin.
func convIm2col(b *Builder, g Window, x *G.Node, kernel, bias *Param, relu bool, act func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	return convFrom(b, g, x, kernel, bias, relu, act, func(x *G.Node) (*G.Node, error) {
		return G.ApplyOp(&patchesOp{g: g, batch: x.Shape()[0], dt: b.DType}, x)
	})
}

// convFrom builds the convolution as patches(x)·K + b: the im2col matrix
// from patches, then Builder.Dense and the reshapes; without a bias, the
// product (Mul) and ReLU alone.
func convFrom(b *Builder, g Window, x *G.Node, kernel, bias *Param, relu bool, act func(*G.Node) (*G.Node, error), patches func(*G.Node) (*G.Node, error)) (*G.Node, error) {
	batch, filters := x.Shape()[0], kernel.Shape()[3]
	cols, err := patches(x)
	if err != nil {
		return nil, err
	}
	k, err := b.Param(kernel)
	if err != nil {
		return nil, err
	}
	// (kh, kw, cin, filters) row-major is (kh·kw·cin, filters) with rows in
	// im2col's (row, column, channel) order.
	w, err := Reshape(k, g.PatchLen(), filters)
	if err != nil {
		return nil, err
	}
	bn, err := paramOrNil(b, bias)
	if err != nil {
		return nil, err
	}
	var z *G.Node
	if bn != nil {
		z, err = b.Dense(cols, w, bn, relu)
	} else {
		// No bias to add: the product, and the ReLU as Builder.Dense's
		// twin applies it (x ⊙ [x > 0], derivative 0 at 0).
		if z, err = G.Mul(cols, w); err == nil && relu {
			z, err = ReLUTwin(b, z)
		}
	}
	if err != nil {
		return nil, err
	}
	if !relu && act != nil {
		// Applied to (positions, filters) rows: a softmax normalises over
		// the filters, Keras's last axis.
		if z, err = act(z); err != nil {
			return nil, err
		}
	}
	return Reshape(z, batch, g.oh, g.ow, filters)
}
