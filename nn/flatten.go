package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// FlattenLayer turns each sample into a flat vector, row-major (Keras's
// Flatten): (h, w, c) becomes (h·w·c), as a Dense after images needs.
type FlattenLayer struct {
	Named
	in Shape
}

// Flatten returns a flattening layer.
func Flatten() *FlattenLayer { return &FlattenLayer{} }

// Type implements Layer.
func (l *FlattenLayer) Type() string { return "Flatten" }

// FlattenConfig is a Flatten layer's settings: none, so that a file giving
// it any is refused.
type FlattenConfig struct{}

func init() {
	mustRegister("Flatten", func(FlattenConfig) (Layer, error) { return Flatten(), nil })
}

// Config implements Configurer.
func (l *FlattenLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), FlattenConfig{})
}

// Build implements Layer.
func (l *FlattenLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return out, nil
}

// CountParams implements ParamCounter; flattening has no params.
func (l *FlattenLayer) CountParams(in []int) (int64, []int, error) {
	if err := checkShape("flatten", l.Name(), in); err != nil {
		return 0, nil, err
	}
	return 0, []int{Shape(in).Size()}, nil
}

// Params implements Layer; flattening has none.
func (l *FlattenLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *FlattenLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("flatten %q: not built", l.Name())
	}
	if err := wantShape("flatten", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, err := graph.Reshape(x, x.Shape()[0], l.in.Size())
	return y, errors.Wrapf(err, "flatten %q", l.Name())
}
