package data

import (
	"reflect"
	"strings"
	"testing"
)

func TestJoinInterleavesRows(t *testing.T) {
	a, err := NewDataset("a", []float32{1, 2, 3, 4, 5, 6}, 2, []float32{0, 1, 2}, 1, []string{"x", "y", "z"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewDataset("b", []float32{10, 20, 30}, 1, []float32{7, 8, 9}, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	j, err := Join([]Named{{"b", b}, {"a", a}}, []Named{{"size", b}, {"kind", a}})
	if err != nil {
		t.Fatal(err)
	}
	if j.Len() != 3 || j.Features() != 3 || j.TargetWidth() != 2 || j.NumClasses() != 0 {
		t.Fatalf("len %d, features %d, targets %d, classes %d", j.Len(), j.Features(), j.TargetWidth(), j.NumClasses())
	}
	x, y := make([]float32, 2*3), make([]float32, 2*2)
	j.Fill([]int{2, 0}, x, y)
	if want := []float32{30, 5, 6, 10, 1, 2}; !reflect.DeepEqual(x, want) {
		t.Errorf("features %v, want %v (b then a, samples 2 and 0)", x, want)
	}
	if want := []float32{9, 2, 7, 0}; !reflect.DeepEqual(y, want) {
		t.Errorf("targets %v, want %v", y, want)
	}
	r, err := j.Arrange([]string{"a", "b"}, []string{"kind", "size"})
	if err != nil {
		t.Fatal(err)
	}
	r.Fill([]int{1}, x[:3], y[:2])
	if want := []float32{3, 4, 20}; !reflect.DeepEqual(x[:3], want) {
		t.Errorf("arranged features %v, want %v", x[:3], want)
	}
	if want := []float32{1, 8}; !reflect.DeepEqual(y[:2], want) {
		t.Errorf("arranged targets %v, want %v", y[:2], want)
	}
	for _, tc := range []struct {
		in, out []string
		want    string
	}{
		{[]string{"a"}, []string{"kind", "size"}, `input "b" is not one of the model's`},
		{[]string{"a", "b", "c"}, []string{"kind", "size"}, `input "c" has no data`},
		{[]string{"a", "b"}, []string{"kind"}, `target "size" is not one of the model's`},
	} {
		if _, err := j.Arrange(tc.in, tc.out); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Arrange(%v, %v): %v, want %q", tc.in, tc.out, err, tc.want)
		}
	}
	short, _ := NewDataset("short", []float32{1}, 1, nil, 0, nil)
	for _, tc := range []struct {
		in, out []Named
		want    string
	}{
		{nil, nil, "no inputs"},
		{[]Named{{"", a}}, nil, "input 0 has no name"},
		{[]Named{{"a", a}, {"a", b}}, nil, `two inputs are named "a"`},
		{[]Named{{"a", nil}}, nil, `input "a" has no data`},
		{[]Named{{"a", a}, {"s", short}}, nil, `input "s" has 1 samples`},
	} {
		if _, err := Join(tc.in, tc.out); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Join: %v, want %q", err, tc.want)
		}
	}
}
