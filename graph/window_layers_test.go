package graph

import (
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The window ops' tests build their graphs as nn's Conv2D and
// MaxPooling2D layers do (graph cannot import nn, which builds on it):
// these stand-ins hold the same settings and params and call the same op
// builders, Builder.Conv2D and Builder.MaxPool2D, so that the op-level
// tests read as they did beside the layers.

// gradTol is the largest relative error a float64 finite-difference check
// of a window op may show (nn's, for its layers).
const gradTol = 1e-6

// Shape is a per-sample shape.
type Shape []int

// Size is the number of elements of one sample.
func (s Shape) Size() int { return tensor.Shape(s).TotalSize() }

// Activation is what a convolution applies to its output: ReLU is folded
// into the fused op; another is applied to its (positions, filters) rows.
type Activation struct {
	name  string
	apply func(b *Builder, x *G.Node) (*G.Node, error)
}

var (
	actReLU    = Activation{name: "relu"}
	actLinear  = Activation{name: "linear"}
	actTanh    = Activation{name: "tanh", apply: func(_ *Builder, x *G.Node) (*G.Node, error) { return G.Tanh(x) }}
	actSoftmax = Activation{name: "softmax", apply: func(b *Builder, x *G.Node) (*G.Node, error) {
		lp, err := b.LogSoftmax(x)
		if err != nil {
			return nil, err
		}
		return b.Softmax(lp)
	}}
)

// Layer is what the stand-ins implement.
type Layer interface {
	Forward(b *Builder, x *G.Node) (*G.Node, error)
}

// newWindow is nn's: the window of a layer on (h, w, c) inputs.
func newWindow(kind, name string, in Shape, kernel, strides [2]int, padding string) (Window, error) {
	if len(in) != 3 {
		return Window{}, errors.Errorf("%s %q: input shape %v, want (height, width, channels)", kind, name, in)
	}
	g, err := NewWindow(in[0], in[1], in[2], kernel, strides, padding)
	return g, errors.Wrapf(err, "%s %q", kind, name)
}

// Conv2DLayer stands in for nn's Conv2D layer.
type Conv2DLayer struct {
	Filters      int
	KernelSize   [2]int
	Strides      [2]int
	Padding      string
	Act          Activation
	NoBias       bool
	Kernel, Bias *Param
	g            Window
}

func Conv2D(filters, k int, act Activation) *Conv2DLayer {
	return &Conv2DLayer{Filters: filters, KernelSize: [2]int{k, k}, Strides: [2]int{1, 1}, Padding: "valid", Act: act}
}

func (l *Conv2DLayer) WithPadding(p string) *Conv2DLayer { l.Padding = p; return l }

// Build makes the window and the params, the kernel drawn uniformly from
// ±√(6/(fan in + fan out)) (Glorot's bound).
func (l *Conv2DLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	g, err := newWindow("conv2d", "c", in, l.KernelSize, l.Strides, l.Padding)
	if err != nil {
		return nil, err
	}
	kh, kw := g.Size()
	if l.Kernel, err = NewParam("c/kernel", dt, true, kh, kw, g.Channels(), l.Filters); err != nil {
		return nil, err
	}
	bound := math.Sqrt(6 / float64(g.PatchLen()+kh*kw*l.Filters))
	k := make([]float64, l.Kernel.Size())
	for i := range k {
		k[i] = bound * (2*rng.Float64() - 1)
	}
	if err := l.Kernel.SetFloat64s(k); err != nil {
		return nil, err
	}
	l.Bias = nil
	if !l.NoBias {
		if l.Bias, err = NewParam("c/bias", dt, true, 1, l.Filters); err != nil {
			return nil, err
		}
	}
	l.g = g
	oh, ow := g.Out()
	return []int{oh, ow, l.Filters}, nil
}

func (l *Conv2DLayer) Params() []*Param {
	if l.Bias == nil {
		return []*Param{l.Kernel}
	}
	return []*Param{l.Kernel, l.Bias}
}

func (l *Conv2DLayer) act(b *Builder) (bool, func(*G.Node) (*G.Node, error)) {
	relu := l.Act.name == actReLU.name
	if relu || l.Act.apply == nil {
		return relu, nil
	}
	return false, func(z *G.Node) (*G.Node, error) { return l.Act.apply(b, z) }
}

// Forward is nn's: Builder.Conv2D.
func (l *Conv2DLayer) Forward(b *Builder, x *G.Node) (*G.Node, error) {
	relu, act := l.act(b)
	return b.Conv2D(l.g, x, l.Kernel, l.Bias, relu, act)
}

// forwardFused builds the fused op whatever b.Fused says.
func (l *Conv2DLayer) forwardFused(b *Builder, x *G.Node) (*G.Node, error) {
	relu, act := l.act(b)
	return convFused(b, l.g, x, l.Kernel, l.Bias, relu, act)
}

// forwardIm2col builds the op-level reference, patchesOp and Builder.Dense.
func (l *Conv2DLayer) forwardIm2col(b *Builder, x *G.Node) (*G.Node, error) {
	relu, act := l.act(b)
	return convIm2col(b, l.g, x, l.Kernel, l.Bias, relu, act)
}

// MaxPooling2DLayer stands in for nn's MaxPooling2D layer.
type MaxPooling2DLayer struct {
	PoolSize, Strides [2]int
	Padding           string
	g                 Window
	in                Shape
}

func MaxPooling2D(k int) *MaxPooling2DLayer {
	return &MaxPooling2DLayer{PoolSize: [2]int{k, k}, Strides: [2]int{k, k}, Padding: "valid"}
}

func (l *MaxPooling2DLayer) WithPadding(p string) *MaxPooling2DLayer { l.Padding = p; return l }

func (l *MaxPooling2DLayer) Build(in []int, _ tensor.Dtype, _ *rand.Rand) ([]int, error) {
	g, err := newWindow("maxpooling2d", "p", in, l.PoolSize, l.Strides, l.Padding)
	if err != nil {
		return nil, err
	}
	l.g, l.in = g, Shape(in)
	oh, ow := g.Out()
	return []int{oh, ow, g.Channels()}, nil
}

// Forward is nn's: Builder.MaxPool2D.
func (l *MaxPooling2DLayer) Forward(b *Builder, x *G.Node) (*G.Node, error) {
	return b.MaxPool2D(l.g, x)
}
