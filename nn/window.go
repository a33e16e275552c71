package nn

import (
	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// window is the geometry of a 2-D sliding window (a convolution kernel or
// a pooling window) over channels-last samples (h, w, c): its size, its
// strides, the padding before the first row and column, and the output's
// height and width.
type window struct {
	h, w, c   int // input height, width, channels
	kh, kw    int // window height and width
	sh, sw    int // strides
	top, left int // zero (or, for pooling, ignored) rows above and columns left
	oh, ow    int // output height and width
}

// newWindow works out the output size and padding as Keras (TensorFlow)
// does: "valid" keeps windows inside the input, floor((n − k)/s) + 1 of
// them; "same" gives ceil(n/s) outputs, padding by max((out−1)·s + k − n, 0)
// in all, the odd one after (below, right), as TensorFlow does.
func newWindow(kind, name string, in Shape, kernel, strides [2]int, padding string) (window, error) {
	if len(in) != 3 {
		return window{}, errors.Errorf("%s %q: input shape %s is %d-D, want (height, width, channels)", kind, name, ShapeString(in), len(in))
	}
	if err := checkShape(kind, name, in); err != nil {
		return window{}, err
	}
	if kernel[0] <= 0 || kernel[1] <= 0 {
		return window{}, errors.Errorf("%s %q: window size %v must be positive", kind, name, kernel)
	}
	if strides[0] <= 0 || strides[1] <= 0 {
		return window{}, errors.Errorf("%s %q: strides %v must be positive", kind, name, strides)
	}
	g := window{h: in[0], w: in[1], c: in[2], kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1]}
	switch padding {
	case "valid", "":
		if g.kh > g.h || g.kw > g.w {
			return window{}, errors.Errorf("%s %q: window %dx%d is larger than its %dx%d input (padding \"valid\")", kind, name, g.kh, g.kw, g.h, g.w)
		}
		g.oh, g.ow = (g.h-g.kh)/g.sh+1, (g.w-g.kw)/g.sw+1
	case "same":
		g.oh, g.ow = (g.h+g.sh-1)/g.sh, (g.w+g.sw-1)/g.sw
		g.top = max((g.oh-1)*g.sh+g.kh-g.h, 0) / 2
		g.left = max((g.ow-1)*g.sw+g.kw-g.w, 0) / 2
	default:
		return window{}, errors.Errorf("%s %q: padding %q, want \"valid\" or \"same\"", kind, name, padding)
	}
	return g, nil
}

// patchLen is the length of one flattened patch: kh·kw·c.
func (g window) patchLen() int { return g.kh * g.kw * g.c }

// im2col writes, for every output position of every sample of x (batch,
// h, w, c), the window's inputs as one row of cols (batch·oh·ow, kh·kw·c),
// in (row, column, channel) order, the order of a (kh, kw, c, filters)
// kernel's rows; positions in the padding are 0.
func im2col[T float32 | float64](g window, batch int, x, cols []T) {
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
func im2colSamples[T float32 | float64](g window, b0, b1 int, x, cols []T) {
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
func col2im[T float32 | float64](g window, batch int, cols, dx []T) {
	col2imSamples(g, 0, batch, cols, dx)
}

// col2imSamples is col2im for the samples [b0, b1): it zeroes and writes
// their images only, reading their rows from the start of cols (as
// im2colSamples writes them), so that disjoint ranges can run on
// different cores. A window row inside the image is one
// contiguous add of kw·c values (see im2colSamples). Within a sample the
// rows are added in the same order as col2im's, so every element gets its
// terms in the same order whatever the split.
func col2imSamples[T float32 | float64](g window, b0, b1 int, cols, dx []T) {
	k := g.patchLen()
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
func maxPool[T float32 | float64](g window, batch int, x, y, dy, dx []T, grad bool) {
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
