package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// DropoutLayer zeroes each input with probability Rate while training and
// scales the survivors by 1/(1-Rate), so that inference, where it is the
// identity, sees activations of the same expected size.
//
// The mask is a graph input filled every step from the machine's seeded
// generator, not Gorgonia's Dropout op: that op draws from an unseedable
// clock-seeded generator and its gradient divides by the drop rate instead
// of the keep probability, right only at rate 0.5. Fused graphs multiply
// by it with graph.Dropout, which reuses its tensors every run; the twin
// is gorgonia.HadamardProd. Both round each product once: the same bits.
type DropoutLayer struct {
	Named
	Rate float64
	in   Shape
}

// Dropout returns a dropout layer dropping inputs with probability rate.
func Dropout(rate float64) *DropoutLayer { return &DropoutLayer{Rate: rate} }

// Type implements Layer.
func (l *DropoutLayer) Type() string { return "Dropout" }

// DropoutConfig is a Dropout layer's settings as a saved model holds them:
// {"rate":0.5}; Build checks the rate.
type DropoutConfig struct {
	Rate float64 `json:"rate,omitempty"`
}

func init() {
	mustRegister("Dropout", func(c DropoutConfig) (Layer, error) { return Dropout(c.Rate), nil })
}

// Config implements Configurer.
func (l *DropoutLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), DropoutConfig{Rate: l.Rate})
}

// Build implements Layer.
func (l *DropoutLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if !(l.Rate >= 0 && l.Rate < 1) {
		return nil, errors.Errorf("dropout %q: rate must be in [0, 1), got %v", l.Name(), l.Rate)
	}
	if err := checkShape("dropout", l.Name(), in); err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// CountParams implements ParamCounter; dropout has no params.
func (l *DropoutLayer) CountParams(in []int) (int64, []int, error) {
	return 0, Shape(in).Clone(), checkShape("dropout", l.Name(), in)
}

// Params implements Layer; dropout has none.
func (l *DropoutLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *DropoutLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if !b.Training || l.Rate == 0 {
		return x, nil
	}
	if err := wantShape("dropout", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	// Each graph type gets its own mask values, so that a float64 model
	// scales by the float64 1/(1−rate), not by its float32 rounding. The
	// mask has x's shape, whatever its rank: every element is dropped on
	// its own, as Keras's Dropout without noise_shape.
	name, shape := l.Name()+"/mask", []int(x.Shape().Clone())
	var mask *G.Node
	if b.DType == graph.Float64 {
		mask = b.Feed64(name, DropoutMask64(l.Rate), shape...)
	} else {
		mask = b.Feed(name, DropoutMask(l.Rate), shape...)
	}
	y, err := b.Dropout(x, mask)
	return y, errors.Wrapf(err, "dropout %q", l.Name())
}

// DropoutMask returns a fill function for a float32 dropout mask: each
// element is 0 with probability rate, else 1/(1-rate) rounded to float32.
func DropoutMask(rate float64) func(rng *rand.Rand, dst []float32) {
	return dropoutMask[float32](rate)
}

// DropoutMask64 is DropoutMask for float64 graphs: survivors get the
// float64 value of 1/(1-rate). Both draw the same random numbers, so a
// seed drops the same inputs in either type.
func DropoutMask64(rate float64) func(rng *rand.Rand, dst []float64) {
	return dropoutMask[float64](rate)
}

func dropoutMask[T float32 | float64](rate float64) func(rng *rand.Rand, dst []T) {
	keep := T(1 / (1 - rate))
	return func(rng *rand.Rand, dst []T) {
		for i := range dst {
			if rng.Float64() < rate {
				dst[i] = 0
			} else {
				dst[i] = keep
			}
		}
	}
}
