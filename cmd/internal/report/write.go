package report

import (
	"encoding/json"
	"maps"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/train"
)

// Write writes a run's outputs to dir: history.csv and curves.png
// (Training), the report's figures (confusion.png, model.png,
// prediction_N.png and, for images, sample_N.png), metrics.json, and last,
// once all of those succeeded, report.md and report.html. metrics.json
// gains the history's last-epoch (final_<key>) and best-epoch
// (best_epoch_<key>) figures and the confusion matrix; the report is
// rendered from metrics.json as written, decoded again, so that every
// figure on the page is the one in the file.
func Write(dir string, r Report) error {
	m := maps.Clone(r.Metrics)
	if m == nil {
		m = map[string]any{}
	}
	addHistory(m, r.History, r.BestEpoch)
	if r.Confusion != nil {
		m["confusion_matrix"] = r.Confusion
	}
	h := r.History
	if h == nil {
		h = &train.History{}
	}
	if err := Training(dir, r.CurvesTitle, h, r.BestEpoch); err != nil {
		return err
	}
	figs, err := writeFigures(dir, r)
	if err != nil {
		return err
	}
	raw, err := metricsJSON(m)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "metrics.json"), raw); err != nil {
		return errors.Wrap(err, "metrics.json")
	}
	var written map[string]any
	if err := json.Unmarshal(raw, &written); err != nil {
		return errors.Wrap(err, "metrics.json read back")
	}
	p, err := newPage(dir, r, written, figs)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "report.md"), p.markdown()); err != nil {
		return errors.Wrap(err, "report.md")
	}
	page, err := p.html()
	if err != nil {
		return err
	}
	return errors.Wrap(atomicfile.WriteBytes(filepath.Join(dir, "report.html"), page), "report.html")
}

// addHistory adds h's figures at its last epoch and, when best is an epoch
// of h, at the best one, as final_<key> and best_epoch_<key>.
func addHistory(m map[string]any, h *train.History, best int) {
	if h == nil || len(h.Epoch) == 0 {
		return
	}
	last := len(h.Epoch) - 1
	for _, k := range h.Keys {
		v := h.Logs[k]
		if len(v) <= last {
			continue
		}
		m["final_"+k] = v[last]
		if best >= 0 && best <= last {
			m["best_epoch_"+k] = v[best]
		}
	}
}

// historySections are the tables of addHistory's figures.
func historySections(h *train.History, best int) []Section {
	if h == nil || len(h.Epoch) == 0 {
		return nil
	}
	final := Section{Title: "Last epoch"}
	for _, k := range h.Keys {
		final.Rows = append(final.Rows, Row{Label: k, Key: "final_" + k})
	}
	out := []Section{final}
	if best >= 0 && best < len(h.Epoch) {
		s := Section{Title: "Best epoch (weights restored)"}
		for _, k := range h.Keys {
			s.Rows = append(s.Rows, Row{Label: k, Key: "best_epoch_" + k})
		}
		out = append(out, s)
	}
	return out
}
