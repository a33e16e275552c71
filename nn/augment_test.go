package nn

import (
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Tests every preprocessing and augmentation layer shares: identity in
// inference, determinism for a seed, the config round trip, CountParams,
// bad settings named in errors, and finite-difference gradients. Each
// layer's own file tests its exact output on hand-made images.

// augmentLayers makes one of each layer of this family, with settings off
// their defaults where they have any, for the tests below.
var augmentLayers = []struct {
	name   string
	random bool // active only in training
	make   func() Layer
}{
	{"rescaling", false, func() Layer { return Rescaling(1.0/255, -0.5) }},
	{"normalization", false, func() Layer { return Normalization().WithStats([]float64{1, 2, 3}, []float64{4, 9, 16}) }},
	{"flip", true, func() Layer { return RandomFlip(FlipHorizontal) }},
	{"translation", true, func() Layer { return RandomTranslation(0.2, 0.3).WithFill(FillConstant, 7) }},
	{"rotation", true, func() Layer { return RandomRotation(0.1).WithInterpolation(InterpolationNearest) }},
	{"zoom", true, func() Layer {
		return RandomZoom(0.3).WithRanges(FactorRange{-0.3, 0.1}, &FactorRange{-0.2, 0.2}).WithFill(FillWrap, 0)
	}},
	{"contrast", true, func() Layer { return RandomContrast(0.5).WithValueRange(-10, 300) }},
}

// augmentInput is a batch of 5 random 5×4×3 images with values in [0, 255).
func augmentInput() ([]int, []float64) {
	shape := []int{5, 4, 3}
	rng := rand.New(rand.NewSource(11))
	x := make([]float64, 5*Shape(shape).Size())
	for i := range x {
		x[i] = math.Round(255*rng.Float64()*4) / 4 // exact in float32
	}
	return shape, x
}

// TestAugmentInference: a random layer is the identity in inference, to
// the bit, in float32 and float64; Rescaling and Normalization are not.
func TestAugmentInference(t *testing.T) {
	shape, x := augmentInput()
	for _, c := range augmentLayers {
		for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
			got := applyLayer(t, c.make(), dt, false, shape, x, 1)
			if same := sameValues(got, x); same != c.random {
				t.Errorf("%s %v: inference output equal to the input: %v, want %v", c.name, dt, same, c.random)
			}
		}
	}
}

// TestAugmentDeterminism: a training graph run with the same seed twice
// augments the same way; another seed augments otherwise, and the
// augmentation changes the images. Rescaling and Normalization do not
// depend on the seed.
func TestAugmentDeterminism(t *testing.T) {
	shape, x := augmentInput()
	for _, c := range augmentLayers {
		for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
			a := applyLayer(t, c.make(), dt, true, shape, x, 1)
			b := applyLayer(t, c.make(), dt, true, shape, x, 1)
			d := applyLayer(t, c.make(), dt, true, shape, x, 2)
			if !sameValues(a, b) {
				t.Errorf("%s %v: two runs with seed 1 differ", c.name, dt)
			}
			if sameValues(a, d) == c.random {
				t.Errorf("%s %v: seeds 1 and 2 give the same output: %v, want %v", c.name, dt, sameValues(a, d), !c.random)
			}
			if sameValues(a, x) {
				t.Errorf("%s %v: the training output is the input", c.name, dt)
			}
		}
	}
}

