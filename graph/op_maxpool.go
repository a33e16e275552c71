package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// maxPoolOp is the fused max pooling over channels-last images, the op
// Builder.MaxPool2D builds when b.Fused is set (poolOp for an input too
// large for its indices; the twin, MaxPoolTwin, otherwise). It computes
// what poolOp computes, to the bit, with three differences in how:
//
//   - it works on a pixel's channel vector at a time (contiguous in
//     channels-last) instead of one channel at a time with a stride of c,
//     and shares the samples out among the cores;
//   - it records, for every output, the flat index in x of the input that
//     won (the first maximum in row-major window order, as poolOp, since
//     a later candidate replaces it only when strictly greater), so that
//     the gradient is a scatter of dy instead of a second search;
//   - its output, index list and gradient are allocated once and reused by
//     every run (see convOp for why that is safe).
type maxPoolOp struct {
	opmeta.Owned
	g     Window
	batch int
	dt    tensor.Dtype
	out   *tensor.Dense
	arg   []int32 // per output, the flat index in x of its maximum
	argOf any     // *T: &x[0] of the run arg was computed from, nil before

	// reluOf is x when x is a fused convolution's ReLU output, nil
	// otherwise. The gradient then comes out already multiplied by
	// [x ≠ 0], the ReLU's derivative, and the convolution leaves its own
	// ReLU gradient out (convOp.SymDiff): one pass over the first MNIST
	// layer's 5.5 MB output instead of two. The values differ from the
	// pooling's own gradient only where x = 0 at a window's maximum, that
	// is where every input of the window is 0, which the ReLU's
	// derivative zeroes anyway; the product is the same bits as the two
	// passes', and nothing else reads the pooling's gradient.
	reluOf *G.Node
}

// maxPool2D adds the fused max pooling of x (batch, h, w, c) to its graph.
// It returns nil and no error when x is too large for the op's 32-bit
// indices; the caller then builds poolOp.
func maxPool2D(g Window, x *G.Node) (*G.Node, error) {
	if err := needNodes("maxpool", "x", x); err != nil {
		return nil, err
	}
	dt := x.Dtype()
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("maxpool: unsupported dtype %v", dt)
	}
	xs := x.Shape()
	if len(xs) != 4 || xs[1] != g.h || xs[2] != g.w || xs[3] != g.c {
		return nil, errors.Errorf("maxpool: input has shape %v, want (batch, %d, %d, %d)", xs, g.h, g.w, g.c)
	}
	if int64(xs.TotalSize()) > math.MaxInt32 {
		return nil, nil
	}
	op := &maxPoolOp{g: g, batch: xs[0], dt: dt}
	if c, ok := x.Op().(*convOp); ok && c.relu {
		op.reluOf = x
	}
	return G.ApplyOp(op, x)
}

func (op *maxPoolOp) inShape() tensor.Shape  { return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c} }
func (op *maxPoolOp) outShape() tensor.Shape { return tensor.Shape{op.batch, op.g.oh, op.g.ow, op.g.c} }

func (op *maxPoolOp) Arity() int { return 1 }
func (op *maxPoolOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: op.dt}
	return hm.NewFnType(t, t)
}
func (op *maxPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.outShape(), nil }

func (op *maxPoolOp) String() string { return fmt.Sprintf("maxpool%dx%d", op.g.kh, op.g.kw) }

