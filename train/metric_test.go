package train

import "testing"

func TestAccuracy(t *testing.T) {
	for _, tc := range []struct {
		name        string
		out, target []float64
		rows, width int
		want        float64
	}{
		{"categorical", []float64{0.1, 0.9, 0.8, 0.2, 0.3, 0.7}, []float64{0, 1, 0, 1, 0, 1}, 3, 2, 2.0 / 3},
		{"categorical ties pick the first", []float64{0.5, 0.5}, []float64{1, 0}, 1, 2, 1},
		// One output: a binary classifier (was always 1: argmax of one column).
		{"binary", []float64{0.2, 0.7, 0.6, 0.5}, []float64{0, 1, 0, 1}, 4, 1, 2.0 / 4},
	} {
		m := Accuracy()
		m.Update(tc.out, tc.target, tc.rows, tc.width)
		if got := m.Result(); got != tc.want {
			t.Errorf("%s: accuracy %v, want %v", tc.name, got, tc.want)
		}
	}
}
