package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// RandomTranslationLayer shifts each image of a training batch by a random
// fraction of its height and width, filling what comes in from beyond the
// edges by its FillMode, and is the identity in inference (Keras's
// RandomTranslation). Height and Width are the ranges of those fractions:
// positive shifts an image down or right, and the shift is drawn per sample
// and step, uniformly, in pixels height·Height and width·Width, not rounded
// (a fractional shift interpolates between pixels, as Keras does). Images
// are (height, width, channels).
//
// The draws come from the training step's generator, so a Fit with the
// same seed shifts the same images by the same amounts.
type RandomTranslationLayer struct {
	Named
	Height, Width FactorRange // fractions of the height and width, within [−1, 1]
	Resampling
	in Shape
}

// RandomTranslation returns a layer shifting images by up to
// heightFactor of their height and widthFactor of their width either way,
// with Keras's defaults: reflect fill, bilinear interpolation.
func RandomTranslation(heightFactor, widthFactor float64) *RandomTranslationLayer {
	return &RandomTranslationLayer{Height: Symmetric(heightFactor), Width: Symmetric(widthFactor), Resampling: defaultResampling()}
}

// WithRanges sets the ranges of the shifts, as fractions of the height and
// width (Keras's factor tuples), and returns the layer.
func (l *RandomTranslationLayer) WithRanges(height, width FactorRange) *RandomTranslationLayer {
	l.Height, l.Width = height, width
	return l
}

// WithFill sets the fill mode (FillReflect, FillWrap, FillConstant or
// FillNearest) and the value FillConstant fills with, and returns the layer.
func (l *RandomTranslationLayer) WithFill(mode string, value float64) *RandomTranslationLayer {
	l.FillMode, l.FillValue = mode, value
	return l
}

// WithInterpolation sets the interpolation (InterpolationBilinear or
// InterpolationNearest) and returns the layer.
func (l *RandomTranslationLayer) WithInterpolation(interpolation string) *RandomTranslationLayer {
	l.Interpolation = interpolation
	return l
}

// Type implements Layer.
func (l *RandomTranslationLayer) Type() string { return "RandomTranslation" }

// RandomTranslationConfig is a RandomTranslation layer's settings as a
// saved model holds them: {"height_factor":[-0.1,0.1],
// "width_factor":[-0.1,0.1],"fill_mode":"reflect",
// "interpolation":"bilinear","fill_value":0}; Build checks them.
type RandomTranslationConfig struct {
	HeightFactor FactorRange `json:"height_factor"`
	WidthFactor  FactorRange `json:"width_factor"`
	Resampling
}

func init() {
	mustRegister("RandomTranslation", func(c RandomTranslationConfig) (Layer, error) {
		return &RandomTranslationLayer{Height: c.HeightFactor, Width: c.WidthFactor, Resampling: c.Resampling.withDefaults()}, nil
	})
}

// Config implements Configurer.
func (l *RandomTranslationLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), RandomTranslationConfig{HeightFactor: l.Height, WidthFactor: l.Width, Resampling: l.Resampling})
}

func (l *RandomTranslationLayer) check(in []int) error {
	if err := l.Height.check("random translation", l.Name(), "height factor", -1, 1); err != nil {
		return err
	}
	if err := l.Width.check("random translation", l.Name(), "width factor", -1, 1); err != nil {
		return err
	}
	if err := l.Resampling.check("random translation", l.Name()); err != nil {
		return err
	}
	return imageShape("random translation", l.Name(), in)
}

// CountParams implements ParamCounter; a translation has no params.
func (l *RandomTranslationLayer) CountParams(in []int) (int64, []int, error) {
	if err := l.check(in); err != nil {
		return 0, nil, err
	}
	return 0, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *RandomTranslationLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if err := l.check(in); err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// Params implements Layer; a translation has none.
func (l *RandomTranslationLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *RandomTranslationLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("random translation %q: not built", l.Name())
	}
	return geometricForward(b, x, "random translation", l.Name(), l.in, l.Resampling, translationMaps(l.Height, l.Width, l.in[0], l.in[1]))
}

// translationMaps returns the feed's fill: for each sample a vertical then
// a horizontal shift, dy = h·draw(Height) and dx = w·draw(Width) pixels;
// output pixel (y, x) reads the input at (y − dy, x − dx), Keras's map
// [1, 0, −dx, 0, 1, −dy].
func translationMaps(height, width FactorRange, h, w int) func(*rand.Rand, []float64) {
	return func(rng *rand.Rand, dst []float64) {
		for m := dst; len(m) >= affineParams; m = m[affineParams:] {
			dy := float64(height.draw(rng.Float64()) * float64(h))
			dx := float64(width.draw(rng.Float64()) * float64(w))
			m[0], m[1], m[2] = 1, 0, -dx
			m[3], m[4], m[5] = 0, 1, -dy
		}
	}
}
