package viz

import (
	"math"
	"testing"
)

var digitProbs = []float64{0.01, 0.02, 0.05, 0.55, 0.01, 0.04, 0.01, 0.02, 0.28, 0.01}

func TestProbabilitiesGolden(t *testing.T) {
	// A wrong prediction: 3 predicted, 8 true.
	checkGolden(t, "probabilities", 600, 400, func(p string) error {
		return Probabilities(p, digitProbs, nil, 8, "test image 17: predicted 3, true 8")
	})
}

func TestProbabilitiesCorrectGolden(t *testing.T) {
	probs := []float64{0.05, 0.9, 0.05}
	checkGolden(t, "probabilities_correct", 600, 400, func(p string) error {
		return Probabilities(p, probs, []string{"cat", "dog", "bird"}, 1, "correct prediction")
	})
}

func TestProbabilitiesErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		probs   []float64
		classes []string
		truth   int
	}{
		{"empty", nil, nil, -1},
		{"names", []float64{0.5, 0.5}, []string{"a"}, 0},
		{"truth", []float64{0.5, 0.5}, nil, 2},
		{"nan", []float64{math.NaN(), 0.5}, nil, 0},
		{"range", []float64{1.5, -0.5}, nil, 0},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return Probabilities(p, tc.probs, tc.classes, tc.truth, "")
		})
	}
}
