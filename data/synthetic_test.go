package data

import (
	"math"
	"strings"
	"testing"
)

// generators makes every synthetic set with n samples, the given classes
// (where the generator takes them), noise and seed.
func generators(n, classes int, noise float64, seed int64) map[string]func() (*Dataset, error) {
	return map[string]func() (*Dataset, error){
		"spiral":  func() (*Dataset, error) { return Spiral(n, classes, noise, seed) },
		"blobs":   func() (*Dataset, error) { return Blobs(n, classes, noise, seed) },
		"circles": func() (*Dataset, error) { return Circles(n, noise, 0.5, seed) },
		"moons":   func() (*Dataset, error) { return Moons(n, noise, seed) },
		"xor":     func() (*Dataset, error) { return XOR(n, noise, seed) },
	}
}

func TestSyntheticShapesAndBalance(t *testing.T) {
	for _, tc := range []struct {
		n, classes int
		want       []int
	}{
		{600, 3, []int{200, 200, 200}},
		{601, 3, []int{200, 200, 201}},
		{602, 3, []int{200, 201, 201}},
		{7, 2, []int{3, 4}},
		{2, 2, []int{1, 1}},
		{10, 4, []int{2, 2, 3, 3}},
	} {
		for name, gen := range generators(tc.n, tc.classes, 0.1, 1) {
			if tc.classes != 2 && name != "spiral" && name != "blobs" {
				continue
			}
			d, err := gen()
			if err != nil {
				t.Fatalf("%s(%d, %d): %v", name, tc.n, tc.classes, err)
			}
			if d.Name != name || d.Len() != tc.n || d.Features() != 2 || d.TargetWidth() != 1 || d.NumClasses() != tc.classes {
				t.Errorf("%s(%d, %d): %s %d x %d, width %d, %d classes", name, tc.n, tc.classes,
					d.Name, d.Len(), d.Features(), d.TargetWidth(), d.NumClasses())
			}
			if got := d.ClassCounts(); !equalInts(got, tc.want) {
				t.Errorf("%s(%d, %d): class counts %v, want %v", name, tc.n, tc.classes, got, tc.want)
			}
			if !equalStrings(d.FeatureNames, []string{"x", "y"}) {
				t.Errorf("%s: feature names %v", name, d.FeatureNames)
			}
			for c, s := range d.Classes {
				if want := string(rune('0' + c)); s != want {
					t.Errorf("%s: class %d named %q, want %q", name, c, s, want)
				}
			}
		}
	}
}

func TestSyntheticDeterministic(t *testing.T) {
	for name, gen := range generators(300, 3, 0.2, 7) {
		a, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := gen()
		if !equalFloats(a.X, b.X) || !equalFloats(a.Y, b.Y) {
			t.Errorf("%s: same seed, different data", name)
		}
		c, _ := generators(300, 3, 0.2, 8)[name]()
		if equalFloats(a.X, c.X) {
			t.Errorf("%s: seeds 7 and 8 give the same data", name)
		}
	}
	// The samples are shuffled: the last fifth, a validation split, holds
	// every class.
	for name, gen := range generators(500, 3, 0, 1) {
		d, _ := gen()
		seen := map[int]bool{}
		for i := 400; i < 500; i++ {
			seen[d.Label(i)] = true
		}
		if len(seen) != d.NumClasses() {
			t.Errorf("%s: last 100 samples hold classes %v only", name, seen)
		}
	}
}

