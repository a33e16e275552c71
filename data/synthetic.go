package data

import (
	"math"
	"math/rand"
	"strconv"
	"strings"

	"github.com/pkg/errors"
)

// SyntheticNames lists the generators Synthetic knows, in the order the
// command-line tools list them.
var SyntheticNames = []string{"spiral", "circles", "moons", "xor", "blobs"}

// SpiralTurns is how many times each arm of Spiral winds around the origin
// between radius 0 and 1.
const SpiralTurns = 1.5

// Synthetic returns the generator called name ("spiral", "circles", "moons",
// "xor" or "blobs") applied to n samples. noise is the standard deviation of
// the Gaussian noise added to each coordinate, for blobs their spread.
// circles, moons and xor have exactly two classes; circles uses an inner
// radius of 0.5. An unknown name is an error that lists the known ones.
func Synthetic(name string, n, classes int, noise float64, seed int64) (*Dataset, error) {
	two := func() error {
		if classes != 2 {
			return errors.Errorf("data: %s has 2 classes, got %d", name, classes)
		}
		return nil
	}
	switch name {
	case "spiral":
		return Spiral(n, classes, noise, seed)
	case "blobs":
		return Blobs(n, classes, noise, seed)
	case "circles":
		if err := two(); err != nil {
			return nil, err
		}
		return Circles(n, noise, 0.5, seed)
	case "moons":
		if err := two(); err != nil {
			return nil, err
		}
		return Moons(n, noise, seed)
	case "xor":
		if err := two(); err != nil {
			return nil, err
		}
		return XOR(n, noise, seed)
	}
	return nil, errors.Errorf("data: unknown synthetic data set %q (known: %s)", name, strings.Join(SyntheticNames, ", "))
}

// Spiral returns n points on classes interleaved spiral arms, the data set of
// CS231n's neural-network case study and of the TensorFlow Playground: arm c
// holds points at radius r from 0 to 1 (evenly spaced) and angle
// 2π·SpiralTurns·r + 2π·c/classes, plus Gaussian noise of standard deviation
// noise on each coordinate.
//
// Like every generator here, it gives class c n/classes samples, the last
// n%classes classes one more, shuffles the samples (so that a validation split
// taken from the end holds every class) and returns the same data for the same
// seed. Features are named "x" and "y", classes "0".."classes-1", and the
// targets are class indices.
func Spiral(n, classes int, noise float64, seed int64) (*Dataset, error) {
	if err := checkSynthetic("spiral", n, classes, noise); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	g := newGen(n, classes)
	for c, m := range g.counts {
		for i := 0; i < m; i++ {
			r := 0.0
			if m > 1 {
				r = float64(i) / float64(m-1)
			}
			t := float64(2*math.Pi*SpiralTurns*r) + 2*math.Pi*float64(c)/float64(classes)
			g.add(float64(r*math.Cos(t))+float64(noise*rng.NormFloat64()), float64(r*math.Sin(t))+float64(noise*rng.NormFloat64()), c)
		}
	}
	return g.dataset("spiral", rng)
}

// Circles returns scikit-learn's make_circles: a large circle of radius 1
// (class 0, n/2 points) around a small one of radius factor (class 1, the
// rest), points evenly spaced in angle from 0, plus Gaussian noise of standard
// deviation noise on each coordinate. factor must lie in [0, 1).
// See Spiral for the class balance, order and seeding.
func Circles(n int, noise, factor float64, seed int64) (*Dataset, error) {
	if err := checkSynthetic("circles", n, 2, noise); err != nil {
		return nil, err
	}
	if !(factor >= 0 && factor < 1) {
		return nil, errors.Errorf("data: circles: factor %v outside [0, 1)", factor)
	}
	rng := rand.New(rand.NewSource(seed))
	g := newGen(n, 2)
	for c, m := range g.counts {
		radius := 1.0
		if c == 1 {
			radius = factor
		}
		for i := 0; i < m; i++ {
			t := 2 * math.Pi * float64(i) / float64(m)
			g.add(float64(radius*math.Cos(t))+float64(noise*rng.NormFloat64()), float64(radius*math.Sin(t))+float64(noise*rng.NormFloat64()), c)
		}
	}
	return g.dataset("circles", rng)
}

// Moons returns scikit-learn's make_moons: two interleaving half circles of
// radius 1, the upper one (class 0, n/2 points) centred on (0, 0), the lower
// one (class 1, the rest) on (1, 0.5), points evenly spaced in angle over
// [0, π], plus Gaussian noise of standard deviation noise on each coordinate.
// See Spiral for the class balance, order and seeding.
func Moons(n int, noise float64, seed int64) (*Dataset, error) {
	if err := checkSynthetic("moons", n, 2, noise); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	g := newGen(n, 2)
	for c, m := range g.counts {
		for i := 0; i < m; i++ {
			t := 0.0
			if m > 1 {
				t = math.Pi * float64(i) / float64(m-1)
			}
			x, y := math.Cos(t), math.Sin(t)
			if c == 1 {
				x, y = 1-x, 0.5-y
			}
			g.add(x+float64(noise*rng.NormFloat64()), y+float64(noise*rng.NormFloat64()), c)
		}
	}
	return g.dataset("moons", rng)
}

