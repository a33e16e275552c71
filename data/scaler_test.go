package data

import (
	"math"
	"strings"
	"testing"
)

func TestStandardScaler(t *testing.T) {
	d, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	var s StandardScaler
	if err := s.FitTransform(d); err != nil {
		t.Fatal(err)
	}
	// Mean and population standard deviation of each column, computed
	// independently of the scaler.
	n, f := d.Len(), d.Features()
	for j := 0; j < f; j++ {
		var sum, sq float64
		for i := 0; i < n; i++ {
			sum += float64(d.X[i*f+j])
		}
		mean := sum / float64(n)
		for i := 0; i < n; i++ {
			dv := float64(d.X[i*f+j]) - mean
			sq += dv * dv
		}
		std := math.Sqrt(sq / float64(n))
		if math.Abs(mean) > 1e-6 || math.Abs(std-1) > 1e-6 {
			t.Errorf("column %d after scaling: mean %g std %g, want 0 and 1", j, mean, std)
		}
	}
	// Iris sepal length: mean 5.8433, population std 0.8253 (sklearn).
	if math.Abs(s.Mean[0]-5.843333) > 1e-5 || math.Abs(s.Scale[0]-0.825301) > 1e-5 {
		t.Errorf("sepal length mean %g scale %g", s.Mean[0], s.Scale[0])
	}

	orig, _ := Iris()
	if err := s.InverseTransform(d); err != nil {
		t.Fatal(err)
	}
	for i := range d.X {
		if math.Abs(float64(d.X[i]-orig.X[i])) > 1e-5 {
			t.Fatalf("InverseTransform: value %d is %v, want %v", i, d.X[i], orig.X[i])
		}
	}
}

func TestStandardScalerConstantFeature(t *testing.T) {
	d, _ := NewDataset("c", []float32{0.1, 1, 0.1, 3, 0.1, 5}, 2, nil, 0, nil)
	var s StandardScaler
	if err := s.FitTransform(d); err != nil {
		t.Fatal(err)
	}
	if s.Scale[0] != 1 {
		t.Errorf("constant feature scale %v, want 1", s.Scale[0])
	}
	if d.X[0] != 0 || d.X[2] != 0 || d.X[4] != 0 {
		t.Errorf("constant feature scaled to %v %v %v, want 0", d.X[0], d.X[2], d.X[4])
	}
	if math.Abs(s.Scale[1]-math.Sqrt(8.0/3)) > 1e-12 {
		t.Errorf("scale %v, want population std %v", s.Scale[1], math.Sqrt(8.0/3))
	}
}

func TestStandardScalerErrors(t *testing.T) {
	iris, _ := Iris()
	other, _ := NewDataset("other", []float32{1, 2}, 2, nil, 0, nil)
	var unfitted, fitted StandardScaler
	if err := fitted.Fit(iris); err != nil {
		t.Fatal(err)
	}
	empty := &Dataset{Name: "empty", features: 3}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"transform unfitted", unfitted.Transform(iris), "not fitted"},
		{"feature mismatch", fitted.Transform(other), "other has 2 features, scaler was fitted on 4"},
		{"fit empty", new(StandardScaler).Fit(empty), "no samples"},
		{"nil data", fitted.Transform(nil), "nil data set"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, tc.err, tc.want)
		}
	}
}