func (op *maxPoolOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.inShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.outShape()...)
	op.arg = kernels.Grow(op.arg, op.outShape().TotalSize())
	switch y := op.out.Data().(type) {
	case []float32:
		x := a[0].Data().([]float32)
		maxPoolForward(op, x, y)
		op.argOf = &x[0]
	case []float64:
		x := a[0].Data().([]float64)
		maxPoolForward(op, x, y)
		op.argOf = &x[0]
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

func maxPoolForward[T float32 | float64](op *maxPoolOp, x, y []T) {
	g, arg, s := op.g, op.arg, op.taskSamples()
	kernels.ParallelTasks((op.batch+s-1)/s, func(t int) {
		maxPoolSamples(g, t*s, min((t+1)*s, op.batch), x, y, arg)
	})
}

// taskSamples is how many samples one task of the op's loops takes: a
// sixteenth of the batch (4 samples of 13×13×32 outputs at batch 64), each
// many times its hand-off, so that the cores share the tasks evenly
// (BenchmarkTrainStepConvnet; BENCHMARKS.md, "Convolution and pooling"). Every
// output is computed the same way whichever task runs it.
func (op *maxPoolOp) taskSamples() int { return max(1, op.batch/16) }

// maxPoolSamples pools the samples [b0, b1) of x into y and records each
// output's winning index in arg: per output pixel, the first window
// position's channel vector, then an elementwise strict maximum with every
// later position in row-major order. Per channel that is exactly maxPool's
// comparison sequence, so ties, and NaNs, come out the same.
func maxPoolSamples[T float32 | float64](g Window, b0, b1 int, x, y []T, arg []int32) {
	c := g.c
	img := g.h * g.w * c
	for b := b0; b < b1; b++ {
		base := b * img
		xb := x[base : base+img]
		for oy := 0; oy < g.oh; oy++ {
			y0, y1 := max(oy*g.sh-g.top, 0), min(oy*g.sh-g.top+g.kh, g.h)
			for ox := 0; ox < g.ow; ox++ {
				x0, x1 := max(ox*g.sw-g.left, 0), min(ox*g.sw-g.left+g.kw, g.w)
				o := ((b*g.oh+oy)*g.ow + ox) * c
				dst, at := y[o:o+c], arg[o:o+c]
				p := (y0*g.w + x0) * c
				copy(dst, xb[p:p+c])
				first := int32(base + p)
				for ch := range at {
					at[ch] = first + int32(ch)
				}
				for iy := y0; iy < y1; iy++ {
					for ix := x0; ix < x1; ix++ {
						if iy == y0 && ix == x0 {
							continue
						}
						p := (iy*g.w + ix) * c
						kernels.MaxInto(dst, at, xb[p:p+c], int32(base+p))
					}
				}
			}
		}
	}
}

// DiffWRT implements gorgonia.SDOp.
func (op *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: dx takes each dy at its window's
// maximum.
func (op *maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	dx, err := G.ApplyOp(&maxPoolGradOp{fwd: op}, inputs[0], output, grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{dx}, nil
}

// maxPoolGradOp is maxPoolOp's gradient: (x, y, dy) → dx. y, the
// pooling's output, is each window's maximum: where x is a ReLU's output
// (reluOf), whether the maximum is 0 is read from y, contiguous, instead
// of from x at the scattered indices, which by the backward pass has left
// the cache (5.5 MB for the first MNIST layer).
type maxPoolGradOp struct {
	opmeta.Owned
	fwd *maxPoolOp
	out *tensor.Dense
}

func (op *maxPoolGradOp) Arity() int { return 3 }
func (op *maxPoolGradOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: op.fwd.dt}
	return hm.NewFnType(t, t, t, t)
}
func (op *maxPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.inShape(), nil
}
func (op *maxPoolGradOp) String() string { return op.fwd.String() + "'" }

func (op *maxPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	f := op.fwd
	a, err := denseInputs(op, vals, f.inShape(), f.outShape(), f.outShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, f.dt, f.inShape()...)
	switch dx := op.out.Data().(type) {
	case []float32:
		maxPoolBackward(f, a[0].Data().([]float32), a[1].Data().([]float32), a[2].Data().([]float32), dx)
	case []float64:
		maxPoolBackward(f, a[0].Data().([]float64), a[1].Data().([]float64), a[2].Data().([]float64), dx)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, f.dt)
	}
	return op.out, nil
}

// maxPoolBackward scatters dy onto dx at the indices the forward run
// recorded, when they are of this x: the tape runs the forward op before
// this one in every run, on the same tensor, so its indices are this
// run's. Otherwise (another x) it searches the windows again (maxPool).
// Within a sample the outputs add in ascending order, as maxPool's do, so
// overlapping windows sum in the same order either way.
func maxPoolBackward[T float32 | float64](f *maxPoolOp, x, y, dy, dx []T) {
	g := f.g
	if f.argOf != any(&x[0]) || len(f.arg) != len(dy) {
		maxPool(g, f.batch, x, nil, dy, dx, true)
		if f.reluOf != nil {
			for i, v := range x {
				if v == 0 {
					dx[i] = 0
				}
			}
		}
		return
	}
	arg, s := f.arg, f.taskSamples()
	img, per := g.h*g.w*g.c, g.oh*g.ow*g.c
	kernels.ParallelTasks((f.batch+s-1)/s, func(t int) {
		// Cleared just before the scatter, while in cache.
		lo, hi := t*s, min((t+1)*s, f.batch)
		clear(dx[lo*img : hi*img])
		if f.reluOf != nil {
			scatterNonzero(dx, dy, y, arg, lo*per, hi*per)
			return
		}
		for o := lo * per; o < hi*per; o++ {
			dx[arg[o]] += dy[o]
		}
	})
}

// scatterNonzero adds dy[o] onto dx[arg[o]] where y[o], the pooling's
// output and so x[arg[o]], is ≠ 0 (NaN included, as kernels.ReLUGrad
// keeps it), for o in [lo, hi), and +0 elsewhere, without branches:
// whether a ReLU output is 0 is a coin toss. Adding +0 leaves a cleared +0
// as it is, so the result is that of the plain scatter followed by
// ReLUGrad on x, to the bit.
func scatterNonzero[T float32 | float64](dx, dy, y []T, arg []int32, lo, hi int) {
	switch dx := any(dx).(type) {
	case []float32:
		dy, y := any(dy).([]float32)[lo:hi], any(y).([]float32)[lo:hi]
		arg := arg[lo:hi]
		for o, v := range y {
			var m uint32
			if v != 0 {
				m = ^uint32(0)
			}
			dx[arg[o]] += math.Float32frombits(math.Float32bits(dy[o]) & m)
		}
	case []float64:
		dy, y := any(dy).([]float64)[lo:hi], any(y).([]float64)[lo:hi]
		arg := arg[lo:hi]
		for o, v := range y {
			var m uint64
			if v != 0 {
				m = ^uint64(0)
			}
			dx[arg[o]] += math.Float64frombits(math.Float64bits(dy[o]) & m)
		}
	}
}

// DiffWRT implements gorgonia.SDOp.
func (op *maxPoolGradOp) DiffWRT(int) []bool { return []bool{false, false, false} }

// SymDiff implements gorgonia.SDOp.
func (op *maxPoolGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("maxpool: no second derivative")
}

// MaxPoolTwin is poolOp's twin: the maximum of every window of each
// channel, (batch, oh, ow, c), built only from Gorgonia primitives so that
// gorgonia.Grad derives its gradient by itself. The parity tests hold the
// custom op to it.
//
// The window offsets are twinWindowOffsets' strided slices of the input padded
// with the most negative finite value of the type, which no input beats
// (every window holds at least one input, so a padding value never wins).
// They are folded in row-major order by a select:
//
//	m ← m ⊙ [m ≥ v] + v ⊙ [m < v]
//
// The comparisons are not differentiable in Gorgonia (their DiffWRT is
// false), so they act as constant masks and the gradient of each step goes
// wholly to m where m ≥ v: on a tie the earlier offset keeps it. The whole
// gradient of a window therefore reaches its first maximum in row-major
// order, and only it, as poolOp's does. Gorgonia's Max reduction over a
// stacked axis would not do: its gradient is grad ⊙ (x == max), the full
// gradient to every tied element (TestMaxPoolTwinTies shows both).
//
// The padding is finite because the select multiplies it by 0: −Inf·0 is
// NaN. A max built as m + relu(v − m) would not do either: v − m overflows
// or loses v against a huge padding value.
func MaxPoolTwin(x *G.Node, g Window) (*G.Node, error) {
	if err := needNodes("maxpool twin", "x", x); err != nil {
		return nil, err
	}
	if _, err := twinInput("maxpool twin", x, g); err != nil {
		return nil, err
	}
	lowest := -math.MaxFloat64
	if x.Dtype() == tensor.Float32 {
		lowest = -math.MaxFloat32
	}
	offs, err := twinWindowOffsets(x, g, lowest)
	if err != nil {
		return nil, errors.Wrap(err, "maxpool twin")
	}
	m := offs[0]
	for _, v := range offs[1:] {
		if m, err = Maximum(m, v); err != nil {
			return nil, errors.Wrap(err, "maxpool twin")
		}
	}
	return m, nil
}

// Maximum is m ⊙ [m ≥ v] + v ⊙ [m < v]: the elementwise maximum, whose
// gradient goes to m where the two tie (nn's Maximum merge; MaxPoolTwin's
// fold). It holds for finite inputs: a NaN or ±Inf times a 0 mask is NaN.
func Maximum(m, v *G.Node) (*G.Node, error) {
	if err := needNodes("maximum", "m v", m, v); err != nil {
		return nil, err
	}
	keep, err := G.Gte(m, v, true)
	if err != nil {
		return nil, err
	}
	take, err := G.Lt(m, v, true)
	if err != nil {
		return nil, err
	}
	a, err := G.HadamardProd(m, keep)
	if err != nil {
		return nil, err
	}
	b, err := G.HadamardProd(v, take)
	if err != nil {
		return nil, err
	}
	return G.Add(a, b)
}

// poolOp is the Gorgonia op for max pooling over channels-last images (see
// maxPool); with grad it takes (x, dy) and returns dx. The gradient
// recomputes each window's maximum from x rather than keeping a mask from
// the forward run, so the op holds no state between runs. Gorgonia's
// MaxPool2D is channels-first and, given asymmetric padding, starts its
// windows from the wrong side.
type poolOp struct {
	opmeta.Pure
	g     Window
	batch int
	dt    tensor.Dtype
	grad  bool
}

func (op *poolOp) inShape() tensor.Shape  { return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c} }
func (op *poolOp) outShape() tensor.Shape { return tensor.Shape{op.batch, op.g.oh, op.g.ow, op.g.c} }

