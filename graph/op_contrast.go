package graph

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// The contrast op of nn's RandomContrast layer. It has no twin: it is the
// layer's only construction, built alike in both fusion modes.

// AdjustContrast adds the contrast op over images x (batch, h, w, c) with
// factors f (batch, 1) and output range [lo, hi] to x's graph.
func AdjustContrast(x, f *G.Node, lo, hi float64) (*G.Node, error) {
	if err := needNodes("contrast", "x f", x, f); err != nil {
		return nil, err
	}
	s := x.Shape()
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("contrast: unsupported dtype %v", dt)
	}
	if len(s) != 4 || s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0 {
		return nil, errors.Errorf("contrast: input has shape %v, want (batch, height, width, channels)", s)
	}
	if fs := f.Shape(); len(fs) != 2 || fs[0] != s[0] || fs[1] != 1 || f.Dtype() != x.Dtype() {
		return nil, errors.Errorf("contrast: factors have shape %v of %v, want (%d, 1) of %v", fs, f.Dtype(), s[0], x.Dtype())
	}
	op := &contrastOp{batch: s[0], h: s[1], w: s[2], c: s[3], dt: x.Dtype(), lo: lo, hi: hi}
	return G.ApplyOp(op, x, f)
}

// contrastOp is (x, c) → y for images x (batch, h, w, ch) and factors c
// (batch, 1): y = clip((x − m)·c + m, lo, hi), m each image's channel
// mean. The factors are data; the input gradient (contrastGradOp) is
// dx_j = c·g_j + (1−c)/n·Σ_i g_i over the channel's n positions, where
// g = dy where the output was not clipped and 0 where it was.
type contrastOp struct {
	opmeta.Owned
	batch, h, w, c int
	dt             tensor.Dtype
	lo, hi         float64
	out            *tensor.Dense
}

func (op *contrastOp) imageShape() tensor.Shape  { return tensor.Shape{op.batch, op.h, op.w, op.c} }
func (op *contrastOp) factorShape() tensor.Shape { return tensor.Shape{op.batch, 1} }

func (op *contrastOp) Arity() int { return 2 }
func (op *contrastOp) Type() hm.Type {
	img := G.TensorType{Dims: 4, Of: op.dt}
	return hm.NewFnType(img, G.TensorType{Dims: 2, Of: op.dt}, img)
}
func (op *contrastOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.imageShape(), nil }
func (op *contrastOp) String() string                                 { return "randomcontrast" }

func (op *contrastOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.imageShape(), op.factorShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.imageShape()...)
	switch y := op.out.Data().(type) {
	case []float32:
		contrastForward(op, a[0].Data().([]float32), a[1].Data().([]float32), y)
	case []float64:
		contrastForward(op, a[0].Data().([]float64), a[1].Data().([]float64), y)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

// channelMeans writes into m the mean of each channel of one image xb
// (positions × channels), summed in float64 in row-major order.
func channelMeans[T float32 | float64](xb []T, m []float64) {
	clear(m)
	c := len(m)
	for p := 0; p < len(xb); p += c {
		for ch := range m {
			m[ch] += float64(xb[p+ch])
		}
	}
	n := float64(len(xb) / c)
	for ch := range m {
		m[ch] /= n
	}
}

// contrasted is one output before rounding: (x − m)·c + m, unclipped.
func contrasted(x, m, c float64) float64 { return float64((x-m)*c) + m }

func contrastForward[T float32 | float64](op *contrastOp, x, f, y []T) {
	img, s := op.h*op.w*op.c, affineTaskSamples(op.batch)
	kernels.ParallelTasks((op.batch+s-1)/s, func(task int) {
		m := make([]float64, op.c)
		for b := task * s; b < min((task+1)*s, op.batch); b++ {
			xb, yb, c := x[b*img:(b+1)*img], y[b*img:(b+1)*img], float64(f[b])
			channelMeans(xb, m)
			for p := 0; p < img; p += op.c {
				for ch, mean := range m {
					v := contrasted(float64(xb[p+ch]), mean, c)
					yb[p+ch] = T(min(max(v, op.lo), op.hi))
				}
			}
		}
	})
}

// DiffWRT implements gorgonia.SDOp: the factors are data.
func (op *contrastOp) DiffWRT(int) []bool { return []bool{true, false} }

// SymDiff implements gorgonia.SDOp.
func (op *contrastOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	dx, err := G.ApplyOp(&contrastGradOp{fwd: op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{dx, nil}, nil
}

// contrastGradOp is contrastOp's input gradient: (x, c, dy) → dx. It
// works out the means and which outputs were clipped again from x: an
// output at a bound of the range counts as not clipped, as in TensorFlow's
// clip_by_value.
type contrastGradOp struct {
	opmeta.Owned
	fwd *contrastOp
	out *tensor.Dense
}

func (op *contrastGradOp) Arity() int { return 3 }
func (op *contrastGradOp) Type() hm.Type {
	img := G.TensorType{Dims: 4, Of: op.fwd.dt}
	return hm.NewFnType(img, G.TensorType{Dims: 2, Of: op.fwd.dt}, img, img)
}
func (op *contrastGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.imageShape(), nil
}
func (op *contrastGradOp) String() string { return op.fwd.String() + "'" }

func (op *contrastGradOp) Do(vals ...G.Value) (G.Value, error) {
	f := op.fwd
	a, err := denseInputs(op, vals, f.imageShape(), f.factorShape(), f.imageShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, f.dt, f.imageShape()...)
	switch dx := op.out.Data().(type) {
	case []float32:
		contrastBackward(f, a[0].Data().([]float32), a[1].Data().([]float32), a[2].Data().([]float32), dx)
	case []float64:
		contrastBackward(f, a[0].Data().([]float64), a[1].Data().([]float64), a[2].Data().([]float64), dx)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, f.dt)
	}
	return op.out, nil
}

func contrastBackward[T float32 | float64](op *contrastOp, x, f, dy, dx []T) {
	img, s := op.h*op.w*op.c, affineTaskSamples(op.batch)
	n := float64(op.h * op.w)
	kernels.ParallelTasks((op.batch+s-1)/s, func(task int) {
		m, sum := make([]float64, op.c), make([]float64, op.c)
		for b := task * s; b < min((task+1)*s, op.batch); b++ {
			xb, gb, db, c := x[b*img:(b+1)*img], dy[b*img:(b+1)*img], dx[b*img:(b+1)*img], float64(f[b])
			channelMeans(xb, m)
			clear(sum)
			// g, dy where the output was not clipped, is left in db
			// for the second pass; sum is Σ g per channel.
			for p := 0; p < img; p += op.c {
				for ch, mean := range m {
					g := 0.0
					if v := contrasted(float64(xb[p+ch]), mean, c); v >= op.lo && v <= op.hi {
						g = float64(gb[p+ch])
					}
					db[p+ch] = T(g)
					sum[ch] += g
				}
			}
			for ch := range sum {
				sum[ch] = float64((1-c)*sum[ch]) / n
			}
			for p := 0; p < img; p += op.c {
				for ch, share := range sum {
					db[p+ch] = T(float64(c*float64(db[p+ch])) + share)
				}
			}
		}
	})
}

// DiffWRT implements gorgonia.SDOp.
func (op *contrastGradOp) DiffWRT(int) []bool { return []bool{false, false, false} }

// SymDiff implements gorgonia.SDOp.
func (op *contrastGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("randomcontrast: no second derivative")
}

var (
	_ G.SDOp = (*contrastOp)(nil)
	_ G.Op   = (*contrastGradOp)(nil)
)
