package report

import (
	"encoding/json"
	"io"
	"path/filepath"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// History writes h to dir/history.csv.
func History(dir string, h *train.History) error {
	return atomicfile.Write(filepath.Join(dir, "history.csv"), h.WriteCSV)
}

// Metrics writes m to dir/metrics.json, indented, keys sorted.
func Metrics(dir string, m map[string]any) error {
	return atomicfile.Write(filepath.Join(dir, "metrics.json"), func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(m)
	})
}

// Curves draws h's loss and metric curves, training against validation, to
// dir/curves.png, marking bestEpoch (0-based; negative for none).
func Curves(dir, title string, h *train.History, bestEpoch int) (string, error) {
	path := filepath.Join(dir, "curves.png")
	return path, viz.TrainingCurves(path, viz.Curves{Title: title, Series: h.Logs, BestEpoch: bestEpoch + 1})
}
