package nn

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// square4 is the hand-made 4×4 single-channel image the geometric layers'
// tests transform, the value of each pixel its row-major index:
//
//	 0  1  2  3
//	 4  5  6  7
//	 8  9 10 11
//	12 13 14 15
var square4 = ramp(16)

// geometricCase is a geometric layer fixed to one transform (a range of
// one point) and the image it must make of square4 (or of in, shaped
// shape, when given).
type geometricCase struct {
	name  string
	layer func() Layer
	want  []float64
	shape []int
	in    []float64
}

// checkGeometric runs each case's layer in a training graph of each type
// on a batch of two copies of its image and compares both outputs with
// the hand-made one, exactly.
func checkGeometric(t *testing.T, cases []geometricCase) {
	t.Helper()
	for _, c := range cases {
		shape, in := c.shape, c.in
		if shape == nil {
			shape, in = []int{4, 4, 1}, square4
		}
		for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
			out := applyLayer(t, c.layer(), dt, true, shape, repeatImage(in, 2), 1)
			for i := range 2 {
				if got := out[i*len(in) : (i+1)*len(in)]; !sameValues(got, c.want) {
					t.Errorf("%s %v: sample %d is\n%v\nwant\n%v", c.name, dt, i, got, c.want)
				}
			}
		}
	}
}

// TestRandomTranslationExact: square4 shifted by whole and half pixels,
// each fill mode and both interpolations (values in the cases).
func TestRandomTranslationExact(t *testing.T) {
	shift := func(dy, dx float64) func() *RandomTranslationLayer {
		// A range of one point: the shift is dy·4 rows, dx·4 columns.
		return func() *RandomTranslationLayer {
			return RandomTranslation(0, 0).WithRanges(FactorRange{dy, dy}, FactorRange{dx, dx})
		}
	}
	right1, left2, down1, rightHalf := shift(0, 0.25), shift(0, -0.5), shift(0.25, 0), shift(0, 0.125)
	checkGeometric(t, []geometricCase{
		{"right 1, reflect: a b c d → a a b c", func() Layer { return right1() }, []float64{
			0, 0, 1, 2,
			4, 4, 5, 6,
			8, 8, 9, 10,
			12, 12, 13, 14}, nil, nil},
		{"right 1, constant -1", func() Layer { return right1().WithFill(FillConstant, -1) }, []float64{
			-1, 0, 1, 2,
			-1, 4, 5, 6,
			-1, 8, 9, 10,
			-1, 12, 13, 14}, nil, nil},
		{"right 1, wrap", func() Layer { return right1().WithFill(FillWrap, 0) }, []float64{
			3, 0, 1, 2,
			7, 4, 5, 6,
			11, 8, 9, 10,
			15, 12, 13, 14}, nil, nil},
		{"right 1, nearest", func() Layer { return right1().WithFill(FillNearest, 0) }, []float64{
			0, 0, 1, 2,
			4, 4, 5, 6,
			8, 8, 9, 10,
			12, 12, 13, 14}, nil, nil},
		{"left 2, reflect: a b c d → c d d c", func() Layer { return left2() }, []float64{
			2, 3, 3, 2,
			6, 7, 7, 6,
			10, 11, 11, 10,
			14, 15, 15, 14}, nil, nil},
		{"left 2, nearest: c d d d", func() Layer { return left2().WithFill(FillNearest, 0) }, []float64{
			2, 3, 3, 3,
			6, 7, 7, 7,
			10, 11, 11, 11,
			14, 15, 15, 15}, nil, nil},
		{"down 1, reflect", func() Layer { return down1() }, []float64{
			0, 1, 2, 3,
			0, 1, 2, 3,
			4, 5, 6, 7,
			8, 9, 10, 11}, nil, nil},
		{"down 1 right 1, constant 0", func() Layer { return shift(0.25, 0.25)().WithFill(FillConstant, 0) }, []float64{
			0, 0, 0, 0,
			0, 0, 1, 2,
			0, 4, 5, 6,
			0, 8, 9, 10}, nil, nil},
		{"right ½, bilinear reflect: the mean of each pixel and its left neighbour", func() Layer { return rightHalf() }, []float64{
			0, 0.5, 1.5, 2.5,
			4, 4.5, 5.5, 6.5,
			8, 8.5, 9.5, 10.5,
			12, 12.5, 13.5, 14.5}, nil, nil},
		{"right ½, bilinear constant 8: the fill blends in", func() Layer { return rightHalf().WithFill(FillConstant, 8) }, []float64{
			4, 0.5, 1.5, 2.5,
			6, 4.5, 5.5, 6.5,
			8, 8.5, 9.5, 10.5,
			10, 12.5, 13.5, 14.5}, nil, nil},
		{"right ½, nearest interpolation: x − ½ rounds half away from zero, back to x", func() Layer {
			return rightHalf().WithInterpolation(InterpolationNearest)
		}, square4, nil, nil},
		{"two channels move together", func() Layer { return right1() }, []float64{
			0, 10, 0, 10, 1, 11, 2, 12}, []int{1, 4, 2}, []float64{0, 10, 1, 11, 2, 12, 3, 13}},
	})
}

// TestRandomTranslationDraws: over 10,000 samples the shifts are uniform
// in their ranges, in pixels: within them, reaching near both ends, and
// averaging their middle; the vertical and horizontal draws differ.
func TestRandomTranslationDraws(t *testing.T) {
	const n, h, w = 10000, 8, 20
	height, width := FactorRange{-0.25, 0.5}, FactorRange{-0.1, 0.1}
	maps := make([]float64, n*affineParams)
	translationMaps(height, width, h, w)(rand.New(rand.NewSource(1)), maps)
	var dys, dxs []float64
	for m := maps; len(m) > 0; m = m[affineParams:] {
		if m[0] != 1 || m[1] != 0 || m[3] != 0 || m[4] != 1 {
			t.Fatalf("map %v is not a translation", m[:affineParams])
		}
		dys, dxs = append(dys, -m[5]), append(dxs, -m[2])
	}
	checkUniform(t, "vertical shift", dys, h*height.Lo, h*height.Hi)
	checkUniform(t, "horizontal shift", dxs, w*width.Lo, w*width.Hi)
}

// checkUniform fails unless the draws lie in [lo, hi], come within 1% of
// the width of each end, and have the mean and variance of the uniform
// distribution to within 5 standard errors.
func checkUniform(t *testing.T, what string, v []float64, lo, hi float64) {
	t.Helper()
	n := float64(len(v))
	mn, mx, sum := math.Inf(1), math.Inf(-1), 0.0
	for _, x := range v {
		mn, mx, sum = min(mn, x), max(mx, x), sum+x
	}
	mean := sum / n
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	variance, width := ss/n, hi-lo
	// A uniform draw has variance w²/12; its mean's standard error is
	// w/√(12n), and the sample variance's about w²/√(180n).
	seMean, seVar := width/math.Sqrt(12*n), width*width/math.Sqrt(180*n)
	msg := fmt.Sprintf("%s: %d draws in [%.4g, %.4g], mean %.4g, variance %.4g; want [%g, %g], mean %g, variance %.4g",
		what, len(v), mn, mx, mean, variance, lo, hi, (lo+hi)/2, width*width/12)
	if mn < lo || mx > hi || mn > lo+0.01*width || mx < hi-0.01*width ||
		math.Abs(mean-(lo+hi)/2) > 5*seMean || math.Abs(variance-width*width/12) > 5*seVar {
		t.Error(msg)
	} else {
		t.Log(msg)
	}
}
