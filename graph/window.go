package graph

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// Window is the geometry of a 2-D sliding window (a convolution kernel or
// a pooling window) over channels-last samples (h, w, c): its size, its
// strides, the padding before the first row and column, and the output's
// height and width. NewWindow makes one; the window ops (Conv2D,
// MaxPool2D) take it.
type Window struct {
	h, w, c   int // input height, width, channels
	kh, kw    int // window height and width
	sh, sw    int // strides
	top, left int // zero (or, for pooling, ignored) rows above and columns left
	oh, ow    int // output height and width
}

// NewWindow works out the output size and padding of a kernel-sized window
// moved by strides over (h, w, c) samples, as Keras (TensorFlow) does:
// "valid" keeps windows inside the input, floor((n − k)/s) + 1 of them;
// "same" gives ceil(n/s) outputs, padding by max((out−1)·s + k − n, 0) in
// all, the odd one after (below, right), as TensorFlow does. The input's
// dimensions must be positive (nn checks a layer's input shape first).
func NewWindow(h, w, c int, kernel, strides [2]int, padding string) (Window, error) {
	if h <= 0 || w <= 0 || c <= 0 {
		return Window{}, errors.Errorf("input (%d, %d, %d) has a non-positive dimension", h, w, c)
	}
	if kernel[0] <= 0 || kernel[1] <= 0 {
		return Window{}, errors.Errorf("window size %v must be positive", kernel)
	}
	if strides[0] <= 0 || strides[1] <= 0 {
		return Window{}, errors.Errorf("strides %v must be positive", strides)
	}
	g := Window{h: h, w: w, c: c, kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1]}
	switch padding {
	case "valid", "":
		if g.kh > g.h || g.kw > g.w {
			return Window{}, errors.Errorf("window %dx%d is larger than its %dx%d input (padding \"valid\")", g.kh, g.kw, g.h, g.w)
		}
		g.oh, g.ow = (g.h-g.kh)/g.sh+1, (g.w-g.kw)/g.sw+1
	case "same":
		g.oh, g.ow = (g.h+g.sh-1)/g.sh, (g.w+g.sw-1)/g.sw
		g.top = max((g.oh-1)*g.sh+g.kh-g.h, 0) / 2
		g.left = max((g.ow-1)*g.sw+g.kw-g.w, 0) / 2
	default:
		return Window{}, errors.Errorf("padding %q, want \"valid\" or \"same\"", padding)
	}
	return g, nil
}

// Out is the output's height and width.
func (g Window) Out() (oh, ow int) { return g.oh, g.ow }

// Size is the window's height and width.
func (g Window) Size() (kh, kw int) { return g.kh, g.kw }

// Channels is the input's number of channels.
func (g Window) Channels() int { return g.c }

// PatchLen is the length of one flattened patch: kh·kw·c, the rows of a
// (kh, kw, c, filters) kernel seen as a matrix.
func (g Window) PatchLen() int { return g.kh * g.kw * g.c }

// im2col writes, for every output position of every sample of x (batch,
// h, w, c), the window's inputs as one row of cols (batch·oh·ow, kh·kw·c),
// in (row, column, channel) order, the order of a (kh, kw, c, filters)
// kernel's rows; positions in the padding are 0.
func im2col[T float32 | float64](g Window, batch int, x, cols []T) {
	im2colSamples(g, 0, batch, x, cols)
}

