package nn

import (
	"math"
	"math/rand"
	"testing"
)

// TestRandomRotationExact: square4 turned by quarter turns is a
// permutation of its pixels, exactly (sine and cosine are exact there), a
// full turn is the image itself, and a 3×3 image turned by 45° with
// nearest interpolation moves its ring of pixels one step
// counter-clockwise (values in the cases).
func TestRandomRotationExact(t *testing.T) {
	turn := func(f float64) func() *RandomRotationLayer {
		return func() *RandomRotationLayer { return RandomRotation(0).WithRange(FactorRange{f, f}) }
	}
	checkGeometric(t, []geometricCase{
		{"90° counter-clockwise: the top row becomes the left column, read upwards", func() Layer { return turn(0.25)() }, []float64{
			3, 7, 11, 15,
			2, 6, 10, 14,
			1, 5, 9, 13,
			0, 4, 8, 12}, nil, nil},
		{"90° clockwise", func() Layer { return turn(-0.25)() }, []float64{
			12, 8, 4, 0,
			13, 9, 5, 1,
			14, 10, 6, 2,
			15, 11, 7, 3}, nil, nil},
		{"180°", func() Layer { return turn(0.5)() }, []float64{
			15, 14, 13, 12,
			11, 10, 9, 8,
			7, 6, 5, 4,
			3, 2, 1, 0}, nil, nil},
		{"a full turn", func() Layer { return turn(1)() }, square4, nil, nil},
		{"-¾ turn is ¼", func() Layer { return turn(-0.75)() }, []float64{
			3, 7, 11, 15,
			2, 6, 10, 14,
			1, 5, 9, 13,
			0, 4, 8, 12}, nil, nil},
		{"45°, nearest: 1 2 3 / 4 5 6 / 7 8 9 → 2 3 6 / 1 5 9 / 4 7 8", func() Layer {
			return turn(0.125)().WithInterpolation(InterpolationNearest)
		}, []float64{
			2, 3, 6,
			1, 5, 9,
			4, 7, 8}, []int{3, 3, 1}, []float64{1, 2, 3, 4, 5, 6, 7, 8, 9}},
	})
}

// TestSinCosTurns: exact at the quarter turns whatever the whole turns
// added, and math.Sincos elsewhere.
func TestSinCosTurns(t *testing.T) {
	for _, c := range []struct{ turns, sin, cos float64 }{
		{0, 0, 1}, {0.25, 1, 0}, {0.5, 0, -1}, {-0.5, 0, -1}, {0.75, -1, 0}, {-0.25, -1, 0},
		{1, 0, 1}, {-1, 0, 1}, {1.25, 1, 0}, {-0.75, 1, 0},
	} {
		if s, co := sinCosTurns(c.turns); s != c.sin || co != c.cos {
			t.Errorf("sinCosTurns(%v) = %v, %v; want %v, %v", c.turns, s, co, c.sin, c.cos)
		}
	}
	s, c := sinCosTurns(0.1)
	if ws, wc := math.Sincos(0.2 * math.Pi); math.Abs(s-ws) > 1e-15 || math.Abs(c-wc) > 1e-15 {
		t.Errorf("sinCosTurns(0.1) = %v, %v; want %v, %v", s, c, ws, wc)
	}
}

// TestRandomRotationDraws: over 10,000 samples the angles are uniform in
// the range (in turns), and each map turns about the image's centre.
func TestRandomRotationDraws(t *testing.T) {
	const n, h, w = 10000, 5, 8
	factor := FactorRange{-0.1, 0.3}
	maps := make([]float64, n*affineParams)
	rotationMaps(factor, h, w)(rand.New(rand.NewSource(1)), maps)
	var turns []float64
	cy, cx := float64(h-1)/2, float64(w-1)/2
	for m := maps; len(m) > 0; m = m[affineParams:] {
		turns = append(turns, math.Atan2(m[3], m[0])/(2*math.Pi))
		// The centre maps onto itself.
		if u, v := m[0]*cx+m[1]*cy+m[2], m[3]*cx+m[4]*cy+m[5]; math.Abs(u-cx) > 1e-12 || math.Abs(v-cy) > 1e-12 {
			t.Fatalf("map %v moves the centre (%v, %v) to (%v, %v)", m[:affineParams], cx, cy, u, v)
		}
	}
	checkUniform(t, "angle in turns", turns, factor.Lo, factor.Hi)
}
