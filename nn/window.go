package nn

import "github.com/pkg/errors"

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
	k := g.patchLen()
	row := 0
	for b := 0; b < batch; b++ {
		xb := x[b*g.h*g.w*g.c:]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				dst := cols[row*k : (row+1)*k]
				row++
				for i := 0; i < g.kh; i++ {
					iy := oy*g.sh - g.top + i
					for j := 0; j < g.kw; j++ {
						ix := ox*g.sw - g.left + j
						d := dst[(i*g.kw+j)*g.c : (i*g.kw+j+1)*g.c]
						if iy < 0 || iy >= g.h || ix < 0 || ix >= g.w {
							clear(d)
							continue
						}
						copy(d, xb[(iy*g.w+ix)*g.c:])
					}
				}
			}
		}
	}
}

// col2im is im2col's adjoint: it adds every row of cols back onto the
// inputs it was taken from, into dx (which it zeroes first). The gradient
// of im2col is col2im of the gradient.
func col2im[T float32 | float64](g window, batch int, cols, dx []T) {
	clear(dx)
	k := g.patchLen()
	row := 0
	for b := 0; b < batch; b++ {
		xb := dx[b*g.h*g.w*g.c:]
		for oy := 0; oy < g.oh; oy++ {
			for ox := 0; ox < g.ow; ox++ {
				src := cols[row*k : (row+1)*k]
				row++
				for i := 0; i < g.kh; i++ {
					iy := oy*g.sh - g.top + i
					if iy < 0 || iy >= g.h {
						continue
					}
					for j := 0; j < g.kw; j++ {
						ix := ox*g.sw - g.left + j
						if ix < 0 || ix >= g.w {
							continue
						}
						s := src[(i*g.kw+j)*g.c : (i*g.kw+j+1)*g.c]
						d := xb[(iy*g.w+ix)*g.c : (iy*g.w+ix+1)*g.c]
						for ch := range d {
							d[ch] += s[ch]
						}
					}
				}
			}
		}
	}
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
