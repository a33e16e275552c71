package graph

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// ramp is 0, 1, …, n−1.
func ramp(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i)
	}
	return v
}

// TestAffineFix: an index outside the image maps back by the fill mode,
// Keras's (d c b a | a b c d | d c b a) for reflect, and to −1 (the fill
// value) in constant mode; an image one pixel wide maps everything to it.
func TestAffineFix(t *testing.T) {
	idx := []int{-9, -8, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12}
	want := map[string][]int{
		FillReflect:  {0, 0, 3, 3, 2, 1, 0, 0, 1, 2, 3, 3, 2, 1, 0, 0, 3, 3},
		FillWrap:     {3, 0, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 3, 0},
		FillNearest:  {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 3, 3, 3, 3, 3, 3, 3},
		FillConstant: {-1, -1, -1, -1, -1, -1, -1, 0, 1, 2, 3, -1, -1, -1, -1, -1, -1, -1},
	}
	for mode, w := range want {
		op := &affineOp{fill: fillCode(mode)}
		for k, i := range idx {
			if got := op.fix(i, 4); got != w[k] {
				t.Errorf("%s: index %d of 4 maps to %d, want %d", mode, i, got, w[k])
			}
			if got := op.fix(i, 1); mode != FillConstant && got != 0 {
				t.Errorf("%s: index %d of 1 maps to %d, want 0", mode, i, got)
			}
		}
	}
}

// TestAffineOddMaps: maps that read far outside the image, or are not
// numbers, give the fill and never an index out of range; a map of
// zeros reads pixel (0, 0) everywhere.
func TestAffineOddMaps(t *testing.T) {
	for _, m := range [][]float64{
		{1, 0, 1e300, 0, 1, -1e300},
		{math.NaN(), 0, 0, 0, math.Inf(1), 0},
		{0, 0, 0, 0, 0, 0},
	} {
		for _, mode := range []string{FillReflect, FillWrap, FillConstant, FillNearest} {
			out, err := runAffine(Float64, []int{3, 4, 1}, ramp(12), m, mode, -1)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range out {
				if math.IsNaN(v) || v < -1 || v > 11 {
					t.Fatalf("map %v, %s: output %v", m, mode, out)
				}
			}
			if m[0] == 0 && m[1] == 0 && m[4] == 0 && !slices.Equal(out, make([]float64, 12)) {
				t.Errorf("map of zeros, %s: %v, want pixel (0, 0) = 0 everywhere", mode, out)
			}
		}
	}
}

// runAffine applies the resampling op (bilinear) to one image x of the
// given shape through the map m.
func runAffine(dt tensor.Dtype, shape []int, x, m []float64, fillMode string, fillValue float64) ([]float64, error) {
	b, err := NewBuilder(dt, 1, false)
	if err != nil {
		return nil, err
	}
	in := b.Input("x", append([]int{1}, shape...)...)
	maps := b.Input("maps", 1, AffineParams)
	for _, p := range []struct {
		in *Input
		v  []float64
	}{{in, x}, {maps, m}} {
		copy(p.in.Tensor.Data().([]float64), p.v)
	}
	y, err := AffineTransform(in.Node, maps.Node, fillMode, fillValue, InterpolationBilinear)
	if err != nil {
		return nil, err
	}
	mc, err := b.Compile(nil, nil, y)
	if err != nil {
		return nil, err
	}
	defer mc.Close()
	if err := mc.Run(nil); err != nil {
		return nil, err
	}
	return Float64s(mc.Output(0)), nil
}

// TestSampleTapsSeparable: for maps that keep the axes apart (flips,
// shifts, zooms) the taps worked out once per row and column are those
// worked out per pixel, in every fill mode and interpolation.
func TestSampleTapsSeparable(t *testing.T) {
	maps := [][]float64{
		{-1, 0, 4, 0, 1, 0},             // mirrored
		{1, 0, 0, 0, -1, 2},             // upside down
		{1, 0, -1.25, 0, 1, 0.5},        // shifted by fractions
		{1.7, 0, -1.05, 0, 0.6, 0.4},    // zoomed apart
		{1, 0, 1e300, 0, 1, math.NaN()}, // nonsense
	}
	for _, mode := range []string{FillReflect, FillWrap, FillConstant, FillNearest} {
		for _, interp := range []string{InterpolationBilinear, InterpolationNearest} {
			op := &affineOp{h: 3, w: 5, c: 1, fill: fillCode(mode), nearest: interp == InterpolationNearest}
			for _, m := range maps {
				s := newSampleTaps(op)
				s.reset(m)
				if !s.separable {
					t.Fatalf("map %v: not separable", m)
				}
				for i := range op.h {
					for j := range op.w {
						r1, c1 := s.at(i, j)
						r1, c1 = append([]tap(nil), r1...), append([]tap(nil), c1...)
						s.separable = false
						r2, c2 := s.at(i, j)
						s.separable = true
						if fmt.Sprint(r1, c1) != fmt.Sprint(r2, c2) {
							t.Errorf("%s %s map %v pixel (%d, %d): taps %v %v per row and column, %v %v per pixel", mode, interp, m, i, j, r1, c1, r2, c2)
						}
					}
				}
			}
		}
	}
}
