package nn

import (
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// globalPoolInput checks that x is a float (batch, h, w, c) node and
// returns its shape.
func globalPoolInput(kind string, x *G.Node) (tensor.Shape, error) {
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("%s: unsupported dtype %v", kind, dt)
	}
	s := x.Shape()
	if len(s) != 4 || s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0 {
		return nil, errors.Errorf("%s: input has shape %v, want (batch, height, width, channels)", kind, s)
	}
	return s.Clone(), nil
}

// globalTaskSamples is how many samples one task of a global pooling
// loop takes: a sixteenth of the batch, as maxPoolOp's, so that the cores
// share the tasks evenly. Every output is computed the same way whichever
// task runs it.
func globalTaskSamples(batch int) int { return max(1, batch/16) }

// globalAvgPoolOp is the fused global average pooling, the op built when
// graph.Builder.Fused is set: x (batch, h, w, c) → y (batch, c), y[b, ch]
// the mean of x[b, ·, ·, ch] over the h·w positions. It computes what its
// twin (globalAvgPoolTwin: a copying reshape to (batch, h·w, c), then
// gorgonia.Mean along axis 1) computes, in the same order: per channel
// the positions are summed one after another in row-major order, starting
// from the first, and the sum is divided by h·w (not multiplied by a
// rounded reciprocal), as Gorgonia's Sum and HadamardDiv do; the sum runs
// over a pixel's contiguous channel vector at a time (kernels.AddTo)
// instead of through a reduction's strided loop, and without the reshaped
// copy. Its output and its gradient's are allocated once and reused by
// every run (see convOp for why that is safe).
type globalAvgPoolOp struct {
	opmeta.Owned
	batch, h, w, c int
	dt             tensor.Dtype
	out            *tensor.Dense
}

// globalAvgPool2D adds the fused global average pooling of x (batch, h,
// w, c) to its graph.
func globalAvgPool2D(x *G.Node) (*G.Node, error) {
	s, err := globalPoolInput("global average pool", x)
	if err != nil {
		return nil, err
	}
	return G.ApplyOp(&globalAvgPoolOp{batch: s[0], h: s[1], w: s[2], c: s[3], dt: x.Dtype()}, x)
}

func (op *globalAvgPoolOp) inShape() tensor.Shape  { return tensor.Shape{op.batch, op.h, op.w, op.c} }
func (op *globalAvgPoolOp) outShape() tensor.Shape { return tensor.Shape{op.batch, op.c} }

func (op *globalAvgPoolOp) Arity() int { return 1 }
func (op *globalAvgPoolOp) Type() hm.Type {
	return hm.NewFnType(G.TensorType{Dims: 4, Of: op.dt}, G.TensorType{Dims: 2, Of: op.dt})
}
func (op *globalAvgPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.outShape(), nil }
func (op *globalAvgPoolOp) String() string                                 { return "globalavgpool" }

