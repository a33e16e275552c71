package graph

import (
	"fmt"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// The resampling op of nn's geometric augmentation layers (RandomFlip,
// RandomTranslation, RandomRotation, RandomZoom). It has no twin: it is
// the layers' only construction, built alike in both fusion modes.

// The fill modes and interpolations of AffineTransform, Keras's names.
const (
	FillReflect  = "reflect"  // (d c b a | a b c d | d c b a): mirrored about the edge pixel's outer edge
	FillWrap     = "wrap"     // (a b c d | a b c d | a b c d)
	FillConstant = "constant" // (k k k k | a b c d | k k k k), k the fill value
	FillNearest  = "nearest"  // (a a a a | a b c d | d d d d)

	InterpolationBilinear = "bilinear"
	InterpolationNearest  = "nearest"
)

// AffineParams is how many numbers describe one sample's map: Keras's
// transform row [a0, a1, a2, b0, b1, b2] without its projective c0, c1.
// Output pixel (row y, column x) reads the input at column
// a0·x + a1·y + a2 and row b0·x + b1·y + b2.
const AffineParams = 6

// Fill mode codes, for the inner loop.
const (
	fillReflectCode = iota
	fillWrapCode
	fillConstantCode
	fillNearestCode
)

func fillCode(mode string) int {
	switch mode {
	case FillWrap:
		return fillWrapCode
	case FillConstant:
		return fillConstantCode
	case FillNearest:
		return fillNearestCode
	}
	return fillReflectCode
}

// affineOp is (x, t) → y: every image of x (batch, h, w, c) resampled
// through its own affine map, the row of t (batch, 6) of the same index
// (see AffineParams). The maps are data (a Feed the layer fills each step)
// and are not differentiated; the input gradient is the transposed
// resampling, a scatter of dy with the same weights (affineGradOp), so
// that a geometric layer may sit anywhere in a model, not only on its
// input.
//
// Each output value is computed in float64 from float64 weights and
// rounded once to the graph's type. A point whose coordinates are whole
// numbers reads one pixel with weight 1 (not two with weights 1 and 0), so
// a flip, a translation by whole pixels or a rotation by quarter turns is
// an exact permutation of the input, NaN and −0 included.
//
// Points are read as Keras's affine_transform reads them (its NumPy and
// JAX backends; TensorFlow's ImageProjectiveTransformV3 agrees): bilinear
// interpolation between the four pixels around the point, each pixel's
// index outside the image mapped back by the fill mode (or, for
// FillConstant, replaced by the fill value), and nearest interpolation
// rounding each coordinate half away from zero, as TensorFlow does.
type affineOp struct {
	opmeta.Owned
	batch, h, w, c int
	dt             tensor.Dtype
	fill           int // fill mode code
	fillValue      float64
	nearest        bool
	out            *tensor.Dense
}

// AffineTransform adds the resampling of x (batch, h, w, c) through the
// maps t (batch, 6) to x's graph, reading points outside the image by
// fillMode (and fillValue for FillConstant) and between pixels by
// interpolation (affineOp).
func AffineTransform(x, t *G.Node, fillMode string, fillValue float64, interpolation string) (*G.Node, error) {
	if err := needNodes("affine transform", "x t", x, t); err != nil {
		return nil, err
	}
	s := x.Shape()
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, errors.Errorf("affine transform: unsupported dtype %v", dt)
	}
	if len(s) != 4 || s[0] <= 0 || s[1] <= 0 || s[2] <= 0 || s[3] <= 0 {
		return nil, errors.Errorf("affine transform: input has shape %v, want (batch, height, width, channels)", s)
	}
	if ts := t.Shape(); len(ts) != 2 || ts[0] != s[0] || ts[1] != AffineParams || t.Dtype() != x.Dtype() {
		return nil, errors.Errorf("affine transform: maps have shape %v of %v, want (%d, %d) of %v", ts, t.Dtype(), s[0], AffineParams, x.Dtype())
	}
	op := &affineOp{batch: s[0], h: s[1], w: s[2], c: s[3], dt: x.Dtype(),
		fill: fillCode(fillMode), fillValue: fillValue, nearest: interpolation == InterpolationNearest}
	return G.ApplyOp(op, x, t)
}

func (op *affineOp) imageShape() tensor.Shape { return tensor.Shape{op.batch, op.h, op.w, op.c} }
func (op *affineOp) mapsShape() tensor.Shape  { return tensor.Shape{op.batch, AffineParams} }

func (op *affineOp) Arity() int { return 2 }
func (op *affineOp) Type() hm.Type {
	img := G.TensorType{Dims: 4, Of: op.dt}
	return hm.NewFnType(img, G.TensorType{Dims: 2, Of: op.dt}, img)
}
func (op *affineOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.imageShape(), nil }
func (op *affineOp) String() string                                 { return "affinetransform" }

func (op *affineOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseInputs(op, vals, op.imageShape(), op.mapsShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.dt, op.imageShape()...)
	switch y := op.out.Data().(type) {
	case []float32:
		affineForward(op, a[0].Data().([]float32), a[1].Data().([]float32), y)
	case []float64:
		affineForward(op, a[0].Data().([]float64), a[1].Data().([]float64), y)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.dt)
	}
	return op.out, nil
}

