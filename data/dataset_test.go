package data

import (
	"math"
	"strings"
	"testing"
)

func TestNewDatasetErrors(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	for _, tc := range []struct {
		name     string
		x        []float32
		features int
		y        []float32
		width    int
		classes  []string
		want     string
	}{
		{"zero features", []float32{1}, 0, []float32{0}, 1, nil, "features must be positive"},
		{"ragged x", []float32{1, 2, 3}, 2, []float32{0}, 1, nil, "do not divide"},
		{"rows disagree", []float32{1, 2, 3, 4}, 2, []float32{0}, 1, nil, "2 rows of x but 1 target"},
		{"NaN", []float32{1, 2, 3, nan}, 2, []float32{0, 1}, 1, nil, "row 1 column 1"},
		{"Inf", []float32{inf, 2}, 2, []float32{0}, 1, nil, "row 0 column 0"},
		{"fractional label", []float32{1, 2}, 1, []float32{0, 0.5}, 1, []string{"a", "b"}, "row 1: label 0.5"},
		{"label too large", []float32{1, 2}, 1, []float32{0, 2}, 1, []string{"a", "b"}, "row 1: label 2"},
		{"negative label", []float32{1}, 1, []float32{-1}, 1, []string{"a", "b"}, "row 0: label -1"},
		{"bad width", []float32{1}, 1, []float32{0, 0, 0}, 3, []string{"a", "b"}, "target width 1 (indices) or 2"},
	} {
		_, err := NewDataset(tc.name, tc.x, tc.features, tc.y, tc.width, tc.classes)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestDatasetAccessors(t *testing.T) {
	d, err := NewDataset("t", []float32{1, 2, 3, 4, 5, 6}, 2, []float32{2, 0, 1}, 1, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 3 || d.Features() != 2 || d.TargetWidth() != 1 || d.NumClasses() != 3 {
		t.Fatalf("shape %d %d %d %d", d.Len(), d.Features(), d.TargetWidth(), d.NumClasses())
	}
	if got := d.Row(1); got[0] != 3 || got[1] != 4 || len(got) != 2 {
		t.Errorf("Row(1) = %v", got)
	}
	if got := d.Labels(); got[0] != 2 || got[1] != 0 || got[2] != 1 {
		t.Errorf("Labels = %v", got)
	}
	x := make([]float32, 4)
	y := make([]float32, 2)
	d.Fill([]int{2, 0}, x, y)
	if x[0] != 5 || x[1] != 6 || x[2] != 1 || x[3] != 2 || y[0] != 1 || y[1] != 2 {
		t.Errorf("Fill: x %v y %v", x, y)
	}
	c := d.Clone()
	c.X[0] = 100
	c.Classes[0] = "z"
	if d.X[0] != 1 || d.Classes[0] != "a" {
		t.Error("Clone shares storage with the original")
	}
	if _, err := d.Take("bad", []int{3}); err == nil {
		t.Error("Take out of range: no error")
	}
}

func TestOneHot(t *testing.T) {
	got, err := OneHot([]int{2, 0, 1}, 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 1, 1, 0, 0, 0, 1, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("OneHot = %v, want %v", got, want)
		}
	}
	for _, tc := range []struct {
		labels  []int
		classes int
		want    string
	}{
		{[]int{0, 3}, 3, "label 3 at position 1"},
		{[]int{-1}, 3, "label -1 at position 0"},
		{[]int{0}, 0, "classes must be positive"},
	} {
		if _, err := OneHot(tc.labels, tc.classes); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("OneHot(%v, %d): error %v, want %q", tc.labels, tc.classes, err, tc.want)
		}
	}

	iris, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	oh, err := iris.OneHot()
	if err != nil {
		t.Fatal(err)
	}
	if oh.TargetWidth() != 3 || oh.NumClasses() != 3 || oh.Len() != 150 {
		t.Fatalf("one-hot iris: width %d classes %d len %d", oh.TargetWidth(), oh.NumClasses(), oh.Len())
	}
	for i := 0; i < oh.Len(); i++ {
		if oh.Label(i) != iris.Label(i) {
			t.Fatalf("row %d: one-hot label %d, sparse %d", i, oh.Label(i), iris.Label(i))
		}
		var sum float32
		for _, v := range oh.Target(i) {
			sum += v
		}
		if sum != 1 || oh.Target(i)[iris.Label(i)] != 1 {
			t.Fatalf("row %d: target %v", i, oh.Target(i))
		}
	}
	if _, err := oh.OneHot(); err == nil {
		t.Error("OneHot of one-hot data: no error")
	}
}

func TestViews(t *testing.T) {
	d, _ := NewDataset("v", []float32{0, 10, 20, 30, 40}, 1, []float32{0, 1, 0, 1, 0}, 1, []string{"a", "b"})
	fill := func(s Source) []float32 {
		idx := make([]int, s.Len())
		for i := range idx {
			idx[i] = i
		}
		x := make([]float32, s.Len())
		s.Fill(idx, x, nil)
		return x
	}
	sub, err := Subset(d, []int{4, 1, 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := fill(sub); got[0] != 40 || got[1] != 10 || got[2] != 30 {
		t.Errorf("Subset = %v", got)
	}
	sl, err := Slice(d, 3, 5)
	if err != nil {
		t.Fatal(err)
	}
	if got := fill(sl); len(got) != 2 || got[0] != 30 || got[1] != 40 {
		t.Errorf("Slice = %v", got)
	}
	if LabelOf(sl, 0) != 1 || LabelOf(sub, 0) != 0 {
		t.Errorf("LabelOf: %d %d", LabelOf(sl, 0), LabelOf(sub, 0))
	}
	// Views of views compose.
	sub2, err := Subset(sub, []int{2, 0})
	if err != nil {
		t.Fatal(err)
	}
	if got := fill(sub2); got[0] != 30 || got[1] != 40 {
		t.Errorf("Subset of Subset = %v", got)
	}
	sl2, err := Slice(sl, 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := fill(sl2); got[0] != 40 {
		t.Errorf("Slice of Slice = %v", got)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"Subset index too large", second(Subset(d, []int{5}))},
		{"Subset negative index", second(Subset(d, []int{-1}))},
		{"Slice past end", second(Slice(d, 2, 6))},
		{"Slice reversed", second(Slice(d, 3, 2))},
		{"Slice of nil", second(Slice(nil, 0, 0))},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func second(_ Source, err error) error { return err }