func (op *poolOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op *poolOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: op.dt}
	if op.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}
func (op *poolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return op.inShape(), nil
	}
	return op.outShape(), nil
}
func (op *poolOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s %+v %d %v", op, op.g, op.batch, op.dt) }
func (op *poolOp) Hashcode() uint32      { return opHash(op) }
func (op *poolOp) String() string {
	if op.grad {
		return "gradgraph.maxpool'"
	}
	return "gradgraph.maxpool"
}

func (op *poolOp) Do(vals ...G.Value) (G.Value, error) {
	if len(vals) != op.Arity() {
		return nil, errors.Errorf("%v: %d inputs, want %d", op, len(vals), op.Arity())
	}
	x, err := denseInput1(op, vals[:1], op.inShape())
	if err != nil {
		return nil, err
	}
	var dy *tensor.Dense
	out := op.outShape()
	if op.grad {
		if dy, err = denseInput1(op, vals[1:], op.outShape()); err != nil {
			return nil, err
		}
		out = op.inShape()
	}
	y := tensor.New(tensor.Of(op.dt), tensor.WithShape(out...))
	switch yd := y.Data().(type) {
	case []float32:
		if op.grad {
			maxPool(op.g, op.batch, x.Data().([]float32), nil, dy.Data().([]float32), yd, true)
		} else {
			maxPool(op.g, op.batch, x.Data().([]float32), yd, nil, nil, false)
		}
	case []float64:
		if op.grad {
			maxPool(op.g, op.batch, x.Data().([]float64), nil, dy.Data().([]float64), yd, true)
		} else {
			maxPool(op.g, op.batch, x.Data().([]float64), yd, nil, nil, false)
		}
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return y, nil
}

// DiffWRT implements gorgonia.SDOp.
func (op *poolOp) DiffWRT(int) []bool { return []bool{!op.grad, false} }

// SymDiff implements gorgonia.SDOp.
func (op *poolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("maxpool: no second derivative")
	}
	dx, err := G.ApplyOp(&poolOp{g: op.g, batch: op.batch, dt: op.dt, grad: true}, inputs[0], grad)
	if err != nil {
		return nil, errors.Wrap(err, "maxpool gradient")
	}
	return G.Nodes{dx}, nil
}

// MaxPool2D adds the maximum of every window g of x (batch, h, w, c) per
// channel, (batch, oh, ow, c): the fused op (maxPoolOp, or, when x is too
// large for its indices, the general scalar op poolOp) or its twin
// (MaxPoolTwin).
func (b *Builder) MaxPool2D(g Window, x *G.Node) (*G.Node, error) {
	if err := needBuilder("maxpool", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) {
			y, err := maxPool2D(g, x)
			if err != nil || y != nil {
				return y, err
			}
			return G.ApplyOp(&poolOp{g: g, batch: x.Shape()[0], dt: b.DType}, x)
		},
		func() (*G.Node, error) { return MaxPoolTwin(x, g) })
}