// XORGap is the margin XOR leaves around the axes: before noise, every
// coordinate's magnitude lies in [XORGap, 1].
const XORGap = 0.05

// XOR returns the TensorFlow Playground's exclusive-or data: points drawn
// uniformly from the square [-1, 1]² less a band of XORGap on each side of
// the axes, of class 1 where sign(x)·sign(y) > 0 (first and third quadrants)
// and class 0 elsewhere, plus Gaussian noise of standard deviation noise on
// each coordinate, which may carry a point across an axis (label noise).
// See Spiral for the class balance, order and seeding.
func XOR(n int, noise float64, seed int64) (*Dataset, error) {
	if err := checkSynthetic("xor", n, 2, noise); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	g := newGen(n, 2)
	for c, m := range g.counts {
		for i := 0; i < m; i++ {
			x := XORGap + float64((1-XORGap)*rng.Float64())
			y := XORGap + float64((1-XORGap)*rng.Float64())
			sx := 1.0
			if rng.Intn(2) == 1 {
				sx = -1
			}
			sy := sx // class 1: same signs
			if c == 0 {
				sy = -sx
			}
			g.add(float64(sx*x)+float64(noise*rng.NormFloat64()), float64(sy*y)+float64(noise*rng.NormFloat64()), c)
		}
	}
	return g.dataset("xor", rng)
}

// Blobs returns isotropic Gaussian blobs of standard deviation std, one per
// class, around centres evenly spaced on the unit circle (class c at angle
// π/2 + 2π·c/classes). See Spiral for the class balance, order and seeding.
func Blobs(n, classes int, std float64, seed int64) (*Dataset, error) {
	if err := checkSynthetic("blobs", n, classes, std); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(seed))
	g := newGen(n, classes)
	for c, m := range g.counts {
		t := math.Pi/2 + 2*math.Pi*float64(c)/float64(classes)
		cx, cy := math.Cos(t), math.Sin(t)
		for i := 0; i < m; i++ {
			g.add(cx+float64(std*rng.NormFloat64()), cy+float64(std*rng.NormFloat64()), c)
		}
	}
	return g.dataset("blobs", rng)
}

// maxSynthetic caps the samples of a generated set: 100 million points would
// already take 1.2 GB.
const maxSynthetic = 100_000_000

func checkSynthetic(name string, n, classes int, noise float64) error {
	switch {
	case classes < 2:
		return errors.Errorf("data: %s: %d classes, want at least 2", name, classes)
	case n < classes:
		return errors.Errorf("data: %s: %d samples for %d classes, want at least one per class", name, n, classes)
	case n > maxSynthetic:
		return errors.Errorf("data: %s: %d samples, want at most %d", name, n, maxSynthetic)
	case !(noise >= 0) || math.IsInf(noise, 0):
		return errors.Errorf("data: %s: noise %v, want a finite value ≥ 0", name, noise)
	}
	return nil
}

// gen collects generated points by class.
type gen struct {
	counts []int
	x, y   []float32
}

func newGen(n, classes int) *gen {
	g := &gen{counts: make([]int, classes), x: make([]float32, 0, 2*n), y: make([]float32, 0, n)}
	for c := range g.counts {
		g.counts[c] = n / classes
		if c >= classes-n%classes {
			g.counts[c]++
		}
	}
	return g
}

func (g *gen) add(x, y float64, class int) {
	g.x = append(g.x, float32(x), float32(y))
	g.y = append(g.y, float32(class))
}

// dataset shuffles the rows and wraps them.
func (g *gen) dataset(name string, rng *rand.Rand) (*Dataset, error) {
	rng.Shuffle(len(g.y), func(i, j int) {
		g.y[i], g.y[j] = g.y[j], g.y[i]
		g.x[2*i], g.x[2*j] = g.x[2*j], g.x[2*i]
		g.x[2*i+1], g.x[2*j+1] = g.x[2*j+1], g.x[2*i+1]
	})
	classes := make([]string, len(g.counts))
	for c := range classes {
		classes[c] = strconv.Itoa(c)
	}
	d, err := NewDataset(name, g.x, 2, g.y, 1, classes)
	if err != nil {
		return nil, err
	}
	d.FeatureNames = []string{"x", "y"}
	return d, nil
}
