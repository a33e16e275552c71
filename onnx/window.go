package onnx

import "github.com/pkg/errors"

// window is a convolution's or a pooling's geometry over a channels-last
// (height, width, channels) input, worked out as gradgraph's nn does
// (Keras's convention): "valid" keeps every window inside the input;
// "same" gives ceil(n/s) outputs and pads max((out−1)·s + k − n, 0) in all,
// half (rounded down) before, the rest (the odd one) after: below and
// right, as TensorFlow does.
type window struct {
	h, w, c                  int
	kh, kw, sh, sw           int
	top, left, bottom, right int
	oh, ow                   int
}

func newWindow(in []int, kernel, strides [2]int, padding string) (window, error) {
	if len(in) != 3 {
		return window{}, errors.Errorf("input shape %v, want (height, width, channels)", in)
	}
	g := window{h: in[0], w: in[1], c: in[2], kh: kernel[0], kw: kernel[1], sh: strides[0], sw: strides[1]}
	if g.kh <= 0 || g.kw <= 0 || g.sh <= 0 || g.sw <= 0 {
		return window{}, errors.Errorf("window %v and strides %v must be positive", kernel, strides)
	}
	switch padding {
	case "valid", "":
		if g.kh > g.h || g.kw > g.w {
			return window{}, errors.Errorf("window %dx%d is larger than its %dx%d input", g.kh, g.kw, g.h, g.w)
		}
		g.oh, g.ow = (g.h-g.kh)/g.sh+1, (g.w-g.kw)/g.sw+1
	case "same":
		g.oh, g.ow = (g.h+g.sh-1)/g.sh, (g.w+g.sw-1)/g.sw
		th := max((g.oh-1)*g.sh+g.kh-g.h, 0)
		tw := max((g.ow-1)*g.sw+g.kw-g.w, 0)
		g.top, g.left = th/2, tw/2
		g.bottom, g.right = th-g.top, tw-g.left
	default:
		return window{}, errors.Errorf("padding %q, want \"valid\" or \"same\"", padding)
	}
	return g, nil
}

// attrs are the ONNX Conv and MaxPool attributes of the window: explicit
// pads (top, left, bottom, right), never auto_pad, whose SAME_UPPER would
// agree here but whose meaning readers have implemented differently.
func (g window) attrs() []attr {
	return []attr{
		intsAttr("kernel_shape", g.kh, g.kw),
		intsAttr("strides", g.sh, g.sw),
		intsAttr("pads", g.top, g.left, g.bottom, g.right),
	}
}
