package report

import (
	"reflect"
	"testing"
)

func TestConfusionMatrix(t *testing.T) {
	m, err := ConfusionMatrix([]int{0, 0, 1, 2, 2, 2}, []int{0, 1, 1, 2, 0, 2}, 3)
	want := [][]int{{1, 1, 0}, {0, 1, 0}, {1, 0, 2}}
	if err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, %v; want %v", m, err, want)
	}
	for _, tc := range []struct {
		name              string
		labels, predicted []int
	}{
		{"lengths differ", []int{0}, []int{0, 1}},
		{"label out of range", []int{3}, []int{0}},
		{"negative prediction", []int{0}, []int{-1}},
	} {
		if _, err := ConfusionMatrix(tc.labels, tc.predicted, 3); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestHandful(t *testing.T) {
	labels := []int{0, 1, 1, 2, 0, 1, 2}
	predicted := []int{0, 0, 1, 1, 0, 0, 2}
	for _, tc := range []struct {
		name string
		n    int
		want []int
	}{
		{"half wrong, half right", 4, []int{0, 1, 2, 3}},
		{"odd: the extra one right", 5, []int{0, 1, 2, 3, 4}},
		{"more than the samples", 10, []int{0, 1, 2, 3, 4, 5, 6}},
		{"one: a right one", 1, []int{0}},
		{"none", 0, nil},
	} {
		if got := Handful(labels, predicted, tc.n); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: Handful(n=%d) = %v, want %v", tc.name, tc.n, got, tc.want)
		}
	}
	// All wrong: the misclassified fill the places of the right ones.
	if got := Handful([]int{1, 1, 1}, []int{0, 0, 0}, 3); !reflect.DeepEqual(got, []int{0, 1, 2}) {
		t.Errorf("all wrong: %v", got)
	}
}