func (op *globalAvgPoolOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.inShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.outShape()...)
	switch y := op.out.Data().(type) {
	case []float32:
		globalAvgForward(op, a[0].Data().([]float32), y)
	case []float64:
		globalAvgForward(op, a[0].Data().([]float64), y)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

// globalAvgForward writes into y (batch, c) the mean over positions of
// each sample and channel of x (batch, h·w, c).
func globalAvgForward[T float32 | float64](op *globalAvgPoolOp, x, y []T) {
	n, c, s := op.h*op.w, op.c, globalTaskSamples(op.batch)
	div := T(n)
	kernels.ParallelTasks((op.batch+s-1)/s, func(t int) {
		for b := t * s; b < min((t+1)*s, op.batch); b++ {
			xb, dst := x[b*n*c:(b+1)*n*c], y[b*c:(b+1)*c]
			copy(dst, xb[:c])
			for p := 1; p < n; p++ {
				kernels.AddTo(dst, xb[p*c:(p+1)*c])
			}
			for ch := range dst {
				dst[ch] /= div
			}
		}
	})
}

// DiffWRT implements gorgonia.SDOp.
func (op *globalAvgPoolOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: every input of a sample's channel
// gets that output's gradient divided by h·w.
func (op *globalAvgPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	dx, err := G.ApplyOp(&globalAvgPoolGradOp{fwd: op}, grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{dx}, nil
}

// globalAvgPoolGradOp is globalAvgPoolOp's gradient: dy (batch, c) → dx
// (batch, h, w, c), dx[b, i, j, ch] = dy[b, ch] / (h·w), the quotient the
// twin's HadamardDiv gradient computes, copied to every position.
type globalAvgPoolGradOp struct {
	opmeta.Owned
	fwd *globalAvgPoolOp
	out *tensor.Dense
}

func (op *globalAvgPoolGradOp) Arity() int { return 1 }
func (op *globalAvgPoolGradOp) Type() hm.Type {
	return hm.NewFnType(G.TensorType{Dims: 2, Of: op.fwd.dt}, G.TensorType{Dims: 4, Of: op.fwd.dt})
}
func (op *globalAvgPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.inShape(), nil
}
func (op *globalAvgPoolGradOp) String() string { return op.fwd.String() + "'" }

func (op *globalAvgPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	f := op.fwd
	a, err := denseInputs(op, vals, f.outShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, f.dt, f.inShape()...)
	switch dx := op.out.Data().(type) {
	case []float32:
		globalAvgBackward(f, a[0].Data().([]float32), dx)
	case []float64:
		globalAvgBackward(f, a[0].Data().([]float64), dx)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, f.dt)
	}
	return op.out, nil
}

func globalAvgBackward[T float32 | float64](f *globalAvgPoolOp, dy, dx []T) {
	n, c, s := f.h*f.w, f.c, globalTaskSamples(f.batch)
	div := T(n)
	kernels.ParallelTasks((f.batch+s-1)/s, func(t int) {
		for b := t * s; b < min((t+1)*s, f.batch); b++ {
			db, g := dx[b*n*c:(b+1)*n*c], dy[b*c:(b+1)*c]
			for ch, v := range g {
				db[ch] = v / div
			}
			for p := 1; p < n; p++ {
				copy(db[p*c:(p+1)*c], db[:c])
			}
		}
	})
}

// DiffWRT implements gorgonia.SDOp.
func (op *globalAvgPoolGradOp) DiffWRT(int) []bool { return []bool{false} }

// SymDiff implements gorgonia.SDOp.
func (op *globalAvgPoolGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("globalavgpool: no second derivative")
}

// globalMaxPoolOp is the fused global max pooling: x (batch, h, w, c) →
// y (batch, c), the maximum of each sample's channel over its h·w
// positions. It is maxPoolOp's computation for one window covering the
// whole image (maxPoolSamples, whose output for a single window per
// sample is laid out as (batch, c) already), and keeps what maxPoolOp
// keeps: for every output the flat index in x of the input that won, the
// first maximum in row-major order (a later position replaces it only when
// strictly greater, so a NaN at the first position wins and a later one
// loses), and its gradient is a scatter of dy at those indices. An input
// too large for 32-bit indices (more than 2^31 − 1 elements) is pooled
// by the scalar maxPool instead, which the gradient then repeats.
type globalMaxPoolOp struct {
	opmeta.Owned
	g     window // the whole image as one window: oh = ow = 1
	batch int
	dt    tensor.Dtype
	big   bool // too large for arg's int32 indices
	out   *tensor.Dense
	arg   []int32 // per output, the flat index in x of its maximum
	argOf any     // *T: &x[0] of the run arg was computed from, nil before
}

// globalMaxPool2D adds the fused global max pooling of x (batch, h, w, c)
// to its graph.
func globalMaxPool2D(x *G.Node) (*G.Node, error) {
	s, err := globalPoolInput("global max pool", x)
	if err != nil {
		return nil, err
	}
	g, err := globalWindow("global max pool", "", Shape{s[1], s[2], s[3]})
	if err != nil {
		return nil, err
	}
	op := &globalMaxPoolOp{g: g, batch: s[0], dt: x.Dtype(), big: int64(s.TotalSize()) > math.MaxInt32}
	return G.ApplyOp(op, x)
}

func (op *globalMaxPoolOp) inShape() tensor.Shape {
	return tensor.Shape{op.batch, op.g.h, op.g.w, op.g.c}
}
func (op *globalMaxPoolOp) outShape() tensor.Shape { return tensor.Shape{op.batch, op.g.c} }

func (op *globalMaxPoolOp) Arity() int { return 1 }
func (op *globalMaxPoolOp) Type() hm.Type {
	return hm.NewFnType(G.TensorType{Dims: 4, Of: op.dt}, G.TensorType{Dims: 2, Of: op.dt})
}
func (op *globalMaxPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.outShape(), nil }
func (op *globalMaxPoolOp) String() string                                 { return "globalmaxpool" }

func (op *globalMaxPoolOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.inShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.outShape()...)
	switch y := op.out.Data().(type) {
	case []float32:
		x := a[0].Data().([]float32)
		globalMaxForward(op, x, y)
		op.argOf = &x[0]
	case []float64:
		x := a[0].Data().([]float64)
		globalMaxForward(op, x, y)
		op.argOf = &x[0]
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

func globalMaxForward[T float32 | float64](op *globalMaxPoolOp, x, y []T) {
	if op.big {
		maxPool(op.g, op.batch, x, y, nil, nil, false)
		return
	}
	op.arg = kernels.Grow(op.arg, len(y))
	g, arg, s := op.g, op.arg, globalTaskSamples(op.batch)
	kernels.ParallelTasks((op.batch+s-1)/s, func(t int) {
		maxPoolSamples(g, t*s, min((t+1)*s, op.batch), x, y, arg)
	})
}

// DiffWRT implements gorgonia.SDOp.
func (op *globalMaxPoolOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff implements gorgonia.SDOp: dx takes each dy at its channel's
// maximum and is 0 elsewhere.
func (op *globalMaxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 1 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	dx, err := G.ApplyOp(&globalMaxPoolGradOp{fwd: op}, inputs[0], grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{dx}, nil
}

// globalMaxPoolGradOp is globalMaxPoolOp's gradient: (x, dy) → dx. It
// reads x only to tell whether the forward op's indices are of this x.
type globalMaxPoolGradOp struct {
	opmeta.Owned
	fwd *globalMaxPoolOp
	out *tensor.Dense
}

func (op *globalMaxPoolGradOp) Arity() int { return 2 }
func (op *globalMaxPoolGradOp) Type() hm.Type {
	return hm.NewFnType(G.TensorType{Dims: 4, Of: op.fwd.dt}, G.TensorType{Dims: 2, Of: op.fwd.dt},
		G.TensorType{Dims: 4, Of: op.fwd.dt})
}
func (op *globalMaxPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.inShape(), nil
}
func (op *globalMaxPoolGradOp) String() string { return op.fwd.String() + "'" }

func (op *globalMaxPoolGradOp) Do(vals ...G.Value) (G.Value, error) {
	f := op.fwd
	a, err := denseInputs(op, vals, f.inShape(), f.outShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, f.dt, f.inShape()...)
	switch dx := op.out.Data().(type) {
	case []float32:
		globalMaxBackward(f, a[0].Data().([]float32), a[1].Data().([]float32), dx)
	case []float64:
		globalMaxBackward(f, a[0].Data().([]float64), a[1].Data().([]float64), dx)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, f.dt)
	}
	return op.out, nil
}

// globalMaxBackward scatters dy onto dx at the indices the forward run
// recorded, when they are of this x: the tape runs the forward op before
// this one in every run, on the same tensor, so they are this run's.
// Otherwise (another x, or one too large for the indices) it searches
// each channel again with maxPool, which finds the same positions.
func globalMaxBackward[T float32 | float64](f *globalMaxPoolOp, x, dy, dx []T) {
	if f.big || f.argOf != any(&x[0]) || len(f.arg) != len(dy) {
		maxPool(f.g, f.batch, x, nil, dy, dx, true)
		return
	}
	img, c, arg, s := f.g.h*f.g.w*f.g.c, f.g.c, f.arg, globalTaskSamples(f.batch)
	kernels.ParallelTasks((f.batch+s-1)/s, func(t int) {
		lo, hi := t*s, min((t+1)*s, f.batch)
		clear(dx[lo*img : hi*img])
		for o := lo * c; o < hi*c; o++ {
			dx[arg[o]] += dy[o] // += onto the cleared +0, as maxPool's
		}
	})
}

// DiffWRT implements gorgonia.SDOp.
func (op *globalMaxPoolGradOp) DiffWRT(int) []bool { return []bool{false, false} }

// SymDiff implements gorgonia.SDOp.
func (op *globalMaxPoolGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("globalmaxpool: no second derivative")
}

var (
	_ G.SDOp = (*globalAvgPoolOp)(nil)
	_ G.SDOp = (*globalMaxPoolOp)(nil)
	_ G.Op   = (*globalAvgPoolGradOp)(nil)
	_ G.Op   = (*globalMaxPoolGradOp)(nil)
)
