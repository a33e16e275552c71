package data

import "testing"

func TestIris(t *testing.T) {
	d, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 150 || d.Features() != 4 || d.TargetWidth() != 1 || d.NumClasses() != 3 {
		t.Fatalf("iris shape: %d x %d, width %d, %d classes", d.Len(), d.Features(), d.TargetWidth(), d.NumClasses())
	}
	if want := []string{"setosa", "versicolor", "virginica"}; !equalStrings(d.Classes, want) {
		t.Errorf("classes %v, want %v", d.Classes, want)
	}
	if want := []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}; !equalStrings(d.FeatureNames, want) {
		t.Errorf("feature names %v, want %v", d.FeatureNames, want)
	}
	// First line of data: 5.1,3.5,1.4,0.2,0
	want := []float32{5.1, 3.5, 1.4, 0.2}
	for j, v := range d.Row(0) {
		if v != want[j] {
			t.Errorf("row 0 = %v, want %v", d.Row(0), want)
			break
		}
	}
	if d.Label(0) != 0 || d.Label(149) != 2 {
		t.Errorf("labels of first and last rows %d %d, want 0 2", d.Label(0), d.Label(149))
	}
	if c := d.ClassCounts(); c[0] != 50 || c[1] != 50 || c[2] != 50 {
		t.Errorf("class counts %v, want 50 50 50", c)
	}
	// Each call is a fresh copy.
	d.X[0] = 0
	d2, _ := Iris()
	if d2.X[0] != 5.1 {
		t.Error("Iris() returned shared storage")
	}
}

func TestDigits(t *testing.T) {
	d, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 1797 || d.Features() != 64 || d.NumClasses() != 10 {
		t.Fatalf("digits shape %dx%d, %d classes", d.Len(), d.Features(), d.NumClasses())
	}
	// First row of digits.csv.gz: 0,0,5,13,9,1,0,0,... class 0; last row class 8.
	if d.Label(0) != 0 || d.Label(1796) != 8 {
		t.Errorf("first and last labels %d %d, want 0 8", d.Label(0), d.Label(1796))
	}
	if r := d.Row(0); r[2] != 5 || r[3] != 13 || r[4] != 9 {
		t.Errorf("row 0 starts %v", r[:8])
	}
	for i, v := range d.X {
		if v < 0 || v > 16 || v != float32(int(v)) {
			t.Fatalf("pixel %d = %v, want an integer in 0..16", i, v)
		}
	}
	// Class counts computed with Python from the file.
	want := []int{178, 182, 177, 183, 181, 182, 181, 179, 174, 180}
	for c, n := range d.ClassCounts() {
		if n != want[c] {
			t.Errorf("class %d: %d samples, want %d", c, n, want[c])
		}
	}
}

func equalStrings(a, b []string) bool {
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