// tap is one pixel index along an axis and its weight; index −1 stands
// for a point outside the image in FillConstant mode (the fill value).
type tap struct {
	i int
	w float64
}

// axisTaps writes the taps of coordinate u on an axis of n pixels into
// dst and returns how many there are: one for a whole-number coordinate
// or nearest interpolation, else two, floor(u) and floor(u)+1 with weights
// 1−f and f for the fraction f.
func (op *affineOp) axisTaps(u float64, n int, dst *[2]tap) int {
	// Far outside any image the fill modes repeat or clamp anyway; the
	// bound keeps the conversion to int defined (and a NaN map at 0).
	if !(u > -1<<30) {
		u = -1 << 30
	} else if u > 1<<30 {
		u = 1 << 30
	}
	if op.nearest {
		dst[0] = tap{op.fix(int(math.Round(u)), n), 1}
		return 1
	}
	f := math.Floor(u)
	i, frac := int(f), u-f
	if frac == 0 {
		dst[0] = tap{op.fix(i, n), 1}
		return 1
	}
	dst[0] = tap{op.fix(i, n), 1 - frac}
	dst[1] = tap{op.fix(i+1, n), frac}
	return 2
}

// fix maps index i on an axis of n pixels into the image by the fill
// mode, or to −1 (the fill value) in FillConstant mode.
func (op *affineOp) fix(i, n int) int {
	if i >= 0 && i < n {
		return i
	}
	switch op.fill {
	case fillWrapCode:
		return ((i % n) + n) % n
	case fillNearestCode:
		return min(max(i, 0), n-1)
	case fillConstantCode:
		return -1
	}
	// Reflect: period 2n, the second half mirrored, so −1 → 0, −2 → 1,
	// n → n−1.
	m := ((i % (2 * n)) + 2*n) % (2 * n)
	if m >= n {
		m = 2*n - 1 - m
	}
	return m
}

// sampleTaps works out the taps of a sample's output pixels: per pixel in
// general, and once per row and once per column when the map keeps the
// axes apart (no rotation: a1 = b0 = 0, as for flips, translations and
// zooms), where a column's taps do not depend on the row. Both give the
// same taps: with a1 = 0 the column coordinate a0·x + 0 + a2 is
// a0·x + a2.
type sampleTaps struct {
	op         *affineOp
	m          []float64
	separable  bool
	rows, cols [][2]tap // per output row and column, when separable
	nr, nc     []int
	r, c       [2]tap // one pixel's, otherwise
}

func newSampleTaps(op *affineOp) *sampleTaps {
	return &sampleTaps{op: op, rows: make([][2]tap, op.h), cols: make([][2]tap, op.w), nr: make([]int, op.h), nc: make([]int, op.w)}
}

// reset readies the taps of a sample whose map is m.
func (s *sampleTaps) reset(m []float64) {
	s.m, s.separable = m, m[1] == 0 && m[3] == 0
	if !s.separable {
		return
	}
	for i := range s.rows {
		s.nr[i] = s.op.axisTaps(float64(m[4]*float64(i))+m[5], s.op.h, &s.rows[i])
	}
	for j := range s.cols {
		s.nc[j] = s.op.axisTaps(float64(m[0]*float64(j))+m[2], s.op.w, &s.cols[j])
	}
}

// at returns the taps of output pixel (y, x): up to two rows and two
// columns. The slices are valid until the next call.
func (s *sampleTaps) at(y, x int) (rows, cols []tap) {
	if s.separable {
		return s.rows[y][:s.nr[y]], s.cols[x][:s.nc[x]]
	}
	m, fx, fy := s.m, float64(x), float64(y)
	u := float64(m[0]*fx) + float64(m[1]*fy) + m[2]
	v := float64(m[3]*fx) + float64(m[4]*fy) + m[5]
	nr, nc := s.op.axisTaps(v, s.op.h, &s.r), s.op.axisTaps(u, s.op.w, &s.c)
	return s.r[:nr], s.c[:nc]
}

// mapOf reads a sample's map as float64.
func mapOf[T float32 | float64](t []T, b int, dst *[AffineParams]float64) []float64 {
	for k := range dst {
		dst[k] = float64(t[b*AffineParams+k])
	}
	return dst[:]
}

// affineTaskSamples is how many samples one task of the resampling loops
// takes: a sixteenth of the batch, so that the cores share the tasks
// evenly.
func affineTaskSamples(batch int) int { return max(1, batch/16) }

