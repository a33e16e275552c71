package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// ReshapeLayer gives each sample a new shape of the same size, reading
// and writing its elements row-major (Keras's Reshape): 784 features
// become a (28, 28, 1) image. One dimension may be -1, worked out from
// the others.
type ReshapeLayer struct {
	Named
	Target []int
	in     Shape
	out    Shape
}

// Reshape returns a layer reshaping each sample to target.
func Reshape(target ...int) *ReshapeLayer {
	return &ReshapeLayer{Target: append([]int(nil), target...)}
}

// Type implements Layer.
func (l *ReshapeLayer) Type() string { return "Reshape" }

// ReshapeConfig is a Reshape layer's settings as a saved model holds them:
// {"target_shape":[28,28,1]}; CountParams and Build check the target.
type ReshapeConfig struct {
	TargetShape []int `json:"target_shape,omitempty"`
}

func init() {
	mustRegister("Reshape", func(c ReshapeConfig) (Layer, error) { return Reshape(c.TargetShape...), nil })
}

// Config implements Configurer.
func (l *ReshapeLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), ReshapeConfig{TargetShape: l.Target})
}

// Build implements Layer.
func (l *ReshapeLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	l.in, l.out = Shape(in).Clone(), Shape(out).Clone()
	return out, nil
}

// CountParams implements ParamCounter; reshaping has no params. It works
// out the output shape, and rejects a target that does not hold the
// input's elements.
func (l *ReshapeLayer) CountParams(in []int) (int64, []int, error) {
	if err := checkShape("reshape", l.Name(), in); err != nil {
		return 0, nil, err
	}
	if len(l.Target) == 0 {
		return 0, nil, errors.Errorf("reshape %q: empty target shape", l.Name())
	}
	if len(l.Target) > MaxRank {
		return 0, nil, errors.Errorf("reshape %q: target shape has %d dimensions, at most %d", l.Name(), len(l.Target), MaxRank)
	}
	size := Shape(in).Size()
	out := Shape(l.Target).Clone()
	known, free := 1, -1
	for i, d := range out {
		switch {
		case d == -1 && free < 0:
			free = i
		case d <= 0:
			return 0, nil, errors.Errorf("reshape %q: target shape %s: dimension %d is %d", l.Name(), dimsList(l.Target), i, d)
		default:
			if known > size/d+1 {
				return 0, nil, errors.Errorf("reshape %q: target shape %s holds more than the input's %d elements", l.Name(), dimsList(l.Target), size)
			}
			known *= d
		}
	}
	if free >= 0 {
		if size%known != 0 {
			return 0, nil, errors.Errorf("reshape %q: cannot reshape %s (%d elements) to %s", l.Name(), ShapeString(in), size, dimsList(l.Target))
		}
		out[free] = size / known
	}
	if out.Size() != size {
		return 0, nil, errors.Errorf("reshape %q: cannot reshape %s (%d elements) to %s", l.Name(), ShapeString(in), size, dimsList(l.Target))
	}
	return 0, out, nil
}

// Params implements Layer; reshaping has none.
func (l *ReshapeLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *ReshapeLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("reshape %q: not built", l.Name())
	}
	if err := wantShape("reshape", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, err := graph.Reshape(x, batchShape(x.Shape()[0], l.out)...)
	return y, errors.Wrapf(err, "reshape %q", l.Name())
}
