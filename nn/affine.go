package nn

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// This file is the home of what the geometric augmentation layers
// (RandomFlip, RandomTranslation, RandomRotation, RandomZoom) share: the
// range a random parameter is drawn from, how an image is read between and
// beyond its pixels; the op that resamples every image of a batch through
// its own affine map is graph.AffineTransform.

// FactorRange is the closed interval [Lo, Hi] an augmentation layer draws
// a parameter from, uniformly, once per sample and step: Keras's factor
// tuple (lower, upper). A layer given one number f draws from [−|f|, |f|]
// (Symmetric), as Keras does. A saved model holds it as [lo, hi].
type FactorRange struct{ Lo, Hi float64 }

// Symmetric is the range [−|f|, |f|]: what Keras makes of a factor given
// as one number.
func Symmetric(f float64) FactorRange { return FactorRange{-math.Abs(f), math.Abs(f)} }

// draw maps u in [0, 1) onto the range: Lo + (Hi−Lo)·u, as Keras's
// uniform(minval, maxval), and exactly Lo when the range is one point.
func (r FactorRange) draw(u float64) float64 { return r.Lo + float64((r.Hi-r.Lo)*u) }

// check refuses a range that is empty, not finite, or not within [min, max].
func (r FactorRange) check(kind, name, what string, min, max float64) error {
	if !(r.Lo <= r.Hi) || math.IsInf(r.Lo, 0) || math.IsInf(r.Hi, 0) {
		return errors.Errorf("%s %q: %s [%v, %v] is not a range lo ≤ hi of finite numbers", kind, name, what, r.Lo, r.Hi)
	}
	if r.Lo < min || r.Hi > max {
		return errors.Errorf("%s %q: %s [%v, %v] must lie within [%v, %v]", kind, name, what, r.Lo, r.Hi, min, max)
	}
	return nil
}

// MarshalJSON writes the range as [lo, hi].
func (r FactorRange) MarshalJSON() ([]byte, error) { return json.Marshal([2]float64{r.Lo, r.Hi}) }

// UnmarshalJSON reads [lo, hi]: exactly two numbers.
func (r *FactorRange) UnmarshalJSON(b []byte) error {
	var v []float64
	if err := json.Unmarshal(b, &v); err != nil || len(v) != 2 {
		return errors.Errorf("factor range: want [lo, hi], got %s", clip(bytes.TrimSpace(b)))
	}
	r.Lo, r.Hi = v[0], v[1]
	return nil
}

// The fill modes and interpolations of the geometric layers, Keras's names
// (graph.AffineTransform's).
const (
	FillReflect  = graph.FillReflect  // (d c b a | a b c d | d c b a): mirrored about the edge pixel's outer edge
	FillWrap     = graph.FillWrap     // (a b c d | a b c d | a b c d)
	FillConstant = graph.FillConstant // (k k k k | a b c d | k k k k), k the fill value
	FillNearest  = graph.FillNearest  // (a a a a | a b c d | d d d d)

	InterpolationBilinear = graph.InterpolationBilinear
	InterpolationNearest  = graph.InterpolationNearest
)

// Resampling is how a geometric augmentation layer reads its input at a
// point that is not a pixel centre (Interpolation) or lies outside the
// image (FillMode, and FillValue for FillConstant): Keras's interpolation,
// fill_mode and fill_value, whose defaults are bilinear, reflect and 0. A
// layer's config holds the three fields.
type Resampling struct {
	FillMode      string  `json:"fill_mode"`
	Interpolation string  `json:"interpolation"`
	FillValue     float64 `json:"fill_value"`
}

// defaultResampling is Keras's: bilinear, reflect, 0.
func defaultResampling() Resampling {
	return Resampling{FillMode: FillReflect, Interpolation: InterpolationBilinear}
}

// withDefaults fills in what a config left out: a file that omits the fill
// mode or the interpolation means Keras's default.
func (r Resampling) withDefaults() Resampling {
	if r.FillMode == "" {
		r.FillMode = FillReflect
	}
	if r.Interpolation == "" {
		r.Interpolation = InterpolationBilinear
	}
	return r
}

func (r Resampling) check(kind, name string) error {
	switch r.FillMode {
	case FillReflect, FillWrap, FillConstant, FillNearest:
	default:
		return errors.Errorf("%s %q: unknown fill mode %q (want reflect, wrap, constant or nearest)", kind, name, r.FillMode)
	}
	switch r.Interpolation {
	case InterpolationBilinear, InterpolationNearest:
	default:
		return errors.Errorf("%s %q: unknown interpolation %q (want bilinear or nearest)", kind, name, r.Interpolation)
	}
	if math.IsNaN(r.FillValue) || math.IsInf(r.FillValue, 0) {
		return errors.Errorf("%s %q: fill value %v is not finite", kind, name, r.FillValue)
	}
	return nil
}

// imageShape checks that a per-sample shape is an image, (height, width,
// channels), as every image augmentation layer needs.
func imageShape(kind, name string, in []int) error {
	if err := checkShape(kind, name, in); err != nil {
		return err
	}
	if len(in) != 3 {
		return errors.Errorf("%s %q: input shape %s is %d-D, want an image (height, width, channels)", kind, name, ShapeString(in), len(in))
	}
	return nil
}

// geometricForward is the forward pass the geometric layers share: the
// identity in inference; in training, a feed of one map per sample, filled
// every step by maps from the step's generator, and the resampling of x
// through it. The feed is float64 and a float32 graph gets each number
// rounded once, so that a seed draws the same augmentations in either
// type.
func geometricForward(b *graph.Builder, x *G.Node, kind, name string, in Shape, rs Resampling, maps func(*rand.Rand, []float64)) (*G.Node, error) {
	if err := wantShape(kind, name, x.Shape(), in); err != nil {
		return nil, err
	}
	if !b.Training {
		return x, nil
	}
	t := b.Feed64(name+"/maps", maps, x.Shape()[0], affineParams)
	y, err := graph.AffineTransform(x, t, rs.FillMode, rs.FillValue, rs.Interpolation)
	return y, errors.Wrapf(err, "%s %q", kind, name)
}

// affineParams is how many numbers describe one sample's map
// (graph.AffineParams).
const affineParams = graph.AffineParams

// sinCosTurns returns the sine and cosine of t turns (2π·t radians),
// exact at every quarter turn: math.Sincos(π/2) gives a cosine of 6e-17,
// which would turn a rotation by 90° into a blend of two pixels instead
// of a permutation of them.
func sinCosTurns(t float64) (sin, cos float64) {
	r := t - math.Round(t) // in [−½, ½]
	switch r {
	case 0:
		return 0, 1
	case 0.25:
		return 1, 0
	case -0.25:
		return -1, 0
	case 0.5, -0.5:
		return 0, -1
	}
	return math.Sincos(2 * math.Pi * r)
}
