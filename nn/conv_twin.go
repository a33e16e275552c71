package nn

import (
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

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
func im2colTwin(x *G.Node, g window) (*G.Node, error) {
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
	out, err := G.Reshape(cat, tensor.Shape{batch * g.oh * g.ow, g.patchLen()})
	return out, errors.Wrap(err, "im2col twin: reshape")
}

// twinInput checks that x is a float (batch, h, w, c) node of g's geometry
// and returns the batch size.
func twinInput(kind string, x *G.Node, g window) (int, error) {
	s := x.Shape()
	if len(s) != 4 || s[1] != g.h || s[2] != g.w || s[3] != g.c {
		return 0, errors.Errorf("%s: input shape %v, want (batch, %d, %d, %d)", kind, s, g.h, g.w, g.c)
	}
	if dt := x.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return 0, errors.Errorf("%s: unsupported dtype %v", kind, dt)
	}
	if g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 || g.oh <= 0 || g.ow <= 0 {
		return 0, errors.Errorf("%s: invalid window %+v", kind, g)
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
func twinWindowOffsets(x *G.Node, g window, pad float64) ([]*G.Node, error) {
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
func twinPad(x *G.Node, g window, pad float64) (*G.Node, error) {
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
