package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// RandomRotationLayer turns each image of a training batch about its
// centre by a random angle, filling the corners that come in from beyond
// the edges by its FillMode, and is the identity in inference (Keras's
// RandomRotation). Factor is the range of the angle in turns (fractions of
// 2π, Keras's factor): positive turns an image counter-clockwise. Images
// are (height, width, channels).
//
// The centre is ((width−1)/2, (height−1)/2) in pixel coordinates, Keras's
// map: output pixel (y, x) reads the input at
// (sin·x + cos·y + yoff, cos·x − sin·y + xoff). Sine and cosine are exact
// at quarter turns, so a square image turned by 90° is a permutation of
// its pixels (a non-square one is not: its centre is not a pixel
// position in both orientations, and Keras interpolates the same way).
//
// The angles come from the training step's generator, so a Fit with the
// same seed turns the same images by the same angles.
type RandomRotationLayer struct {
	Named
	Factor FactorRange // the angle in turns, within [−1, 1]
	Resampling
	in Shape
}

// RandomRotation returns a layer turning images by up to factor turns
// either way (factor·360°), with Keras's defaults: reflect fill, bilinear
// interpolation.
func RandomRotation(factor float64) *RandomRotationLayer {
	return &RandomRotationLayer{Factor: Symmetric(factor), Resampling: defaultResampling()}
}

// WithRange sets the range of the angle in turns (Keras's factor tuple)
// and returns the layer.
func (l *RandomRotationLayer) WithRange(r FactorRange) *RandomRotationLayer {
	l.Factor = r
	return l
}

// WithFill sets the fill mode (FillReflect, FillWrap, FillConstant or
// FillNearest) and the value FillConstant fills with, and returns the layer.
func (l *RandomRotationLayer) WithFill(mode string, value float64) *RandomRotationLayer {
	l.FillMode, l.FillValue = mode, value
	return l
}

// WithInterpolation sets the interpolation (InterpolationBilinear or
// InterpolationNearest) and returns the layer.
func (l *RandomRotationLayer) WithInterpolation(interpolation string) *RandomRotationLayer {
	l.Interpolation = interpolation
	return l
}

// Type implements Layer.
func (l *RandomRotationLayer) Type() string { return "RandomRotation" }

// RandomRotationConfig is a RandomRotation layer's settings as a saved
// model holds them: {"factor":[-0.1,0.1],"fill_mode":"reflect",
// "interpolation":"bilinear","fill_value":0}; Build checks them.
type RandomRotationConfig struct {
	Factor FactorRange `json:"factor"`
	Resampling
}

func init() {
	mustRegister("RandomRotation", func(c RandomRotationConfig) (Layer, error) {
		return &RandomRotationLayer{Factor: c.Factor, Resampling: c.Resampling.withDefaults()}, nil
	})
}

// Config implements Configurer.
func (l *RandomRotationLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), RandomRotationConfig{Factor: l.Factor, Resampling: l.Resampling})
}

func (l *RandomRotationLayer) check(in []int) error {
	if err := l.Factor.check("random rotation", l.Name(), "factor", -1, 1); err != nil {
		return err
	}
	if err := l.Resampling.check("random rotation", l.Name()); err != nil {
		return err
	}
	return imageShape("random rotation", l.Name(), in)
}

// CountParams implements ParamCounter; a rotation has no params.
func (l *RandomRotationLayer) CountParams(in []int) (int64, []int, error) {
	if err := l.check(in); err != nil {
		return 0, nil, err
	}
	return 0, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *RandomRotationLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if err := l.check(in); err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// Params implements Layer; a rotation has none.
func (l *RandomRotationLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *RandomRotationLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("random rotation %q: not built", l.Name())
	}
	return geometricForward(b, x, "random rotation", l.Name(), l.in, l.Resampling, rotationMaps(l.Factor, l.in[0], l.in[1]))
}

// rotationMaps returns the feed's fill: for each sample an angle of
// draw(Factor) turns and Keras's map
// [cos, −sin, xoff, sin, cos, yoff], with
// xoff = ((w−1) − (cos·(w−1) − sin·(h−1)))/2 and
// yoff = ((h−1) − (sin·(w−1) + cos·(h−1)))/2, which keeps the centre in
// place.
func rotationMaps(factor FactorRange, h, w int) func(*rand.Rand, []float64) {
	h1, w1 := float64(h-1), float64(w-1)
	return func(rng *rand.Rand, dst []float64) {
		for m := dst; len(m) >= affineParams; m = m[affineParams:] {
			sin, cos := sinCosTurns(factor.draw(rng.Float64()))
			xoff := (w1 - (float64(cos*w1) - float64(sin*h1))) / 2
			yoff := (h1 - (float64(sin*w1) + float64(cos*h1))) / 2
			m[0], m[1], m[2] = cos, -sin, xoff
			m[3], m[4], m[5] = sin, cos, yoff
		}
	}
}