func affineForward[T float32 | float64](op *affineOp, x, t, y []T) {
	img, c, s := op.h*op.w*op.c, op.c, affineTaskSamples(op.batch)
	kernels.ParallelTasks((op.batch+s-1)/s, func(task int) {
		acc := make([]float64, c)
		var mb [AffineParams]float64
		taps := newSampleTaps(op)
		for b := task * s; b < min((task+1)*s, op.batch); b++ {
			taps.reset(mapOf(t, b, &mb))
			xb, yb := x[b*img:(b+1)*img], y[b*img:(b+1)*img]
			for i := 0; i < op.h; i++ {
				for j := 0; j < op.w; j++ {
					rows, cols := taps.at(i, j)
					first := true
					for _, r := range rows {
						for _, q := range cols {
							w := float64(r.w * q.w)
							if r.i < 0 || q.i < 0 {
								addTap[T](acc, w, nil, op.fillValue, first)
							} else {
								p := (r.i*op.w + q.i) * c
								addTap(acc, w, xb[p:p+c], 0, first)
							}
							first = false
						}
					}
					dst := yb[(i*op.w+j)*c : (i*op.w+j+1)*c]
					for ch, v := range acc {
						dst[ch] = T(v)
					}
				}
			}
		}
	})
}

// addTap adds w times a pixel's channels (or, for a nil pixel, times the
// fill value) to acc; the first tap of a point sets acc, so that a point
// read from one pixel is that pixel's value exactly (a −0 stays −0).
func addTap[T float32 | float64](acc []float64, w float64, px []T, fill float64, first bool) {
	for ch := range acc {
		v := fill
		if px != nil {
			v = float64(px[ch])
		}
		if w != 1 { // one pixel of weight 1 is read as it is
			v = float64(w * v)
		}
		if first {
			acc[ch] = v
		} else {
			acc[ch] += v
		}
	}
}

// DiffWRT implements gorgonia.SDOp: the maps are data.
func (op *affineOp) DiffWRT(int) []bool { return []bool{true, false} }

// SymDiff implements gorgonia.SDOp.
func (op *affineOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	dx, err := G.ApplyOp(&affineGradOp{fwd: op}, inputs[1], grad)
	if err != nil {
		return nil, errors.Wrapf(err, "%v gradient", op)
	}
	return G.Nodes{dx, nil}, nil
}

// affineGradOp is affineOp's input gradient: (t, dy) → dx, each dy scattered
// onto the pixels its point was read from, with the weights it was read
// with. The fill value is a constant and takes no gradient.
type affineGradOp struct {
	opmeta.Owned
	fwd *affineOp
	out *tensor.Dense
}

func (op *affineGradOp) Arity() int { return 2 }
func (op *affineGradOp) Type() hm.Type {
	img := G.TensorType{Dims: 4, Of: op.fwd.dt}
	return hm.NewFnType(G.TensorType{Dims: 2, Of: op.fwd.dt}, img, img)
}
func (op *affineGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.fwd.imageShape(), nil
}
func (op *affineGradOp) String() string { return op.fwd.String() + "'" }

func (op *affineGradOp) Do(vals ...G.Value) (G.Value, error) {
	f := op.fwd
	a, err := denseInputs(op, vals, f.mapsShape(), f.imageShape())
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, f.dt, f.imageShape()...)
	switch dx := op.out.Data().(type) {
	case []float32:
		affineBackward(f, a[0].Data().([]float32), a[1].Data().([]float32), dx)
	case []float64:
		affineBackward(f, a[0].Data().([]float64), a[1].Data().([]float64), dx)
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, f.dt)
	}
	return op.out, nil
}

// affineBackward accumulates each sample's dx in float64, in the order of
// the output pixels, and rounds it once. A sample's taps fall in its own
// image, so the tasks write disjoint parts of dx.
func affineBackward[T float32 | float64](op *affineOp, t, dy, dx []T) {
	img, c, s := op.h*op.w*op.c, op.c, affineTaskSamples(op.batch)
	kernels.ParallelTasks((op.batch+s-1)/s, func(task int) {
		acc := make([]float64, img)
		var mb [AffineParams]float64
		taps := newSampleTaps(op)
		for b := task * s; b < min((task+1)*s, op.batch); b++ {
			taps.reset(mapOf(t, b, &mb))
			clear(acc)
			gb := dy[b*img : (b+1)*img]
			for i := 0; i < op.h; i++ {
				for j := 0; j < op.w; j++ {
					rows, cols := taps.at(i, j)
					g := gb[(i*op.w+j)*c : (i*op.w+j+1)*c]
					for _, r := range rows {
						for _, q := range cols {
							if r.i < 0 || q.i < 0 {
								continue
							}
							w, p := float64(r.w*q.w), (r.i*op.w+q.i)*c
							for ch, v := range g {
								acc[p+ch] += float64(w * float64(v))
							}
						}
					}
				}
			}
			dst := dx[b*img : (b+1)*img]
			for k, v := range acc {
				dst[k] = T(v)
			}
		}
	})
}

// DiffWRT implements gorgonia.SDOp.
func (op *affineGradOp) DiffWRT(int) []bool { return []bool{false, false} }

// SymDiff implements gorgonia.SDOp.
func (op *affineGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.New("affinetransform: no second derivative")
}

var (
	_ G.SDOp       = (*affineOp)(nil)
	_ G.Op         = (*affineGradOp)(nil)
	_ fmt.Stringer = (*affineOp)(nil)
)
