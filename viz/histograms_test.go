package viz

import (
	"math"
	"testing"
)

// normalish returns n deterministic values with roughly the given mean and
// standard deviation: a sum of sines stands in for random numbers.
func normalish(n int, mean, sd float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		f := float64(i)
		z := math.Sin(f*12.9898) + math.Sin(f*78.233) + math.Sin(f*37.719)
		v[i] = mean + sd*z/math.Sqrt(1.5)
	}
	return v
}

func TestHistogramsGolden(t *testing.T) {
	groups := []NamedSeries{
		{Name: "before BatchNorm", Values: normalish(2000, 3, 2.5)},
		{Name: "after BatchNorm", Values: normalish(2000, 0, 1)},
	}
	checkGolden(t, "histograms", 640, 420, func(p string) error {
		return Histograms(p, "dense_1 outputs", groups, 40)
	})
}

func TestHistogramsErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name   string
		groups []NamedSeries
		bins   int
	}{
		{"none", nil, 10},
		{"bins", []NamedSeries{{"a", []float64{1}}}, 0},
		{"empty", []NamedSeries{{"a", []float64{1}}, {"b", nil}}, 10},
		{"nan", []NamedSeries{{"a", []float64{nan}}}, 10},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return Histograms(p, "", tc.groups, tc.bins)
		})
	}
}

func TestHistogramsConstant(t *testing.T) {
	// A constant sample (a dead ReLU) has zero range and must still plot.
	dir := t.TempDir()
	if err := Histograms(dir+"/h.png", "", []NamedSeries{{"dead", []float64{0, 0, 0}}}, 5); err != nil {
		t.Fatal(err)
	}
}
