// Package figure says which metrics.json keys are loss or metric figures
// and how a report prints them: with four decimals, as Keras's logs do
// (1.0000 beside 0.9375, not 1). Package report writes them so and its
// checker, reportcheck, holds pages to it.
package figure

import (
	"strconv"
	"strings"
)

// Is reports whether a metrics.json key names a loss or metric figure: the
// training history's keys (loss, accuracy, val_loss, ...) under final_ or
// best_epoch_, and any key whose last word is loss or accuracy, or
// accuracy followed by how it was computed (test_accuracy_predict). Counts
// such as best_epoch are not figures.
func Is(key string) bool {
	if strings.HasPrefix(key, "final_") || strings.HasPrefix(key, "best_epoch_") {
		return true
	}
	return strings.HasSuffix(key, "loss") || strings.HasSuffix(key, "accuracy") || strings.Contains(key, "accuracy_")
}

// Format prints a figure with four decimals.
func Format(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
