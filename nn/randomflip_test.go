package nn

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// TestRandomFlipExact: 1,000 copies of a hand-made 2×3 image of two
// channels (value p in channel 0 and 10+p in channel 1 at pixel p,
// row-major) come out of a training graph as one of the image's flips,
// exactly:
//
//	as it was   0 1 2   mirrored   2 1 0   upside down  3 4 5   both  5 4 3
//	            3 4 5              5 4 3                0 1 2         2 1 0
//
// (channel 0 shown; channel 1 moves with it), each outcome the mode allows
// about equally often: ½ each for one axis, ¼ each for both, whose flips
// are drawn independently (Keras 3 draws one bit for both and never
// mirrors on one axis alone; see RandomFlipLayer).
func TestRandomFlipExact(t *testing.T) {
	img := []float64{0, 10, 1, 11, 2, 12, 3, 13, 4, 14, 5, 15}
	outcomes := map[string][]float64{
		"none":     img,
		"mirrored": {2, 12, 1, 11, 0, 10, 5, 15, 4, 14, 3, 13},
		"upside":   {3, 13, 4, 14, 5, 15, 0, 10, 1, 11, 2, 12},
		"both":     {5, 15, 4, 14, 3, 13, 2, 12, 1, 11, 0, 10},
	}
	const n = 1000
	cases := []struct {
		mode  string
		allow []string
	}{
		{FlipHorizontal, []string{"none", "mirrored"}},
		{FlipVertical, []string{"none", "upside"}},
		{FlipHorizontalAndVertical, []string{"none", "mirrored", "upside", "both"}},
		{"", []string{"none", "mirrored", "upside", "both"}}, // Keras's default mode
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
			name := fmt.Sprintf("mode %q %v", c.mode, dt)
			out := applyLayer(t, RandomFlip(c.mode), dt, true, []int{2, 3, 2}, repeatImage(img, n), 5)
			count := map[string]int{}
		samples:
			for i := range n {
				got := out[i*len(img) : (i+1)*len(img)]
				for _, o := range c.allow {
					if sameValues(got, outcomes[o]) {
						count[o]++
						continue samples
					}
				}
				t.Fatalf("%s: sample %d is %v, none of %v", name, i, got, c.allow)
			}
			// Binomial counts: 5 standard deviations either way.
			p := 1 / float64(len(c.allow))
			sd := math.Sqrt(n * p * (1 - p))
			for _, o := range c.allow {
				if math.Abs(float64(count[o])-n*p) > 5*sd {
					t.Errorf("%s: %q %d times in %d, want about %.0f", name, o, count[o], n, n*p)
				}
			}
			t.Logf("%s: %v", name, count)
		}
	}
}

// TestRandomFlipKeepsValues: a flip copies values, so a −0, a NaN and the
// largest float32 come through untouched (a bilinear read of weight 1 and
// 0 would have turned the NaN's neighbours into NaN).
func TestRandomFlipKeepsValues(t *testing.T) {
	negZero := math.Copysign(0, -1)
	img := []float64{negZero, math.NaN(), math.MaxFloat32, 1}
	out := applyLayer(t, RandomFlip(FlipHorizontal), graph.Float32, true, []int{1, 4, 1}, repeatImage(img, 50), 3)
	flipped := 0
	for i := range 50 {
		got := out[i*4 : (i+1)*4]
		want := img
		if !math.IsNaN(got[1]) {
			want = []float64{1, math.MaxFloat32, math.NaN(), negZero}
			flipped++
		}
		for k := range want {
			if math.Float64bits(got[k]) != math.Float64bits(want[k]) && !(math.IsNaN(got[k]) && math.IsNaN(want[k])) {
				t.Fatalf("sample %d: %v, want %v", i, got, want)
			}
		}
	}
	if flipped == 0 || flipped == 50 {
		t.Errorf("%d of 50 flipped", flipped)
	}
}
