package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// DenseLayer is a fully connected layer: act(x·W + b), with W of shape
// (in, units) initialised Glorot-uniform and b of shape (1, units) zero.
type DenseLayer struct {
	Named
	Units  int
	Act    Activation
	in     int
	Kernel *graph.Param
	Bias   *graph.Param

	// KernelRegularizer, when set, adds its penalty of the kernel to the
	// training loss (Keras's kernel_regularizer); see Regularizer.
	KernelRegularizer *Regularizer
}

// Dense returns a fully connected layer of units outputs followed by act
// (Linear for none).
func Dense(units int, act Activation) *DenseLayer { return &DenseLayer{Units: units, Act: act} }

// WithRegularizer sets the kernel's regularizer (Keras's
// kernel_regularizer), e.g. nn.L2(0.01), and returns the layer.
func (l *DenseLayer) WithRegularizer(r *Regularizer) *DenseLayer {
	l.KernelRegularizer = r
	return l
}

// Type implements Layer.
func (l *DenseLayer) Type() string { return "Dense" }

// DenseConfig is a Dense layer's settings as a saved model holds them:
// {"units":10,"activation":"relu"} after its type and name.
type DenseConfig struct {
	Units      int    `json:"units,omitempty"`
	Activation string `json:"activation,omitempty"` // an ActivationByName name; none is linear
	// KernelRegularizer is written only when set, so that the files of
	// layers without one stay as they were.
	KernelRegularizer *Regularizer `json:"kernel_regularizer,omitempty"`
}

func init() { mustRegister("Dense", denseFromConfig) }

// Config implements Configurer.
func (l *DenseLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), DenseConfig{Units: l.Units, Activation: l.Act.Name(), KernelRegularizer: l.KernelRegularizer})
}

// denseFromConfig is the unbuilt layer c describes; Build checks the units.
func denseFromConfig(c DenseConfig) (Layer, error) {
	a, err := layerActivation(c.Activation)
	if err != nil {
		return nil, err
	}
	if err := c.KernelRegularizer.Check(); err != nil {
		return nil, errors.Wrap(err, "kernel_regularizer")
	}
	return Dense(c.Units, a).WithRegularizer(c.KernelRegularizer), nil
}

// Build implements Layer.
// The input must be 1-D: a Dense after an image-shaped output needs a
// Flatten between them (Keras's Dense would act on the last axis alone,
// which is rarely what a model means here).
func (l *DenseLayer) Build(inShape []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if l.Units <= 0 {
		return nil, errors.Errorf("dense %q: units must be positive, got %d", l.Name(), l.Units)
	}
	if err := l.KernelRegularizer.Check(); err != nil {
		return nil, errors.Wrapf(err, "dense %q: kernel", l.Name())
	}
	in, err := denseInput(l.Name(), inShape)
	if err != nil {
		return nil, err
	}
	l.in = in
	if l.Kernel, err = graph.NewParam(l.Name()+"/kernel", dt, true, in, l.Units); err != nil {
		return nil, errors.Wrapf(err, "dense %q", l.Name())
	}
	if l.Bias, err = graph.NewParam(l.Name()+"/bias", dt, true, 1, l.Units); err != nil {
		return nil, errors.Wrapf(err, "dense %q", l.Name())
	}
	glorotUniform(l.Kernel, in, l.Units, rng)
	return []int{l.Units}, nil
}

// denseInput returns the width of a 1-D input shape, or an error naming
// the layer for any other shape.
func denseInput(name string, in []int) (int, error) {
	if len(in) != 1 {
		return 0, errors.Errorf("dense %q: input shape %s is %d-D, want 1-D (add a Flatten before it)", name, ShapeString(in), len(in))
	}
	if err := checkShape("dense", name, in); err != nil {
		return 0, err
	}
	return in[0], nil
}

// CountParams implements ParamCounter: in×units weights and units biases;
// the input must be 1-D.
func (l *DenseLayer) CountParams(inShape []int) (int64, []int, error) {
	in, err := denseInput(l.Name(), inShape)
	if err != nil {
		return 0, nil, err
	}
	if l.Units <= 0 {
		return 0, nil, errors.Errorf("dense %q: units must be positive, got %d", l.Name(), l.Units)
	}
	if l.Units > maxParams {
		return 0, nil, errors.Errorf("dense %q: %d units is too many", l.Name(), l.Units)
	}
	u := int64(l.Units)
	if int64(in) > maxParams/u {
		return 0, nil, errors.Errorf("dense %q: %d×%d weights is too many", l.Name(), in, u)
	}
	return int64(in)*u + u, []int{l.Units}, nil
}

// Params implements Layer.
func (l *DenseLayer) Params() []*graph.Param { return []*graph.Param{l.Kernel, l.Bias} }

// Forward implements Layer.
func (l *DenseLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.Kernel == nil {
		return nil, errors.Errorf("dense %q: not built", l.Name())
	}
	if x.Dims() != 2 || x.Shape()[1] != l.in {
		return nil, errors.Errorf("dense %q: input has shape %v, want (batch, %d)", l.Name(), x.Shape(), l.in)
	}
	w, err := b.Param(l.Kernel)
	if err != nil {
		return nil, errors.Wrapf(err, "dense %q", l.Name())
	}
	bias, err := b.Param(l.Bias)
	if err != nil {
		return nil, errors.Wrapf(err, "dense %q", l.Name())
	}
	// x·W + b with the ReLU folded in when the activation is ReLU (one
	// fused node, or its twin; see graph.Builder.Dense); other activations
	// are applied on top.
	relu := l.Act.name == ReLU.name
	z, err := b.Dense(x, w, bias, relu)
	if err != nil {
		return nil, errors.Wrapf(err, "dense %q", l.Name())
	}
	if relu {
		return z, nil
	}
	y, err := l.Act.Apply(b, z)
	return y, errors.Wrapf(err, "dense %q", l.Name())
}
