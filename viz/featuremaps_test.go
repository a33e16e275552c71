package viz

import (
	"image/color"
	"math"
	"strings"
	"testing"
)

// maps returns a feature map of shape (h, w, ch) whose channel c is a ramp
// along a direction that depends on c; channel 0 is constant when dead is
// set, as a ReLU that never fired.
func maps(name string, h, w, ch int, dead bool) FeatureMap {
	v := make([]float64, h*w*ch)
	for i := 0; i < h; i++ {
		for j := 0; j < w; j++ {
			for c := 0; c < ch; c++ {
				x := float64(i*(c%3) + j*((c+1)%3))
				if dead && c == 0 {
					x = 0
				}
				v[(i*w+j)*ch+c] = x * float64(c+1)
			}
		}
	}
	return FeatureMap{Name: name, Shape: []int{h, w, ch}, Values: v}
}

func TestFeatureMapsGolden(t *testing.T) {
	layers := []FeatureMap{
		maps("input", 8, 8, 1, false),
		maps("conv2d (Conv2D)", 6, 6, 5, true),
		maps("max_pooling2d (MaxPooling2D)", 3, 3, 5, true),
	}
	// Tiles: 8×8 at scale 7 (56 px), 6×6 at 9 (54), 3×3 at 17 (51); three
	// columns make two rows for 5 channels.
	h := featureHeader + featureMargin +
		(featurePanel + 56 + featureGap) +
		(featurePanel + 2*(54+featureGap)) +
		(featurePanel + 2*(51+featureGap))
	checkGolden(t, "featuremaps", featureMinW, h, func(p string) error {
		return FeatureMaps(p, "Feature maps of one image", layers, 3)
	})
}

// TestFeatureMapsScale checks that each channel is scaled on its own: the
// smallest value of every channel is black and the largest white, whatever
// the channel's range, and a constant channel is black.
func TestFeatureMapsScale(t *testing.T) {
	// A 1×2 map of three channels: (0, 1), (−100, 100) and (5, 5).
	m := FeatureMap{Name: "x", Shape: []int{1, 2, 3}, Values: []float64{0, -100, 5, 1, 100, 5}}
	img, err := featureMapsImage("", []FeatureMap{m}, 0)
	if err != nil {
		t.Fatal(err)
	}
	scale := int(math.Round(featureTile / 2.0))
	tileW := 2*scale + featureGap
	panelW := 3*tileW - featureGap + 2*featureMargin
	left := (featureMinW-panelW)/2 + featureMargin
	y := featureHeader + featurePanel + scale/2
	for _, tc := range []struct {
		channel, col int
		want         uint8
	}{
		{0, 0, 0}, {0, 1, 255},
		{1, 0, 0}, {1, 1, 255},
		{2, 0, 0}, {2, 1, 0},
	} {
		x := left + tc.channel*tileW + tc.col*scale + scale/2
		g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
		if d := int(g) - int(tc.want); d < -1 || d > 1 {
			t.Errorf("channel %d column %d: grey %d at (%d, %d), want %d", tc.channel, tc.col, g, x, y, tc.want)
		}
	}
}

func TestFeatureMapsErrors(t *testing.T) {
	ok := maps("ok", 2, 2, 1, false)
	for _, tc := range []struct {
		name string
		maps []FeatureMap
		cols int
		want string
	}{
		{"no layers", nil, 0, "no layers"},
		{"negative cols", []FeatureMap{ok}, -1, "-1 columns"},
		{"flat", []FeatureMap{ok, {Name: "flatten", Shape: []int{4}, Values: make([]float64, 4)}}, 0, `layer 1 "flatten": shape [4] is not (height, width, channels)`},
		{"rank 4", []FeatureMap{{Name: "x", Shape: []int{1, 2, 2, 1}, Values: make([]float64, 4)}}, 0, "not (height"},
		{"zero channels", []FeatureMap{{Name: "x", Shape: []int{2, 2, 0}}}, 0, "zero or negative"},
		{"values", []FeatureMap{{Name: "x", Shape: []int{2, 2, 1}, Values: make([]float64, 3)}}, 0, "3 values for shape [2 2 1]"},
		{"huge", []FeatureMap{{Name: "x", Shape: []int{1 << 20, 1 << 20, 1 << 20}}}, 0, "too large"},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			err := FeatureMaps(p, "t", tc.maps, tc.cols)
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %q, want one containing %q", tc.name, err, tc.want)
			}
			return err
		})
	}
}
