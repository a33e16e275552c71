package approx

import (
	"math"
	"testing"
)

// TestRelErr: hand-worked cases, the scale b's largest magnitude or 1.
func TestRelErr(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	for _, c := range []struct {
		name string
		a, b []float64
		want float64
	}{
		{"equal", []float64{1, -2}, []float64{1, -2}, 0},
		{"scale 4", []float64{1, 4.5}, []float64{1, 4}, 0.125},
		{"small values: scale 1", []float64{0.001}, []float64{0.003}, 0.002},
		{"lengths", []float64{1}, []float64{1, 2}, inf},
		{"NaN in one", []float64{nan}, []float64{1}, inf},
	} {
		if got := RelErr(c.a, c.b); got != c.want {
			t.Errorf("%s: RelErr = %v, want %v", c.name, got, c.want)
		}
	}
	if e := RelErr([]float64{nan}, []float64{nan}); e <= 1 {
		t.Errorf("NaN in both: RelErr = %v, which passes a tolerance", e)
	}
}

// TestTol: 4·n roundoff units, floored.
func TestTol(t *testing.T) {
	if got := Tol(false, 1); got != 1e-12 {
		t.Errorf("float64, n = 1: %v, want the floor 1e-12", got)
	}
	if got, want := Tol(true, 1000), 4000*math.Pow(2, -23); got != want {
		t.Errorf("float32, n = 1000: %v, want %v", got, want)
	}
}

// TestClose: within tol of want's scale passes, beyond fails naming the
// element.
func TestClose(t *testing.T) {
	if err := Close([]float64{10.0001, 0}, []float64{10, 0}, 1e-5); err != nil {
		t.Errorf("within tolerance: %v", err)
	}
	if err := Close([]float64{10, 0.001}, []float64{10, 0}, 1e-5); err == nil || err.Error() != "[1] = 0.001, want 0" {
		t.Errorf("beyond tolerance: %v", err)
	}
	if err := Close([]float64{1}, nil, 1); err == nil {
		t.Error("lengths differ: no error")
	}
}
