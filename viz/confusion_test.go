package viz

import "testing"

func TestConfusionMatrixGolden(t *testing.T) {
	m := [][]int{
		{50, 0, 0},
		{0, 47, 3},
		{0, 4, 46},
	}
	classes := []string{"setosa", "versicolor", "virginica"}
	checkGolden(t, "confusion", 360, 360, func(p string) error {
		return ConfusionMatrix(p, m, classes, "Iris, test set")
	})
}

func TestConfusionMatrixZeros(t *testing.T) {
	m := [][]int{{0, 0}, {0, 0}}
	checkGolden(t, "confusion_zeros", 360, 360, func(p string) error {
		return ConfusionMatrix(p, m, nil, "")
	})
}

func TestConfusionMatrixErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		m       [][]int
		classes []string
	}{
		{"empty", nil, nil},
		{"ragged", [][]int{{1, 2}, {3}}, nil},
		{"names", [][]int{{1}}, []string{"a", "b"}},
		{"negative", [][]int{{-1}}, nil},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return ConfusionMatrix(p, tc.m, tc.classes, "")
		})
	}
}