func TestSyntheticSyntheticMatchesGenerators(t *testing.T) {
	for name, gen := range generators(90, 2, 0.1, 3) {
		want, err := gen()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Synthetic(name, 90, 2, 0.1, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !equalFloats(got.X, want.X) || !equalFloats(got.Y, want.Y) {
			t.Errorf("Synthetic(%q) differs from the generator", name)
		}
	}
}

// float32Tol allows for the rounding of coordinates to float32: a point of
// the unit circle stored as float32 lies within about 1e-7 of it, not 1e-9.
const float32Tol = 2e-7

func TestMoonsOnHalfCircles(t *testing.T) {
	d, err := Moons(101, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < d.Len(); i++ {
		x, y := float64(d.Row(i)[0]), float64(d.Row(i)[1])
		cx, cy, upper := 0.0, 0.0, true
		if d.Label(i) == 1 {
			cx, cy, upper = 1, 0.5, false
		}
		if r := math.Hypot(x-cx, y-cy); math.Abs(r-1) > float32Tol {
			t.Errorf("moon %d point %d (%v, %v) at radius %v from (%v, %v)", d.Label(i), i, x, y, r, cx, cy)
		}
		if upper && y < cy-float32Tol || !upper && y > cy+float32Tol {
			t.Errorf("moon %d point %d (%v, %v) on the wrong half", d.Label(i), i, x, y)
		}
	}
	// Both ends of each moon are there, as in np.linspace(0, π, n).
	for _, p := range [][2]float64{{1, 0}, {-1, 0}, {0, 0.5}, {2, 0.5}} {
		found := false
		for i := 0; i < d.Len(); i++ {
			if math.Hypot(float64(d.Row(i)[0])-p[0], float64(d.Row(i)[1])-p[1]) < float32Tol {
				found = true
			}
		}
		if !found {
			t.Errorf("no point at %v", p)
		}
	}
}

func TestCirclesRadii(t *testing.T) {
	d, err := Circles(200, 0, 0.3, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < d.Len(); i++ {
		want := 1.0
		if d.Label(i) == 1 {
			want = 0.3
		}
		if r := math.Hypot(float64(d.Row(i)[0]), float64(d.Row(i)[1])); math.Abs(r-want) > float32Tol {
			t.Errorf("class %d point at radius %v, want %v", d.Label(i), r, want)
		}
	}
	if d, err := Circles(10, 0, 0, 1); err != nil {
		t.Error(err)
	} else {
		for i := 0; i < d.Len(); i++ {
			if d.Label(i) == 1 && (d.Row(i)[0] != 0 || d.Row(i)[1] != 0) {
				t.Errorf("factor 0: inner point at %v", d.Row(i))
			}
		}
	}
}

func TestSpiralRange(t *testing.T) {
	d, err := Spiral(300, 3, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	var far [3]bool
	for i := 0; i < d.Len(); i++ {
		x, y := float64(d.Row(i)[0]), float64(d.Row(i)[1])
		r := math.Hypot(x, y)
		if r > 1+float32Tol {
			t.Fatalf("point %d at radius %v > 1", i, r)
		}
		if r < 1e-6 {
			continue
		}
		// Off the origin, every arm is the curve angle = 2π·turns·r + 2πc/k.
		want := 2*math.Pi*SpiralTurns*r + 2*math.Pi*float64(d.Label(i))/3
		diff := math.Remainder(math.Atan2(y, x)-want, 2*math.Pi)
		if math.Abs(diff) > 1e-5/r {
			t.Errorf("class %d point %d (%v, %v): angle off by %v", d.Label(i), i, x, y, diff)
		}
		if math.Abs(r-1) < 1e-6 {
			far[d.Label(i)] = true
		}
	}
	if far != [3]bool{true, true, true} {
		t.Errorf("arms reaching radius 1: %v, want all", far)
	}
}

func TestXORQuadrants(t *testing.T) {
	d, err := XOR(400, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	quadrants := map[[2]bool]int{}
	for i := 0; i < d.Len(); i++ {
		x, y := float64(d.Row(i)[0]), float64(d.Row(i)[1])
		if math.Abs(x) > 1 || math.Abs(y) > 1 || math.Abs(x) < XORGap-float32Tol || math.Abs(y) < XORGap-float32Tol {
			t.Errorf("point %d (%v, %v) outside [-1, 1]² less the gap", i, x, y)
		}
		want := 0
		if x*y > 0 {
			want = 1
		}
		if d.Label(i) != want {
			t.Errorf("point %d (%v, %v) has class %d, want %d", i, x, y, d.Label(i), want)
		}
		quadrants[[2]bool{x > 0, y > 0}]++
	}
	if len(quadrants) != 4 {
		t.Errorf("points in %d quadrants, want 4", len(quadrants))
	}
}

func TestBlobsCentres(t *testing.T) {
	d, err := Blobs(400, 4, 0.1, 1)
	if err != nil {
		t.Fatal(err)
	}
	var sx, sy [4]float64
	for i := 0; i < d.Len(); i++ {
		sx[d.Label(i)] += float64(d.Row(i)[0])
		sy[d.Label(i)] += float64(d.Row(i)[1])
	}
	for c := 0; c < 4; c++ {
		t0 := math.Pi/2 + 2*math.Pi*float64(c)/4
		// 100 points of deviation 0.1: the mean is within 0.05 (5 sigma).
		if mx, my := sx[c]/100, sy[c]/100; math.Hypot(mx-math.Cos(t0), my-math.Sin(t0)) > 0.05 {
			t.Errorf("blob %d centred on (%v, %v), want (%v, %v)", c, mx, my, math.Cos(t0), math.Sin(t0))
		}
	}
}

func TestSyntheticBadParams(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func() (*Dataset, error)
		want string
	}{
		{"spiral one class", func() (*Dataset, error) { return Spiral(10, 1, 0, 1) }, "1 classes"},
		{"spiral n < classes", func() (*Dataset, error) { return Spiral(2, 3, 0, 1) }, "2 samples for 3 classes"},
		{"spiral zero n", func() (*Dataset, error) { return Spiral(0, 2, 0, 1) }, "0 samples"},
		{"spiral negative noise", func() (*Dataset, error) { return Spiral(10, 2, -0.1, 1) }, "noise -0.1"},
		{"spiral NaN noise", func() (*Dataset, error) { return Spiral(10, 2, math.NaN(), 1) }, "noise NaN"},
		{"blobs infinite std", func() (*Dataset, error) { return Blobs(10, 2, math.Inf(1), 1) }, "noise +Inf"},
		{"blobs zero classes", func() (*Dataset, error) { return Blobs(10, 0, 0.1, 1) }, "0 classes"},
		{"blobs too many", func() (*Dataset, error) { return Blobs(maxSynthetic+1, 2, 0.1, 1) }, "at most"},
		{"circles one sample", func() (*Dataset, error) { return Circles(1, 0, 0.5, 1) }, "1 samples for 2 classes"},
		{"circles factor 1", func() (*Dataset, error) { return Circles(10, 0, 1, 1) }, "factor 1"},
		{"circles factor < 0", func() (*Dataset, error) { return Circles(10, 0, -0.5, 1) }, "factor -0.5"},
		{"circles factor NaN", func() (*Dataset, error) { return Circles(10, 0, math.NaN(), 1) }, "factor NaN"},
		{"moons negative n", func() (*Dataset, error) { return Moons(-4, 0, 1) }, "-4 samples"},
		{"moons negative noise", func() (*Dataset, error) { return Moons(10, -1, 1) }, "noise -1"},
		{"xor negative noise", func() (*Dataset, error) { return XOR(10, -1, 1) }, "noise -1"},
		{"huge noise", func() (*Dataset, error) { return XOR(10, math.MaxFloat64, 1) }, "not finite"},
		{"unknown name", func() (*Dataset, error) { return Synthetic("swirl", 10, 2, 0, 1) }, `"swirl" (known: spiral, circles, moons, xor, blobs)`},
		{"moons with 3 classes", func() (*Dataset, error) { return Synthetic("moons", 10, 3, 0, 1) }, "moons has 2 classes, got 3"},
		{"xor with 1 class", func() (*Dataset, error) { return Synthetic("xor", 10, 1, 0, 1) }, "xor has 2 classes, got 1"},
		{"circles with 4 classes", func() (*Dataset, error) { return Synthetic("circles", 10, 4, 0, 1) }, "circles has 2 classes"},
	} {
		d, err := tc.make()
		if err == nil {
			t.Errorf("%s: no error, got %d samples", tc.name, d.Len())
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not mention %q", tc.name, err, tc.want)
		}
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