// im2colSamples is im2col for the samples [b0, b1) only: it reads their
// images and writes their rows into cols from its start (the rows of
// sample b0 first), so that disjoint ranges can run on different cores,
// into one matrix or into scratch of their own.
//
// Channels-last makes the kw·c inputs of one window row contiguous in x,
// so a window row inside the image is one copy; only the rows and columns
// that reach into the padding are done piecewise. The first layer of an
// MNIST convnet has c = 1: copying one float per call, as a loop over
// (i, j) did, spent more time calling memmove than moving data. Short
// segments are copied by a loop for the same reason.
func im2colSamples[T float32 | float64](g Window, b0, b1 int, x, cols []T) {
	// The geometry in locals: kept in registers, not reloaded from g in
	// the innermost loops.
	h, w, c, kh, kw := g.h, g.w, g.c, g.kh, g.kw
	sh, sw, top, left, oh, ow := g.sh, g.sw, g.top, g.left, g.oh, g.ow
	k := kh * kw * c
	seg := kw * c
	img := h * w * c
	row := 0
	for b := b0; b < b1; b++ {
		xb := x[b*img : (b+1)*img]
		for oy := 0; oy < oh; oy++ {
			iy0 := oy*sh - top
			rowsInside := iy0 >= 0 && iy0+kh <= h
			for ox := 0; ox < ow; ox++ {
				dst := cols[row*k : (row+1)*k]
				row++
				ix0 := ox*sw - left
				if rowsInside && ix0 >= 0 && ix0+kw <= w {
					// The whole window is inside: kh segments of kw·c.
					src := xb[(iy0*w+ix0)*c:]
					for i := 0; i < kh; i++ {
						copySeg(dst[i*seg:(i+1)*seg], src[i*w*c:])
					}
					continue
				}
				inside := ix0 >= 0 && ix0+kw <= w
				for i := 0; i < kh; i++ {
					iy := iy0 + i
					d := dst[i*seg : (i+1)*seg]
					if iy < 0 || iy >= h {
						clear(d)
						continue
					}
					if inside {
						copySeg(d, xb[(iy*w+ix0)*c:])
						continue
					}
					for j := 0; j < kw; j++ {
						ix := ix0 + j
						dj := d[j*c : (j+1)*c]
						if ix < 0 || ix >= w {
							clear(dj)
							continue
						}
						copySeg(dj, xb[(iy*w+ix)*c:])
					}
				}
			}
		}
	}
}

// copySeg copies len(dst) values from src: by a loop when short, where
// calling memmove costs more than the copy, by copy otherwise.
func copySeg[T float32 | float64](dst, src []T) {
	if len(dst) <= 16 {
		src = src[:len(dst)]
		//lint:ignore S1001 for a few elements this loop beats copy, which calls memmove
		for i, v := range src {
			dst[i] = v
		}
		return
	}
	copy(dst, src)
}

// col2im is im2col's adjoint: it adds every row of cols back onto the
// inputs it was taken from, into dx (which it zeroes first). The gradient
// of im2col is col2im of the gradient.
func col2im[T float32 | float64](g Window, batch int, cols, dx []T) {
	col2imSamples(g, 0, batch, cols, dx)
}

// col2imSamples is col2im for the samples [b0, b1): it zeroes and writes
// their images only, reading their rows from the start of cols (as
// im2colSamples writes them), so that disjoint ranges can run on
// different cores. A Window row inside the image is one
// contiguous add of kw·c values (see im2colSamples). Within a sample the
// rows are added in the same order as col2im's, so every element gets its
// terms in the same order whatever the split.
func col2imSamples[T float32 | float64](g Window, b0, b1 int, cols, dx []T) {
	k := g.PatchLen()
	seg := g.kw * g.c
	img := g.h * g.w * g.c
	clear(dx[b0*img : b1*img])
	row := 0
	for b := b0; b < b1; b++ {
		xb := dx[b*img : (b+1)*img]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				src := cols[row*k : (row+1)*k]
				row++
				ix0 := ox*g.sw - g.left
				inside := ix0 >= 0 && ix0+g.kw <= g.w
				for i := 0; i < g.kh; i++ {
					iy := oy*g.sh - g.top + i
					if iy < 0 || iy >= g.h {
						continue
					}
					s := src[i*seg : (i+1)*seg]
					if inside {
						addSeg(xb[(iy*g.w+ix0)*g.c:], s)
						continue
					}
					for j := 0; j < g.kw; j++ {
						ix := ix0 + j
						if ix < 0 || ix >= g.w {
							continue
						}
						addSeg(xb[(iy*g.w+ix)*g.c:], s[j*g.c:(j+1)*g.c])
					}
				}
			}
		}
	}
}

// addSeg adds src onto dst's first len(src) values: by a loop when short,
// by kernels.AddTo (vectorised) otherwise. Both add element by element,
// so the result does not depend on which is taken.
func addSeg[T float32 | float64](dst, src []T) {
	if len(src) <= 16 {
		dst = dst[:len(src)]
		for i, v := range src {
			dst[i] += v
		}
		return
	}
	kernels.AddTo(dst, src)
}

