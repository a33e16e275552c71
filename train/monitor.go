package train

import (
	"math"
	"sort"
	"strings"

	"github.com/pkg/errors"
)

// monitor decides whether a monitored figure improved, for EarlyStopping
// and ModelCheckpoint, with Keras's modes: "min", "max", or "auto" (max for
// names containing "acc" or "auc", else min). An improvement must beat the
// best by more than minDelta.
type monitor struct {
	key    string
	better func(current, best float64) bool
	worst  float64 // starting "best"
}

func newMonitor(key, mode string, minDelta float64) (monitor, error) {
	delta := math.Abs(minDelta)
	max := false
	switch mode {
	case "", "auto":
		n := strings.TrimPrefix(key, "val_")
		max = strings.Contains(n, "acc") || strings.Contains(n, "auc")
	case "min":
	case "max":
		max = true
	default:
		return monitor{}, errors.Errorf("mode %q, want min, max or auto", mode)
	}
	if max {
		return monitor{key, func(a, b float64) bool { return a-delta > b }, math.Inf(-1)}, nil
	}
	return monitor{key, func(a, b float64) bool { return a+delta < b }, math.Inf(1)}, nil
}

// value reads the monitored figure from logs.
func (m monitor) value(logs Logs) (float64, error) {
	v, ok := logs[m.key]
	if !ok {
		have := make([]string, 0, len(logs))
		for k := range logs {
			have = append(have, k)
		}
		sort.Strings(have)
		return 0, errors.Errorf("%q is not among the logs (%s)", m.key, strings.Join(have, ", "))
	}
	return v, nil
}
