package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Conv2DLayer is a 2-D convolution over channels-last images (Keras's
// Conv2D): act(conv(x, K) + b) with a kernel K of shape (kh, kw, in
// channels, filters), initialised Glorot-uniform with fan-in kh·kw·cin
// and fan-out kh·kw·filters as Keras does, and a zero bias of shape
// (1, filters). Inputs are (height, width, channels); outputs are
// (out height, out width, filters). Without a bias (NoBias, WithoutBias;
// Keras's use_bias=False) it is act(conv(x, K)): a convolution followed by
// BatchNormalization needs none, as the normalisation's beta takes its
// place and a bias would only be subtracted out again with the batch mean.
//
// The convolution is im2col then a matrix product: every window of the
// input becomes one row of a (batch·positions, kh·kw·cin) matrix, whose
// product with the kernel seen as (kh·kw·cin, filters) is the
// convolution. Forward builds it with graph.Builder.Conv2D: fused, one
// node does it all (im2col into a buffer it keeps, the GEMM, bias and
// ReLU, the output written in place as (batch, oh, ow, filters)); as its
// twin (graph.ConvTwin), Gorgonia's primitives alone.
type Conv2DLayer struct {
	Named
	Filters    int
	KernelSize [2]int // height, width
	Strides    [2]int // vertical, horizontal
	Padding    string // "valid" (default) or "same"
	Act        Activation
	// NoBias leaves the bias out: no Bias param, act(conv(x, K)). The
	// zero value has the bias, as Keras's default use_bias=True.
	NoBias bool
	// KernelRegularizer, when set, adds its penalty of the kernel to the
	// training loss (Keras's kernel_regularizer); see Regularizer.
	KernelRegularizer *Regularizer

	g            graph.Window
	in, out      Shape
	Kernel, Bias *graph.Param
}

// Conv2D returns a convolution of filters square kernels of size
// kernelSize, stride 1, padding "valid", followed by act (Keras's
// Conv2D(filters, kernelSize, activation=act)). Set Strides and Padding,
// or use WithStrides and WithPadding, for others.
func Conv2D(filters, kernelSize int, act Activation) *Conv2DLayer {
	return &Conv2DLayer{Filters: filters, KernelSize: [2]int{kernelSize, kernelSize}, Strides: [2]int{1, 1}, Padding: "valid", Act: act}
}

// WithStrides sets the strides and returns the layer.
func (l *Conv2DLayer) WithStrides(vertical, horizontal int) *Conv2DLayer {
	l.Strides = [2]int{vertical, horizontal}
	return l
}

// WithPadding sets the padding, "valid" or "same", and returns the layer.
func (l *Conv2DLayer) WithPadding(p string) *Conv2DLayer {
	l.Padding = p
	return l
}

// WithoutBias leaves the bias out (Keras's use_bias=False) and returns the
// layer: for a convolution followed by BatchNormalization, as in the
// Conv-BN blocks of residual networks.
func (l *Conv2DLayer) WithoutBias() *Conv2DLayer {
	l.NoBias = true
	return l
}

// WithRegularizer sets the kernel's regularizer (Keras's
// kernel_regularizer), e.g. nn.L2(0.01), and returns the layer.
func (l *Conv2DLayer) WithRegularizer(r *Regularizer) *Conv2DLayer {
	l.KernelRegularizer = r
	return l
}

// Type implements Layer.
func (l *Conv2DLayer) Type() string { return "Conv2D" }

// Conv2DConfig is a Conv2D layer's settings as a saved model holds them:
// {"activation":"relu","filters":32,"kernel_size":[3,3],"strides":[1,1],"padding":"valid"},
// sizes as (height, width). Missing strides are (1, 1).
type Conv2DConfig struct {
	Activation string `json:"activation,omitempty"` // an ActivationByName name; none is linear
	Filters    int    `json:"filters,omitempty"`
	KernelSize []int  `json:"kernel_size,omitempty"`
	Strides    []int  `json:"strides,omitempty"`
	Padding    string `json:"padding,omitempty"` // "valid" (default) or "same"
	// UseBias false leaves the bias out; missing, the layer has one.
	// Config writes it only when false, so that the files of layers with
	// a bias, all of them before it existed, stay as they were.
	UseBias *bool `json:"use_bias,omitempty"`
	// KernelRegularizer is written only when set, after the rest, so that
	// the files of layers without one stay as they were.
	KernelRegularizer *Regularizer `json:"kernel_regularizer,omitempty"`
}

func init() { mustRegister("Conv2D", conv2DFromConfig) }

// Config implements Configurer.
func (l *Conv2DLayer) Config() LayerConfig {
	c := Conv2DConfig{Activation: l.Act.Name(), Filters: l.Filters, KernelSize: l.KernelSize[:], Strides: l.Strides[:], Padding: l.Padding,
		KernelRegularizer: l.KernelRegularizer}
	if l.NoBias {
		c.UseBias = new(bool)
	}
	return NewLayerConfig(l.Type(), l.Name(), c)
}

func conv2DFromConfig(c Conv2DConfig) (Layer, error) {
	a, err := layerActivation(c.Activation)
	if err != nil {
		return nil, err
	}
	if err := c.KernelRegularizer.Check(); err != nil {
		return nil, errors.Wrap(err, "kernel_regularizer")
	}
	l := &Conv2DLayer{Filters: c.Filters, Padding: c.Padding, Act: a, NoBias: c.UseBias != nil && !*c.UseBias, KernelRegularizer: c.KernelRegularizer}
	if l.KernelSize, err = pair("kernel size", c.KernelSize, [2]int{}); err != nil {
		return nil, err
	}
	if l.Strides, err = pair("strides", c.Strides, [2]int{1, 1}); err != nil {
		return nil, err
	}
	return l, nil
}

// geometry checks the settings against a (height, width, channels) input
// and returns the window and output shape.
func (l *Conv2DLayer) geometry(in []int) (graph.Window, Shape, error) {
	if l.Filters <= 0 {
		return graph.Window{}, nil, errors.Errorf("conv2d %q: filters must be positive, got %d", l.Name(), l.Filters)
	}
	g, err := newWindow("conv2d", l.Name(), in, l.KernelSize, l.Strides, l.Padding)
	if err != nil {
		return graph.Window{}, nil, err
	}
	if int64(g.PatchLen())*int64(l.Filters) > maxParams {
		return graph.Window{}, nil, errors.Errorf("conv2d %q: %d×%d weights is too many", l.Name(), g.PatchLen(), l.Filters)
	}
	oh, ow := g.Out()
	return g, Shape{oh, ow, l.Filters}, nil
}

// Build implements Layer.
func (l *Conv2DLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	g, out, err := l.geometry(in)
	if err != nil {
		return nil, err
	}
	if err := l.KernelRegularizer.Check(); err != nil {
		return nil, errors.Wrapf(err, "conv2d %q: kernel", l.Name())
	}
	kh, kw := g.Size()
	if l.Kernel, err = graph.NewParam(l.Name()+"/kernel", dt, true, kh, kw, g.Channels(), l.Filters); err != nil {
		return nil, errors.Wrapf(err, "conv2d %q", l.Name())
	}
	l.Bias = nil
	if !l.NoBias {
		if l.Bias, err = graph.NewParam(l.Name()+"/bias", dt, true, 1, l.Filters); err != nil {
			return nil, errors.Wrapf(err, "conv2d %q", l.Name())
		}
	}
	glorotUniform(l.Kernel, g.PatchLen(), kh*kw*l.Filters, rng)
	l.g, l.in, l.out = g, Shape(in).Clone(), out
	return out.Clone(), nil
}

// CountParams implements ParamCounter: kh·kw·cin·filters weights and,
// unless NoBias, filters biases.
func (l *Conv2DLayer) CountParams(in []int) (int64, []int, error) {
	g, out, err := l.geometry(in)
	if err != nil {
		return 0, nil, err
	}
	n := int64(g.PatchLen()) * int64(l.Filters)
	if !l.NoBias {
		n += int64(l.Filters)
	}
	return n, out, nil
}

// Params implements Layer: the kernel, then the bias (none with NoBias).
func (l *Conv2DLayer) Params() []*graph.Param {
	if l.Bias == nil {
		return []*graph.Param{l.Kernel}
	}
	return []*graph.Param{l.Kernel, l.Bias}
}

// Forward implements Layer: graph.Builder.Conv2D, the fused op or its
// twin, with ReLU folded in and another activation applied to the output's
// (positions, filters) rows.
func (l *Conv2DLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.Kernel == nil {
		return nil, errors.Errorf("conv2d %q: not built", l.Name())
	}
	if err := wantShape("conv2d", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	relu := l.Act.name == ReLU.name
	var act func(*G.Node) (*G.Node, error)
	if !relu && l.Act.apply != nil {
		act = func(z *G.Node) (*G.Node, error) { return l.Act.Apply(b, z) }
	}
	y, err := b.Conv2D(l.g, x, l.Kernel, l.Bias, relu, act)
	return y, errors.Wrapf(err, "conv2d %q", l.Name())
}