// TestAugmentConfigRoundTrip: Config → newLayer → Config gives the same
// settings, and the JSON a file holds decodes to an equal config.
func TestAugmentConfigRoundTrip(t *testing.T) {
	for _, c := range augmentLayers {
		l := WithName(c.make(), "l_"+c.name)
		cfg := l.(Configurer).Config()
		back, err := newLayer(cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		back.SetName(cfg.Name) // as FromConfig names it
		cfg2 := back.(Configurer).Config()
		if !cfg.Equal(cfg2) {
			t.Errorf("%s: round trip changed the config:\n%s\n%s", c.name, cfg.Settings, cfg2.Settings)
		}
		raw, err := json.Marshal(cfg)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var dec LayerConfig
		if err := json.Unmarshal(raw, &dec); err != nil || !dec.Equal(cfg) {
			t.Errorf("%s: %s decodes to %+v (%v)", c.name, raw, dec, err)
		}
		t.Logf("%s", raw)
	}
}

// TestAugmentCountParams: the counts (a mean and a variance per channel
// for Normalization, none for the others) match the params Build makes,
// and an image layer refuses a flat input by name.
func TestAugmentCountParams(t *testing.T) {
	shape := []int{5, 4, 3}
	for _, c := range augmentLayers {
		l := WithName(c.make(), "l_"+c.name)
		n, out, err := l.(ParamCounter).CountParams(shape)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := int64(0)
		if c.name == "normalization" {
			want = 6
		}
		if n != want || !Shape(out).Equal(shape) {
			t.Errorf("%s: CountParams = %d, %v; want %d, %v", c.name, n, out, want, shape)
		}
		if _, err := l.Build(shape, graph.Float32, nil); err != nil {
			t.Fatal(err)
		}
		built := int64(0)
		for _, p := range l.Params() {
			built += int64(p.Size())
		}
		if built != n {
			t.Errorf("%s: Build made %d params, CountParams said %d", c.name, built, n)
		}
		if c.name == "normalization" {
			continue // its three statistics fit no flat width but 3
		}
		_, _, err = l.(ParamCounter).CountParams([]int{60})
		if image := c.name != "rescaling"; image != (err != nil) {
			t.Errorf("%s: a flat input: error %v, want one: %v", c.name, err, image)
		} else if err != nil && !strings.Contains(err.Error(), `"l_`+c.name+`"`) {
			t.Errorf("%s: error %q does not name the layer", c.name, err)
		}
	}
}

// TestAugmentBadSettings: each setting out of its range is an error from
// Build naming the layer and the setting, not a panic.
func TestAugmentBadSettings(t *testing.T) {
	shape := []int{4, 4, 1}
	cases := []struct {
		l    Layer
		want string
	}{
		{Rescaling(math.NaN(), 0), "must be finite"},
		{Rescaling(1, math.Inf(1)), "must be finite"},
		{Normalization().WithStats([]float64{1, 2}, []float64{1, 1}), "2 mean values for 1 features"},
		{Normalization().WithStats([]float64{1}, nil), "both a mean and a variance"},
		{Normalization().WithStats([]float64{1}, []float64{-1}), "negative variance"},
		{&NormalizationLayer{Axis: 1}, "only the last axis"},
		{RandomFlip("diagonal"), `unknown mode "diagonal"`},
		{RandomTranslation(1.5, 0), "height factor [-1.5, 1.5] must lie within [-1, 1]"},
		{RandomTranslation(0, 0.1).WithRanges(FactorRange{0.2, 0.1}, Symmetric(0)), "not a range lo ≤ hi"},
		{RandomTranslation(0.1, 0.1).WithFill("mirror", 0), `unknown fill mode "mirror"`},
		{RandomTranslation(0.1, 0.1).WithFill(FillConstant, math.NaN()), "fill value NaN is not finite"},
		{RandomRotation(0.1).WithInterpolation("bicubic"), `unknown interpolation "bicubic"`},
		{RandomRotation(0).WithRange(FactorRange{0, math.Inf(1)}), "finite numbers"},
		{RandomZoom(0.1).WithRanges(Symmetric(0.1), &FactorRange{-2, 0}), "width factor [-2, 0] must lie within [-1, 1]"},
		{RandomContrast(1.5), "factor (1.5, 1.5) must lie within [0, 1]"},
		{RandomContrast(0.5).WithValueRange(1, 1), "value range [1, 1]"},
	}
	for _, c := range cases {
		l := WithName(c.l, "bad")
		_, err := l.Build(shape, graph.Float32, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"bad"`) {
			t.Errorf("%s: error %v, want one naming \"bad\" and saying %q", l.Type(), err, c.want)
		}
	}
}

// TestAugmentGradCheck: every layer of the family differentiates: the
// loss's gradient with respect to the layer's input, through the feeds of
// one fixed step, against central differences in float64. The geometric
// and contrast ops implement their input gradient (the transposed
// resampling; the contrast's); Rescaling and Normalization are Gorgonia's
// primitives. Each layer is checked after a Dense, so that its input is
// not data, and on its own (Rescaling and Normalization also on a 1-D
// input).
func TestAugmentGradCheck(t *testing.T) {
	for _, c := range augmentLayers {
		for _, fill := range []string{FillReflect, FillConstant, FillWrap, FillNearest} {
			if fill != FillReflect && c.name != "translation" && c.name != "rotation" && c.name != "zoom" {
				continue
			}
			t.Run(c.name+"/"+fill, func(t *testing.T) {
				l := c.make()
				switch g := l.(type) {
				case *RandomTranslationLayer:
					g.WithFill(fill, 2).WithInterpolation(InterpolationBilinear)
				case *RandomRotationLayer:
					g.WithFill(fill, 2).WithInterpolation(InterpolationBilinear)
				case *RandomZoomLayer:
					g.WithFill(fill, 2).WithInterpolation(InterpolationBilinear)
				case *RandomContrastLayer:
					g.WithValueRange(-1e3, 1e3) // no clipping: no kinks near the inputs
				}
				checkLayersShape(t, c.name, 3, []int{5, 4, 3}, true, l)
			})
		}
	}
	checkLayers(t, "rescaling 1-D", 4, 3, true, Dense(3, Linear), Rescaling(0.5, -1))
	checkLayers(t, "normalization 1-D", 4, 3, true, Dense(3, Linear), Normalization().WithStats([]float64{0.5, -1, 2}, []float64{2, 0.25, 9}))
	checkLayersShape(t, "conv then rotation", 2, []int{5, 4, 1}, true, Conv2D(2, 3, Linear).WithPadding("same"), RandomRotation(0.2), Flatten(), Dense(2, Linear))
}

// TestAugmentConfigFromFiles: configs as files hold them decode to the
// layers they describe, a missing fill mode or interpolation meaning
// Keras's default; a factor that is not [lo, hi] and an unknown field are
// refused, naming the layer.
func TestAugmentConfigFromFiles(t *testing.T) {
	decode := func(raw string) (Layer, error) {
		var c LayerConfig
		if err := json.Unmarshal([]byte(raw), &c); err != nil {
			return nil, err
		}
		return newLayer(c)
	}
	l, err := decode(`{"type":"RandomRotation","name":"r","factor":[-0.1,0.2]}`)
	if err != nil {
		t.Fatal(err)
	}
	if r := l.(*RandomRotationLayer); r.Factor != (FactorRange{-0.1, 0.2}) || r.Resampling != defaultResampling() {
		t.Errorf("decoded %+v", r)
	}
	l, err = decode(`{"type":"RandomFlip","name":"f"}`)
	if err != nil || l.(*RandomFlipLayer).Mode != FlipHorizontalAndVertical {
		t.Errorf("a flip without a mode: %v, %v", l, err)
	}
	for _, c := range []struct{ raw, want, name string }{
		{`{"type":"RandomRotation","name":"r","factor":0.2}`, "want [lo, hi]", "r"},
		{`{"type":"RandomRotation","name":"r","factor":[1,2,3]}`, "want [lo, hi]", "r"},
		{`{"type":"RandomZoom","name":"z","height_factor":[0,0],"width_factor":[0]}`, "want [lo, hi]", "z"},
		{`{"type":"RandomTranslation","name":"t","height_factor":[0,0],"width_factor":[0,0],"seed":3}`, `unknown field "seed"`, "t"},
		{`{"type":"Normalization","name":"n","axis":-1,"mean":"zero"}`, "mean", "n"},
	} {
		if _, err := decode(c.raw); err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `"`+c.name+`"`) {
			t.Errorf("%s: error %v, want %q", c.raw, err, c.want)
		}
	}
}
