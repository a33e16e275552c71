package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// GlobalAveragePooling2DLayer averages each channel of a channels-last
// image over all its positions (Keras's GlobalAveragePooling2D with
// keepdims false): inputs (height, width, channels), outputs (channels).
// It is the usual bridge from a convolution stack to a classifier head
// with far fewer weights than Flatten's. Its gradient spreads each
// output's gradient evenly, g/(height·width), over the channel's inputs.
type GlobalAveragePooling2DLayer struct {
	Named
	in Shape
}

// GlobalAveragePooling2D returns a global average pooling layer.
func GlobalAveragePooling2D() *GlobalAveragePooling2DLayer { return &GlobalAveragePooling2DLayer{} }

// Type implements Layer.
func (l *GlobalAveragePooling2DLayer) Type() string { return "GlobalAveragePooling2D" }

// Build implements Layer.
func (l *GlobalAveragePooling2DLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return out, nil
}

// CountParams implements ParamCounter; pooling has no params. The input
// must be an image, (height, width, channels).
func (l *GlobalAveragePooling2DLayer) CountParams(in []int) (int64, []int, error) {
	_, err := globalWindow("globalaveragepooling2d", l.Name(), in)
	if err != nil {
		return 0, nil, err
	}
	return 0, []int{in[2]}, nil
}

// Params implements Layer; pooling has none.
func (l *GlobalAveragePooling2DLayer) Params() []*graph.Param { return nil }

// Forward implements Layer: graph.Builder.GlobalAvgPool2D, the fused op
// or its twin.
func (l *GlobalAveragePooling2DLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("globalaveragepooling2d %q: not built", l.Name())
	}
	if err := wantShape("globalaveragepooling2d", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, err := b.GlobalAvgPool2D(x)
	return y, errors.Wrapf(err, "globalaveragepooling2d %q", l.Name())
}

// Config implements Configurer: the layer has no settings but its name.
func (l *GlobalAveragePooling2DLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), GlobalPoolingConfig{})
}

// GlobalMaxPooling2DLayer takes the maximum of each channel of a
// channels-last image over all its positions (Keras's GlobalMaxPooling2D
// with keepdims false): inputs (height, width, channels), outputs
// (channels). Its gradient goes to the position of each channel's
// maximum, the first in row-major (height, then width) order where
// several tie, as MaxPooling2D's does; NaNs behave as in MaxPooling2D
// too: one at the first position wins, any later one loses. That is the
// fused op's behaviour; the twin (GRADGRAPH_FUSION=0) holds for finite
// inputs only, its select turning a NaN or −∞ into NaN (see
// graph.GlobalMaxPoolTwin).
type GlobalMaxPooling2DLayer struct {
	Named
	in Shape
}

// GlobalMaxPooling2D returns a global max pooling layer.
func GlobalMaxPooling2D() *GlobalMaxPooling2DLayer { return &GlobalMaxPooling2DLayer{} }

// Type implements Layer.
func (l *GlobalMaxPooling2DLayer) Type() string { return "GlobalMaxPooling2D" }

// Build implements Layer.
func (l *GlobalMaxPooling2DLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return out, nil
}

// CountParams implements ParamCounter; pooling has no params. The input
// must be an image, (height, width, channels).
func (l *GlobalMaxPooling2DLayer) CountParams(in []int) (int64, []int, error) {
	_, err := globalWindow("globalmaxpooling2d", l.Name(), in)
	if err != nil {
		return 0, nil, err
	}
	return 0, []int{in[2]}, nil
}

// Params implements Layer; pooling has none.
func (l *GlobalMaxPooling2DLayer) Params() []*graph.Param { return nil }

// Forward implements Layer: graph.Builder.GlobalMaxPool2D, the fused op
// or its twin.
func (l *GlobalMaxPooling2DLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("globalmaxpooling2d %q: not built", l.Name())
	}
	if err := wantShape("globalmaxpooling2d", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, err := b.GlobalMaxPool2D(x)
	return y, errors.Wrapf(err, "globalmaxpooling2d %q", l.Name())
}

// Config implements Configurer: the layer has no settings but its name.
func (l *GlobalMaxPooling2DLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), GlobalPoolingConfig{})
}

// globalWindow checks that in is an image shape, (height, width,
// channels), and returns the window covering all of it: one output per
// channel. The error names the layer and the shape: a Flatten or Dense
// output (1-D) is the usual mistake.
func globalWindow(kind, name string, in Shape) (graph.Window, error) {
	if len(in) != 3 {
		return graph.Window{}, errors.Errorf("%s %q: input shape %s is %d-D, want (height, width, channels)", kind, name, ShapeString(in), len(in))
	}
	if err := checkShape(kind, name, in); err != nil {
		return graph.Window{}, err
	}
	return newWindow(kind, name, in, [2]int{in[0], in[1]}, [2]int{in[0], in[1]}, "valid")
}

// GlobalPoolingConfig is a global pooling layer's settings: none (Keras's
// data_format and keepdims are channels last and false here), so that a
// file giving any is refused.
type GlobalPoolingConfig struct{}

func init() {
	mustRegister("GlobalAveragePooling2D", func(GlobalPoolingConfig) (Layer, error) { return GlobalAveragePooling2D(), nil })
	mustRegister("GlobalMaxPooling2D", func(GlobalPoolingConfig) (Layer, error) { return GlobalMaxPooling2D(), nil })
}
