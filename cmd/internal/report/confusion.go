package report

import (
	"github.com/pkg/errors"
)

// ConfusionMatrix counts samples by true class (row) and predicted class
// (column), as scikit-learn's confusion_matrix does.
func ConfusionMatrix(labels, predicted []int, classes int) ([][]int, error) {
	if len(labels) != len(predicted) {
		return nil, errors.Errorf("confusion matrix: %d labels, %d predictions", len(labels), len(predicted))
	}
	m := make([][]int, classes)
	for i := range m {
		m[i] = make([]int, classes)
	}
	for i, l := range labels {
		p := predicted[i]
		if l < 0 || l >= classes || p < 0 || p >= classes {
			return nil, errors.Errorf("confusion matrix: sample %d has label %d, prediction %d; want 0..%d", i, l, p, classes-1)
		}
		m[l][p]++
	}
	return m, nil
}

// Handful picks up to n samples to show: the first misclassified ones (up
// to half of n), where a reader learns most, then the first correct ones,
// in sample order.
func Handful(labels, predicted []int, n int) []int {
	pick := make([]bool, len(labels))
	count := 0
	for i := range labels {
		if count < n/2 && labels[i] != predicted[i] {
			pick[i] = true
			count++
		}
	}
	for i := range labels {
		if count < n && !pick[i] && labels[i] == predicted[i] {
			pick[i] = true
			count++
		}
	}
	for i := range labels {
		if count < n && !pick[i] {
			pick[i] = true
			count++
		}
	}
	var out []int
	for i, p := range pick {
		if p {
			out = append(out, i)
		}
	}
	return out
}
