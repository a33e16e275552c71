package data

import (
	"reflect"
	"testing"
)

func TestShapeOf(t *testing.T) {
	d, err := Digits()
	if err != nil {
		t.Fatal(err)
	}
	im, err := NewImages("im", make([]byte, 2*3*4), 3, 4, []byte{0, 1}, []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := Subset(d, []int{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	sl, err := Slice(im, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	take, err := d.Take("t", []int{0})
	if err != nil {
		t.Fatal(err)
	}
	flat := d.Clone()
	flat.SampleShape = []int{7, 9} // does not hold 64 values: ignored
	cases := []struct {
		name string
		src  Source
		want []int
	}{
		{"digits", d, []int{8, 8, 1}},
		{"images", im, []int{3, 4, 1}},
		{"subset of digits", sub, []int{8, 8, 1}},
		{"slice of images", sl, []int{3, 4, 1}},
		{"take keeps the shape", take, []int{8, 8, 1}},
		{"inconsistent shape", flat, []int{64}},
		{"iris", mustIris(t), []int{4}},
	}
	for _, c := range cases {
		if got := ShapeOf(c.src); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: shape %v, want %v", c.name, got, c.want)
		}
	}
}

func mustIris(t *testing.T) *Dataset {
	t.Helper()
	d, err := Iris()
	if err != nil {
		t.Fatal(err)
	}
	return d
}
