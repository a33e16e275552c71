package report

import (
	"bytes"
	"encoding/json"
	"math"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// History writes h to dir/history.csv.
func History(dir string, h *train.History) error {
	return atomicfile.Write(filepath.Join(dir, "history.csv"), h.WriteCSV)
}

// Metrics writes m to dir/metrics.json, indented, keys sorted.
//
// JSON has no NaN or infinity, and encoding/json refuses them, which failed
// a run at its very end (after history.csv was written) when a test loss
// came out NaN. Non-finite numbers, alone or in a list, are written as the
// strings "NaN", "+Inf" and "-Inf" instead, as a reader can see and parse.
func Metrics(dir string, m map[string]any) error {
	b, err := metricsJSON(m)
	if err != nil {
		return err
	}
	return atomicfile.WriteBytes(filepath.Join(dir, "metrics.json"), b)
}

// metricsJSON encodes m as metrics.json holds it.
func metricsJSON(m map[string]any) ([]byte, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = finiteJSON(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return nil, errors.Wrap(err, "metrics.json")
	}
	return buf.Bytes(), nil
}

// finiteJSON replaces non-finite float64s in v (a number or a list of
// them) with their names.
func finiteJSON(v any) any {
	name := func(x float64) any {
		switch {
		case math.IsNaN(x):
			return "NaN"
		case math.IsInf(x, 1):
			return "+Inf"
		case math.IsInf(x, -1):
			return "-Inf"
		}
		return x
	}
	switch x := v.(type) {
	case float64:
		return name(x)
	case float32:
		return name(float64(x))
	case []float64:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = name(e)
		}
		return out
	}
	return v
}

// Curves draws h's loss and metric curves, training against validation, to
// dir/curves.png, marking bestEpoch (0-based; negative for none).
func Curves(dir, title string, h *train.History, bestEpoch int) (string, error) {
	path := filepath.Join(dir, "curves.png")
	return path, viz.TrainingCurves(path, viz.Curves{Title: title, Series: h.Logs, BestEpoch: bestEpoch + 1})
}