// maxPool writes the maximum of every window of x (batch, h, w, c) per
// channel into y (batch, oh, ow, c). Positions in the padding are not
// candidates (TensorFlow pads with −∞), so every window holds at least one
// input. With grad, it instead adds dy onto the position of each window's
// maximum (the first, in row-major order, where several tie) in dx, which
// it zeroes first: the gradient of the max.
func maxPool[T float32 | float64](g Window, batch int, x, y, dy, dx []T, grad bool) {
	if grad {
		clear(dx)
	}
	for b := 0; b < batch; b++ {
		xb := x[b*g.h*g.w*g.c:]
		for oy := 0; oy < g.oh; oy++ {
			y0, y1 := max(oy*g.sh-g.top, 0), min(oy*g.sh-g.top+g.kh, g.h)
			for ox := 0; ox < g.ow; ox++ {
				x0, x1 := max(ox*g.sw-g.left, 0), min(ox*g.sw-g.left+g.kw, g.w)
				out := ((b*g.oh+oy)*g.ow + ox) * g.c
				for ch := 0; ch < g.c; ch++ {
					best, at := xb[(y0*g.w+x0)*g.c+ch], (y0*g.w+x0)*g.c+ch
					for iy := y0; iy < y1; iy++ {
						for ix := x0; ix < x1; ix++ {
							if v := xb[(iy*g.w+ix)*g.c+ch]; v > best {
								best, at = v, (iy*g.w+ix)*g.c+ch
							}
						}
					}
					if grad {
						dx[b*g.h*g.w*g.c+at] += dy[out+ch]
					} else {
						y[out+ch] = best
					}
				}
			}
		}
	}
}

// twinInput checks that x is a float (batch, h, w, c) node of g's geometry
// and returns the batch size.
func twinInput(kind string, x *G.Node, g Window) (int, error) {
	s := x.Shape()
	if len(s) != 4 || s[1] != g.h || s[2] != g.w || s[3] != g.c {
		return 0, errors.Errorf("%s: input shape %v, want (batch, %d, %d, %d)", kind, s, g.h, g.w, g.c)
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return 0, errors.Errorf("%s: unsupported dtype %v", kind, dt)
	}
	if g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 || g.oh <= 0 || g.ow <= 0 {
		return 0, errors.Errorf("%s: invalid Window %+v", kind, g)
	}
	// Gorgonia hashes a slice's start, end and step as single bytes and
	// merges nodes of equal hash: two of this file's slices of one node
	// differ in their start, the kernel offset, which stays distinct
	// modulo 256 only for windows up to 256 wide.
	if g.kh > 256 || g.kw > 256 {
		return 0, errors.Errorf("%s: window %dx%d is wider than 256", kind, g.kh, g.kw)
	}
	return s[0], nil
}

// twinWindowOffsets returns, for every offset (i, j) of the window in row-major
// order, the (batch, oh, ow, c) node whose element (b, y, x, ch) is input
// row y·sh − top + i, column x·sw − left + j of sample b, channel ch, or
// pad where that lies outside the input.
func twinWindowOffsets(x *G.Node, g Window, pad float64) ([]*G.Node, error) {
	xp, err := twinPad(x, g, pad)
	if err != nil {
		return nil, err
	}
	rows := make([]*G.Node, g.kh)
	for i := range rows {
		if rows[i], err = twinStrided(xp, 1, i, g.oh, g.sh); err != nil {
			return nil, err
		}
	}
	offs := make([]*G.Node, 0, g.kh*g.kw)
	for i := 0; i < g.kh; i++ {
		for j := 0; j < g.kw; j++ {
			o, err := twinStrided(rows[i], 2, j, g.ow, g.sw)
			if err != nil {
				return nil, err
			}
			offs = append(offs, o)
		}
	}
	return offs, nil
}

// twinSpan is how many rows (or columns) of padded input the strided
// slices for n outputs at stride s of a window of size k need: k for one
// output, k − 1 + n·s for more, because a stepped slice must end exactly n
// steps after its start. Trap (tensor v0.9.24): Gorgonia infers a stepped
// slice's size as ⌊(end − start)/step⌋ but the value gets ⌈(end −
// start)/step⌉ (on every axis but the first): S(0, 5, 2) of 5 rows makes a
// node of shape 2 holding 3 rows. An end past the axis is clipped to it,
// with the same effect. So every slice ends n·step after its start, and
// the padding runs s − 1 rows past the last window (rows no window reads).
func twinSpan(n, s, k int) int {
	if n == 1 {
		return k
	}
	return k - 1 + n*s
}

