package nn

import (
	"math/rand"
	"testing"
)

// TestRandomZoomExact: square4 zoomed in twice about its centre reads the
// middle of the image, which bilinear interpolation of this linear image
// gives exactly (4·row + column at row/2 + ¾, column/2 + ¾); a 1×4 row
// 0 10 20 30 zoomed out twice horizontally reads columns −1.5, 0.5, 2.5,
// 4.5, whose fill differs by mode (values in the cases).
func TestRandomZoomExact(t *testing.T) {
	zoom := func(fy, fx float64) func() *RandomZoomLayer {
		return func() *RandomZoomLayer {
			return RandomZoom(0).WithRanges(FactorRange{fy, fy}, &FactorRange{fx, fx})
		}
	}
	row, rowShape := []float64{0, 10, 20, 30}, []int{1, 4, 1}
	checkGeometric(t, []geometricCase{
		{"in 2×, both axes by the height's draw", func() Layer {
			return RandomZoom(0).WithRanges(FactorRange{-0.5, -0.5}, nil)
		}, []float64{
			3.75, 4.25, 4.75, 5.25,
			5.75, 6.25, 6.75, 7.25,
			7.75, 8.25, 8.75, 9.25,
			9.75, 10.25, 10.75, 11.25}, nil, nil},
		{"in 2× vertically only", func() Layer { return zoom(-0.5, 0)() }, []float64{
			3, 4, 5, 6,
			5, 6, 7, 8,
			7, 8, 9, 10,
			9, 10, 11, 12}, nil, nil},
		{"out 2×, reflect", func() Layer { return zoom(0, 1)() }, []float64{5, 5, 25, 25}, rowShape, row},
		{"out 2×, constant 100", func() Layer { return zoom(0, 1)().WithFill(FillConstant, 100) }, []float64{100, 5, 25, 100}, rowShape, row},
		{"out 2×, wrap", func() Layer { return zoom(0, 1)().WithFill(FillWrap, 0) }, []float64{25, 5, 25, 5}, rowShape, row},
		{"out 2×, nearest fill", func() Layer { return zoom(0, 1)().WithFill(FillNearest, 0) }, []float64{0, 5, 25, 30}, rowShape, row},
		{"out 2×, nearest interpolation, reflect", func() Layer {
			return zoom(0, 1)().WithInterpolation(InterpolationNearest)
		}, []float64{10, 10, 30, 20}, rowShape, row},
	})
}

// TestRandomZoomDraws: over 10,000 samples the zoom factors are 1 plus a
// uniform draw from each range; without a width range both axes share
// the height's draw.
func TestRandomZoomDraws(t *testing.T) {
	const n, h, w = 10000, 6, 9
	height, width := FactorRange{-0.3, 0.2}, FactorRange{0, 0.5}
	for _, wr := range []*FactorRange{nil, &width} {
		maps := make([]float64, n*affineParams)
		zoomMaps(height, wr, h, w)(rand.New(rand.NewSource(1)), maps)
		var zy, zx []float64
		for m := maps; len(m) > 0; m = m[affineParams:] {
			zx, zy = append(zx, m[0]-1), append(zy, m[4]-1)
			if wr == nil && m[0] != m[4] {
				t.Fatalf("map %v: the axes zoom apart without a width range", m[:affineParams])
			}
		}
		checkUniform(t, "height zoom", zy, height.Lo, height.Hi)
		if wr != nil {
			checkUniform(t, "width zoom", zx, width.Lo, width.Hi)
		}
	}
}
