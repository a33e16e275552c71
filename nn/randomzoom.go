package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// RandomZoomLayer zooms each image of a training batch in or out about
// its centre by a random amount, filling what comes in from beyond the
// edges by its FillMode, and is the identity in inference (Keras's
// RandomZoom). Height is the range of the vertical zoom factor: an image
// of height h shows h·(1+f) rows of the input, so a positive f zooms out
// and a negative one zooms in (f in [−1, 1]). Width is the horizontal
// range; nil, Keras's None, zooms both axes by the same drawn factor,
// keeping the aspect ratio. Images are (height, width, channels).
//
// Keras's map: output pixel (y, x) reads the input at
// (zy·y + (h−1)/2·(1−zy), zx·x + (w−1)/2·(1−zx)) for z = 1 + f. The
// factors come from the training step's generator, so a Fit with the same
// seed zooms the same images by the same amounts.
type RandomZoomLayer struct {
	Named
	Height FactorRange  // vertical zoom fraction, within [−1, 1]
	Width  *FactorRange // horizontal zoom fraction; nil: Height's draw
	Resampling
	in Shape
}

// RandomZoom returns a layer zooming images by up to heightFactor either
// way, both axes alike (Keras's width_factor=None), with Keras's
// defaults: reflect fill, bilinear interpolation.
func RandomZoom(heightFactor float64) *RandomZoomLayer {
	return &RandomZoomLayer{Height: Symmetric(heightFactor), Resampling: defaultResampling()}
}

// WithRanges sets the ranges of the zoom fractions (Keras's factor
// tuples; a nil width zooms both axes by the height's draw) and returns
// the layer.
func (l *RandomZoomLayer) WithRanges(height FactorRange, width *FactorRange) *RandomZoomLayer {
	l.Height = height
	if width != nil {
		w := *width
		width = &w
	}
	l.Width = width
	return l
}

// WithFill sets the fill mode (FillReflect, FillWrap, FillConstant or
// FillNearest) and the value FillConstant fills with, and returns the layer.
func (l *RandomZoomLayer) WithFill(mode string, value float64) *RandomZoomLayer {
	l.FillMode, l.FillValue = mode, value
	return l
}

// WithInterpolation sets the interpolation (InterpolationBilinear or
// InterpolationNearest) and returns the layer.
func (l *RandomZoomLayer) WithInterpolation(interpolation string) *RandomZoomLayer {
	l.Interpolation = interpolation
	return l
}

// Type implements Layer.
func (l *RandomZoomLayer) Type() string { return "RandomZoom" }

// RandomZoomConfig is a RandomZoom layer's settings as a saved model holds
// them: {"height_factor":[-0.2,0.2],"fill_mode":"reflect",
// "interpolation":"bilinear","fill_value":0}, and "width_factor" when the
// axes are zoomed apart; Build checks them.
type RandomZoomConfig struct {
	HeightFactor FactorRange  `json:"height_factor"`
	WidthFactor  *FactorRange `json:"width_factor,omitempty"`
	Resampling
}

func init() {
	mustRegister("RandomZoom", func(c RandomZoomConfig) (Layer, error) {
		return &RandomZoomLayer{Height: c.HeightFactor, Width: c.WidthFactor, Resampling: c.Resampling.withDefaults()}, nil
	})
}

// Config implements Configurer.
func (l *RandomZoomLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), RandomZoomConfig{HeightFactor: l.Height, WidthFactor: l.Width, Resampling: l.Resampling})
}

func (l *RandomZoomLayer) check(in []int) error {
	if err := l.Height.check("random zoom", l.Name(), "height factor", -1, 1); err != nil {
		return err
	}
	if l.Width != nil {
		if err := l.Width.check("random zoom", l.Name(), "width factor", -1, 1); err != nil {
			return err
		}
	}
	if err := l.Resampling.check("random zoom", l.Name()); err != nil {
		return err
	}
	return imageShape("random zoom", l.Name(), in)
}

// CountParams implements ParamCounter; a zoom has no params.
func (l *RandomZoomLayer) CountParams(in []int) (int64, []int, error) {
	if err := l.check(in); err != nil {
		return 0, nil, err
	}
	return 0, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *RandomZoomLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if err := l.check(in); err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// Params implements Layer; a zoom has none.
func (l *RandomZoomLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *RandomZoomLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("random zoom %q: not built", l.Name())
	}
	return geometricForward(b, x, "random zoom", l.Name(), l.in, l.Resampling, zoomMaps(l.Height, l.Width, l.in[0], l.in[1]))
}

// zoomMaps returns the feed's fill: for each sample zy = 1 + draw(Height),
// then zx = 1 + draw(Width) (or zx = zy without Width), and the map
// [zx, 0, (w−1)/2·(1−zx), 0, zy, (h−1)/2·(1−zy)].
func zoomMaps(height FactorRange, width *FactorRange, h, w int) func(*rand.Rand, []float64) {
	ch, cw := float64(h-1)/2, float64(w-1)/2
	return func(rng *rand.Rand, dst []float64) {
		for m := dst; len(m) >= affineParams; m = m[affineParams:] {
			zy := 1 + height.draw(rng.Float64())
			zx := zy
			if width != nil {
				zx = 1 + width.draw(rng.Float64())
			}
			m[0], m[1], m[2] = zx, 0, float64(cw*(1-zx))
			m[3], m[4], m[5] = 0, zy, float64(ch*(1-zy))
		}
	}
}