// twinPad returns x (batch, h, w, c) with g.top rows of pad above and g.left
// columns on the left, and enough below and on the right for every strided
// slice twinWindowOffsets takes, joined by Concat with constant nodes.
func twinPad(x *G.Node, g Window, pad float64) (*G.Node, error) {
	bottom := max(twinSpan(g.oh, g.sh, g.kh)-g.top-g.h, 0)
	right := max(twinSpan(g.ow, g.sw, g.kw)-g.left-g.w, 0)
	xp, err := twinPadAxis(x, 1, g.top, bottom, pad)
	if err != nil {
		return nil, err
	}
	return twinPadAxis(xp, 2, g.left, right, pad)
}

// twinPadAxis puts before and after slices of the constant pad around x along
// axis.
func twinPadAxis(x *G.Node, axis, before, after int, pad float64) (*G.Node, error) {
	if before == 0 && after == 0 {
		return x, nil
	}
	side := func(n int) *G.Node {
		s := x.Shape().Clone()
		s[axis] = n
		return twinConstant(x.Dtype(), s, pad)
	}
	parts := make([]*G.Node, 0, 3)
	if before > 0 {
		parts = append(parts, side(before))
	}
	parts = append(parts, x)
	if after > 0 {
		parts = append(parts, side(after))
	}
	xp, err := G.Concat(axis, parts...)
	return xp, errors.Wrapf(err, "pad axis %d", axis)
}

// twinConstant is a constant node of shape s filled with v.
func twinConstant(dt tensor.Dtype, s tensor.Shape, v float64) *G.Node {
	t := tensor.New(tensor.Of(dt), tensor.WithShape(s...))
	switch d := t.Data().(type) {
	case []float32:
		for i := range d {
			d[i] = float32(v)
		}
	case []float64:
		for i := range d {
			d[i] = v
		}
	}
	return G.NewConstant(t)
}

// twinStrided returns x[…, start : start+n·step : step, …] along axis (1
// or 2), n elements, keeping the axis when n is 1. A Gorgonia slice drops
// every axis it leaves with one element (and its type says so only when
// end − start is 1), so a single row or column is sliced as S(start),
// which drops the axis consistently, and the axis is put back by a
// reshape: the slice's value is a fresh tensor nothing else reads, so
// Gorgonia's aliasing reshape is harmless there.
func twinStrided(x *G.Node, axis, start, n, step int) (*G.Node, error) {
	// Gorgonia's Slice makes one op per listed axis, so each nil (whole)
	// leading axis is an op of its own, a copy or an alias of x: slow, but
	// a twin is for checking, not speed.
	lead := make([]tensor.Slice, axis)
	if n > 1 {
		y, err := G.Slice(x, append(lead, G.S(start, start+n*step, step))...)
		return y, errors.Wrapf(err, "slice axis %d at %d", axis, start)
	}
	y, err := G.Slice(x, append(lead, G.S(start))...)
	if err != nil {
		return nil, errors.Wrapf(err, "slice axis %d at %d", axis, start)
	}
	s := x.Shape().Clone()
	s[axis] = 1
	y, err = G.Reshape(y, s)
	return y, errors.Wrapf(err, "slice axis %d at %d: reshape", axis, start)
}

// denseInput1 returns vals[0] as a contiguous dense tensor of shape want.
func denseInput1(op fmt.Stringer, vals []G.Value, want tensor.Shape) (*tensor.Dense, error) {
	if len(vals) < 1 {
		return nil, errors.Errorf("%v: no input", op)
	}
	x, ok := vals[0].(*tensor.Dense)
	if !ok {
		return nil, errors.Errorf("%v: input is %T", op, vals[0])
	}
	if !x.Shape().Eq(want) {
		return nil, errors.Errorf("%v: input has shape %v, want %v", op, x.Shape(), want)
	}
	if x.IsView() {
		x = x.Materialize().(*tensor.Dense)
	}
	return x, nil
}

// opHash hashes an op's description (WriteHash), so that two ops of equal
// settings share a node and two of different settings never do.
func opHash(op interface{ WriteHash(hash.Hash) }) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
