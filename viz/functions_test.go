package viz

import (
	"math"
	"testing"
)

// activations returns sigmoid, tanh and ReLU and their derivatives over
// [-2, 2], the figure Functions is meant for.
func activations() ([]float64, []NamedSeries) {
	const n = 81
	x := make([]float64, n)
	s := []NamedSeries{{Name: "sigmoid"}, {Name: "sigmoid'"}, {Name: "tanh"}, {Name: "tanh'"}, {Name: "relu"}, {Name: "relu'"}}
	for i := range x {
		v := -2 + 4*float64(i)/(n-1)
		x[i] = v
		sg := 1 / (1 + math.Exp(-v))
		th := math.Tanh(v)
		relu, drelu := math.Max(0, v), 0.0
		if v > 0 {
			drelu = 1
		}
		for k, y := range []float64{sg, sg * (1 - sg), th, 1 - th*th, relu, drelu} {
			s[k].Values = append(s[k].Values, y)
		}
	}
	return x, s
}

func TestFunctionsGolden(t *testing.T) {
	x, s := activations()
	// relu' is 0 up to and at 0, 1 after: drawn as a step, it jumps
	// vertically at x = 0 instead of sloping up to the next sample.
	checkGolden(t, "functions", 600, 420, func(p string) error {
		return FunctionsWith(p, "activation functions and derivatives", x, s,
			FunctionsOptions{YLabel: "f(x), f′(x)", Steps: []string{"relu'"}})
	})
}

func TestFunctionsErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		x    []float64
		s    []NamedSeries
	}{
		{"no x", nil, []NamedSeries{{"a", nil}}},
		{"no series", []float64{1}, nil},
		{"length", []float64{1, 2}, []NamedSeries{{"a", []float64{1}}}},
		{"nan x", []float64{nan}, []NamedSeries{{"a", []float64{1}}}},
		{"nan only", []float64{1}, []NamedSeries{{"a", []float64{nan}}}},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return Functions(p, "", tc.x, tc.s)
		})
	}
	checkNoFile(t, "unknown step series", func(p string) error {
		return FunctionsWith(p, "", []float64{1}, []NamedSeries{{"a", []float64{1}}}, FunctionsOptions{Steps: []string{"b"}})
	})
}
