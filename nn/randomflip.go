package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// The flip modes of RandomFlip, Keras's names.
const (
	FlipHorizontal            = "horizontal" // left–right
	FlipVertical              = "vertical"   // top–bottom
	FlipHorizontalAndVertical = "horizontal_and_vertical"
)

// RandomFlipLayer flips each image of a training batch left–right and/or
// top–bottom, each with probability ½, and is the identity in inference
// (Keras's RandomFlip). Images are (height, width, channels).
//
// In "horizontal_and_vertical" mode the two flips are drawn independently,
// so an image comes out as it was, mirrored, upside down or turned by 180°,
// a quarter each, as tf.keras's RandomFlip did. Keras 3 draws one bit for
// both and so only ever keeps an image or turns it by 180°, never mirrors
// it on one axis alone: a narrower augmentation than the mode's name
// promises.
//
// The flips are drawn from the training step's generator (a feed, as
// Dropout's mask), so a Fit with the same seed flips the same images; there
// is no per-layer seed. A flip is an exact permutation of the pixels.
type RandomFlipLayer struct {
	Named
	Mode string // FlipHorizontal, FlipVertical or FlipHorizontalAndVertical
	in   Shape
}

// RandomFlip returns a random flip layer of the given mode (an empty mode
// is Keras's default, FlipHorizontalAndVertical).
func RandomFlip(mode string) *RandomFlipLayer {
	if mode == "" {
		mode = FlipHorizontalAndVertical
	}
	return &RandomFlipLayer{Mode: mode}
}

// Type implements Layer.
func (l *RandomFlipLayer) Type() string { return "RandomFlip" }

// RandomFlipConfig is a RandomFlip layer's settings as a saved model holds
// them: {"mode":"horizontal"}; Build checks the mode.
type RandomFlipConfig struct {
	Mode string `json:"mode"`
}

func init() {
	mustRegister("RandomFlip", func(c RandomFlipConfig) (Layer, error) { return RandomFlip(c.Mode), nil })
}

// Config implements Configurer.
func (l *RandomFlipLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), RandomFlipConfig{Mode: l.Mode})
}

// flips reports which axes the mode flips.
func (l *RandomFlipLayer) flips() (horizontal, vertical bool, err error) {
	switch l.Mode {
	case FlipHorizontal:
		return true, false, nil
	case FlipVertical:
		return false, true, nil
	case FlipHorizontalAndVertical:
		return true, true, nil
	}
	return false, false, errors.Errorf("random flip %q: unknown mode %q (want horizontal, vertical or horizontal_and_vertical)", l.Name(), l.Mode)
}

// CountParams implements ParamCounter; a flip has no params.
func (l *RandomFlipLayer) CountParams(in []int) (int64, []int, error) {
	if _, _, err := l.flips(); err != nil {
		return 0, nil, err
	}
	if err := imageShape("random flip", l.Name(), in); err != nil {
		return 0, nil, err
	}
	return 0, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *RandomFlipLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return out, nil
}

// Params implements Layer; a flip has none.
func (l *RandomFlipLayer) Params() []*graph.Param { return nil }

// Forward implements Layer: the identity in inference, else the images
// resampled through per-sample flip maps.
func (l *RandomFlipLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.in == nil {
		return nil, errors.Errorf("random flip %q: not built", l.Name())
	}
	horizontal, vertical, err := l.flips()
	if err != nil {
		return nil, err
	}
	return geometricForward(b, x, "random flip", l.Name(), l.in, defaultResampling(), flipMaps(horizontal, vertical, l.in[0], l.in[1]))
}

// flipMaps returns the feed's fill: for each sample, a draw for each axis
// the mode flips (horizontal first), flipping it when below ½. A flip of
// the columns reads column w−1−x for x: the map [−1, 0, w−1, 0, 1, 0].
func flipMaps(horizontal, vertical bool, h, w int) func(*rand.Rand, []float64) {
	return func(rng *rand.Rand, dst []float64) {
		for m := dst; len(m) >= affineParams; m = m[affineParams:] {
			copy(m, []float64{1, 0, 0, 0, 1, 0})
			if horizontal && rng.Float64() < 0.5 {
				m[0], m[2] = -1, float64(w-1)
			}
			if vertical && rng.Float64() < 0.5 {
				m[4], m[5] = -1, float64(h-1)
			}
		}
	}
}
