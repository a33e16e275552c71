package nn

import (
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// RandomContrastLayer scales each image's contrast by a random factor
// while training and is the identity in inference (Keras's
// RandomContrast). Per image and channel, with m the channel's mean over
// the image, each value x becomes (x − m)·c + m, clipped to ValueRange;
// c is drawn per image and step, uniformly in [1−Lower, 1+Upper] (Keras's
// factor (lower, upper); one number f is [1−f, 1+f]). Images are
// (height, width, channels).
//
// The clip is Keras 3's: its RandomContrast clips to value_range, [0, 255]
// unless told otherwise, so images scaled to [0, 1] need
// WithValueRange(0, 1), or a contrast above 1 leaves them unclipped and
// out of their range. The mean and the output are computed in float64 and
// rounded once; Keras works in float32 (a mean of row means), which
// differs in the last bits.
//
// The factors come from the training step's generator, so a Fit with the
// same seed draws the same contrasts.
type RandomContrastLayer struct {
	Named
	Lower, Upper float64    // c in [1−Lower, 1+Upper], each within [0, 1]
	ValueRange   [2]float64 // the output is clipped to [ValueRange[0], ValueRange[1]]
	in           Shape
}

// RandomContrast returns a layer scaling contrast by a factor in
// [1−factor, 1+factor], clipping to Keras's default value range [0, 255].
func RandomContrast(factor float64) *RandomContrastLayer {
	return &RandomContrastLayer{Lower: factor, Upper: factor, ValueRange: [2]float64{0, 255}}
}

// WithRange sets the factor's range to [1−lower, 1+upper] (Keras's factor
// tuple) and returns the layer.
func (l *RandomContrastLayer) WithRange(lower, upper float64) *RandomContrastLayer {
	l.Lower, l.Upper = lower, upper
	return l
}

// WithValueRange sets the range the output is clipped to (Keras's
// value_range) and returns the layer.
func (l *RandomContrastLayer) WithValueRange(lo, hi float64) *RandomContrastLayer {
	l.ValueRange = [2]float64{lo, hi}
	return l
}

// Type implements Layer.
func (l *RandomContrastLayer) Type() string { return "RandomContrast" }

// RandomContrastConfig is a RandomContrast layer's settings as a saved
// model holds them: {"factor":[0.2,0.2],"value_range":[0,255]}; Build
// checks them.
type RandomContrastConfig struct {
	Factor     [2]float64 `json:"factor"`
	ValueRange [2]float64 `json:"value_range"`
}

func init() {
	mustRegister("RandomContrast", func(c RandomContrastConfig) (Layer, error) {
		return &RandomContrastLayer{Lower: c.Factor[0], Upper: c.Factor[1], ValueRange: c.ValueRange}, nil
	})
}

// Config implements Configurer.
func (l *RandomContrastLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), RandomContrastConfig{Factor: [2]float64{l.Lower, l.Upper}, ValueRange: l.ValueRange})
}

func (l *RandomContrastLayer) check(in []int) error {
	if !(l.Lower >= 0 && l.Lower <= 1 && l.Upper >= 0 && l.Upper <= 1) {
		return errors.Errorf("random contrast %q: factor (%v, %v) must lie within [0, 1]", l.Name(), l.Lower, l.Upper)
	}
	lo, hi := l.ValueRange[0], l.ValueRange[1]
	if !(lo < hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return errors.Errorf("random contrast %q: value range [%v, %v] is not a range lo < hi of finite numbers", l.Name(), lo, hi)
	}
	return imageShape("random contrast", l.Name(), in)
}

// CountParams implements ParamCounter; a contrast has no params.
func (l *RandomContrastLayer) CountParams(in []int) (int64, []int, error) {
	if err := l.check(in); err != nil {
		return 0, nil, err
	}
	return 0, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *RandomContrastLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if err := l.check(in); err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// Params implements Layer; a contrast has none.
func (l *RandomContrastLayer) Params() []*graph.Param { return nil }

// Forward implements Layer: the identity in inference, else a feed of one
// factor per image and the contrast op.
func (l *RandomContrastLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("random contrast %q: not built", l.Name())
	}
	if err := wantShape("random contrast", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	if !b.Training {
		return x, nil
	}
	f := b.Feed64(l.Name()+"/factors", contrastFactors(l.Lower, l.Upper), x.Shape()[0], 1)
	y, err := graph.AdjustContrast(x, f, l.ValueRange[0], l.ValueRange[1])
	return y, errors.Wrapf(err, "random contrast %q", l.Name())
}

// contrastFactors returns the feed's fill: one factor per image, uniform
// in [1−lower, 1+upper].
func contrastFactors(lower, upper float64) func(*rand.Rand, []float64) {
	r := FactorRange{1 - lower, 1 + upper}
	return func(rng *rand.Rand, dst []float64) {
		for i := range dst {
			dst[i] = r.draw(rng.Float64())
		}
	}
}
