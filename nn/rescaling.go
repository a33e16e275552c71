package nn

import (
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// RescalingLayer maps every input value x to x·Scale + Offset, in training
// and inference alike (Keras's Rescaling): Rescaling(1.0/255, 0) brings
// 8-bit pixels to [0, 1], Rescaling(1.0/127.5, -1) to [−1, 1]. Putting it
// in the model rather than in the data pipeline means a saved model takes
// raw pixels, and so does its ONNX export (a Mul and an Add).
//
// Scale and Offset are numbers of the graph's type: a float32 graph
// multiplies by Scale rounded to float32, as Keras casts them to the
// layer's dtype. The product is rounded before the offset is added (two
// Gorgonia ops, differentiated by gorgonia.Grad); an Offset of 0 adds
// nothing. Keras also takes a scale per channel; this layer takes one
// number (a Normalization holds per-channel statistics).
type RescalingLayer struct {
	Named
	Scale, Offset float64
	in            Shape
}

// Rescaling returns a layer computing x·scale + offset.
func Rescaling(scale, offset float64) *RescalingLayer {
	return &RescalingLayer{Scale: scale, Offset: offset}
}

// Type implements Layer.
func (l *RescalingLayer) Type() string { return "Rescaling" }

// RescalingConfig is a Rescaling layer's settings as a saved model holds
// them: {"scale":0.00392156862745098,"offset":0}.
type RescalingConfig struct {
	Scale  float64 `json:"scale"`
	Offset float64 `json:"offset"`
}

func init() {
	mustRegister("Rescaling", func(c RescalingConfig) (Layer, error) { return Rescaling(c.Scale, c.Offset), nil })
}

// Config implements Configurer.
func (l *RescalingLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), RescalingConfig{Scale: l.Scale, Offset: l.Offset})
}

// CountParams implements ParamCounter; rescaling has no params.
func (l *RescalingLayer) CountParams(in []int) (int64, []int, error) {
	for _, v := range []float64{l.Scale, l.Offset} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0, nil, errors.Errorf("rescaling %q: scale %v and offset %v must be finite", l.Name(), l.Scale, l.Offset)
		}
	}
	if err := checkShape("rescaling", l.Name(), in); err != nil {
		return 0, nil, err
	}
	return 0, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *RescalingLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return out, nil
}

// Params implements Layer; rescaling has none.
func (l *RescalingLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *RescalingLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("rescaling %q: not built", l.Name())
	}
	if err := wantShape("rescaling", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, err := G.Mul(x, b.Const(l.Scale))
	if err != nil {
		return nil, errors.Wrapf(err, "rescaling %q", l.Name())
	}
	if l.Offset != 0 {
		y, err = G.Add(y, b.Const(l.Offset))
	}
	return y, errors.Wrapf(err, "rescaling %q", l.Name())
}
