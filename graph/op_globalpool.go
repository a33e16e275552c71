package graph

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
	if err := needNodes(kind, "x", x); err != nil {
		return nil, err
	}
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

// globalAvgPoolOp is the fused global average pooling, the op
// Builder.GlobalAvgPool2D builds when b.Fused is set: x (batch, h, w, c) → y (batch, c), y[b, ch]
// the mean of x[b, ·, ·, ch] over the h·w positions. It computes what its
// twin (GlobalAvgPoolTwin: a copying reshape to (batch, h·w, c), then
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
	g     Window // the whole image as one window: oh = ow = 1
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
	g, err := NewWindow(s[1], s[2], s[3], [2]int{s[1], s[2]}, [2]int{s[1], s[2]}, "valid")
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

// GlobalAvgPoolTwin is globalAvgPoolOp's twin: x (batch, h, w, c) → (batch,
// c), built from Gorgonia primitives so that gorgonia.Grad derives its
// gradient by itself. x is copied to (batch, h·w, c) by reshape (Gorgonia's
// own Reshape aliases its input: GORGONIA-NOTES.md), and gorgonia.Mean
// along axis 1 sums the positions in order and divides by h·w.
func GlobalAvgPoolTwin(x *G.Node) (*G.Node, error) {
	s, err := globalPoolInput("global average pool twin", x)
	if err != nil {
		return nil, err
	}
	flat, err := Reshape(x, s[0], s[1]*s[2], s[3])
	if err != nil {
		return nil, errors.Wrap(err, "global average pool twin")
	}
	y, err := G.Mean(flat, 1)
	if err != nil {
		return nil, errors.Wrap(err, "global average pool twin: mean")
	}
	if !y.Shape().Eq(tensor.Shape{s[0], s[3]}) {
		return nil, errors.Errorf("global average pool twin: mean has shape %v, want (%d, %d)", y.Shape(), s[0], s[3])
	}
	return y, nil
}

// GlobalMaxPoolTwin is globalMaxPoolOp's twin: the maximum over positions
// of each sample's channel, (batch, c), built from Gorgonia primitives
// (and the copying reshape) so that gorgonia.Grad derives its gradient.
//
// x is copied to (batch, n, c), n = h·w positions in row-major order, and
// the positions are reduced pairwise, a tree of ⌈log₂ n⌉ levels: each
// level takes the elementwise maximum of positions 2i and 2i + 1 with
// Maximum, which keeps the earlier one on a tie, and carries an
// odd last position over as it is. Every node of the tree then holds the
// maximum of a contiguous run of positions, and on a tie the first
// maximum of that run (its left half wins a tie with its right), so the
// root holds the first maximum in row-major order and the whole gradient
// of an output goes there, as the fused op's does. Gorgonia's Max
// reduction would not do: its gradient goes, whole, to every tied input
// (TestMaxPoolTwinTies). The tree costs about 12 nodes a level, against
// six a position for a fold of MaxPoolTwin's kind over one window.
//
// The select multiplies the loser by 0, so a NaN or −∞ input (or two +∞
// meeting) makes the twin's output NaN (∞·0, NaN·0) where the fused op
// gives a number: the twin holds for finite inputs, as MaxPoolTwin does,
// and parity is tested on those.
func GlobalMaxPoolTwin(x *G.Node) (*G.Node, error) {
	s, err := globalPoolInput("global max pool twin", x)
	if err != nil {
		return nil, err
	}
	batch, n, c := s[0], s[1]*s[2], s[3]
	m, err := Reshape(x, batch, n, c)
	if err != nil {
		return nil, errors.Wrap(err, "global max pool twin")
	}
	for n > 1 {
		if m, n, err = twinPairMax(m, n); err != nil {
			return nil, errors.Wrapf(err, "global max pool twin: %d positions", n)
		}
	}
	y, err := Reshape(m, batch, c)
	return y, errors.Wrap(err, "global max pool twin")
}

// twinPairMax reduces m (batch, n, c), n ≥ 2, to (batch, ⌈n/2⌉, c): the
// maximum of positions 2i and 2i + 1 (the earlier on a tie), then, when n
// is odd, position n − 1 as it is.
//
// The pairs are stepped slices, S(0, 2k, 2) and S(1, 1 + 2k, 2) for k =
// ⌊n/2⌋ pairs, through twinStrided (which keeps an axis a slice leaves
// with one element). Each must end exactly k steps after its start (the
// trap twinSpan describes): for an even n the second would end one past
// the axis, so m is first padded with one position of the type's lowest
// finite value, which no slice reads.
func twinPairMax(m *G.Node, n int) (*G.Node, int, error) {
	k := n / 2
	src := m
	if n%2 == 0 {
		lowest := -math.MaxFloat64
		if m.Dtype() == tensor.Float32 {
			lowest = -math.MaxFloat32
		}
		var err error
		if src, err = twinPadAxis(m, 1, 0, 1, lowest); err != nil {
			return nil, 0, err
		}
	}
	even, err := twinStrided(src, 1, 0, k, 2)
	if err != nil {
		return nil, 0, err
	}
	odd, err := twinStrided(src, 1, 1, k, 2)
	if err != nil {
		return nil, 0, err
	}
	pairs, err := Maximum(even, odd)
	if err != nil {
		return nil, 0, err
	}
	if n%2 == 0 {
		return pairs, k, nil
	}
	last, err := twinStrided(m, 1, n-1, 1, 1)
	if err != nil {
		return nil, 0, err
	}
	out, err := G.Concat(1, pairs, last)
	return out, k + 1, errors.Wrap(err, "concat the odd position")
}

// GlobalAvgPool2D adds the mean of each channel of x (batch, h, w, c) over
// its positions, (batch, c): the fused op (globalAvgPoolOp) or its twin
// (GlobalAvgPoolTwin).
func (b *Builder) GlobalAvgPool2D(x *G.Node) (*G.Node, error) {
	if err := needBuilder("global average pool", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return globalAvgPool2D(x) },
		func() (*G.Node, error) { return GlobalAvgPoolTwin(x) })
}

// GlobalMaxPool2D adds the maximum of each channel of x (batch, h, w, c)
// over its positions, (batch, c): the fused op (globalMaxPoolOp) or its
// twin (GlobalMaxPoolTwin).
func (b *Builder) GlobalMaxPool2D(x *G.Node) (*G.Node, error) {
	if err := needBuilder("global max pool", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return globalMaxPool2D(x) },
		func() (*G.Node, error) { return GlobalMaxPoolTwin(x) })
}
