package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// MaxPooling2DLayer takes the maximum of every window of each channel of a
// channels-last image (Keras's MaxPooling2D): inputs (height, width,
// channels), outputs (out height, out width, channels). With padding
// "same" the padding is never the maximum, as in Keras. Its gradient goes
// to the position of each window's maximum, the first where several tie.
type MaxPooling2DLayer struct {
	Named
	PoolSize [2]int // height, width
	Strides  [2]int // vertical, horizontal; Keras's default is the pool size
	Padding  string // "valid" (default) or "same"

	g  graph.Window
	in Shape
}

// MaxPooling2D returns a max pooling of square windows of size poolSize,
// strides equal to it and padding "valid" (Keras's MaxPooling2D(poolSize)).
func MaxPooling2D(poolSize int) *MaxPooling2DLayer {
	return &MaxPooling2DLayer{PoolSize: [2]int{poolSize, poolSize}, Strides: [2]int{poolSize, poolSize}, Padding: "valid"}
}

// WithStrides sets the strides and returns the layer.
func (l *MaxPooling2DLayer) WithStrides(vertical, horizontal int) *MaxPooling2DLayer {
	l.Strides = [2]int{vertical, horizontal}
	return l
}

// WithPadding sets the padding, "valid" or "same", and returns the layer.
func (l *MaxPooling2DLayer) WithPadding(p string) *MaxPooling2DLayer {
	l.Padding = p
	return l
}

// Type implements Layer.
func (l *MaxPooling2DLayer) Type() string { return "MaxPooling2D" }

// MaxPooling2DConfig is a MaxPooling2D layer's settings as a saved model
// holds them: {"pool_size":[2,2],"strides":[2,2],"padding":"valid"}, sizes
// as (height, width). A missing pool size is (2, 2), missing strides the
// pool size, as in Keras.
type MaxPooling2DConfig struct {
	PoolSize []int  `json:"pool_size,omitempty"`
	Strides  []int  `json:"strides,omitempty"`
	Padding  string `json:"padding,omitempty"` // "valid" (default) or "same"
}

func init() { mustRegister("MaxPooling2D", maxPooling2DFromConfig) }

// Config implements Configurer.
func (l *MaxPooling2DLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), MaxPooling2DConfig{PoolSize: l.PoolSize[:], Strides: l.Strides[:], Padding: l.Padding})
}

func maxPooling2DFromConfig(c MaxPooling2DConfig) (Layer, error) {
	l := &MaxPooling2DLayer{Padding: c.Padding}
	var err error
	if l.PoolSize, err = pair("pool size", c.PoolSize, [2]int{2, 2}); err != nil {
		return nil, err
	}
	if l.Strides, err = pair("strides", c.Strides, l.PoolSize); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *MaxPooling2DLayer) geometry(in []int) (graph.Window, Shape, error) {
	g, err := newWindow("maxpooling2d", l.Name(), in, l.PoolSize, l.Strides, l.Padding)
	if err != nil {
		return graph.Window{}, nil, err
	}
	oh, ow := g.Out()
	return g, Shape{oh, ow, g.Channels()}, nil
}

// Build implements Layer.
func (l *MaxPooling2DLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	g, out, err := l.geometry(in)
	if err != nil {
		return nil, err
	}
	l.g, l.in = g, Shape(in).Clone()
	return out, nil
}

// CountParams implements ParamCounter; pooling has no params.
func (l *MaxPooling2DLayer) CountParams(in []int) (int64, []int, error) {
	_, out, err := l.geometry(in)
	return 0, out, err
}

// Params implements Layer; pooling has none.
func (l *MaxPooling2DLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *MaxPooling2DLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("maxpooling2d %q: not built", l.Name())
	}
	if err := wantShape("maxpooling2d", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, err := b.MaxPool2D(l.g, x)
	return y, errors.Wrapf(err, "maxpooling2d %q", l.Name())
}
