package report

import (
	"github.com/gradgraph/gradgraph/train"
)

// Training writes h to dir/history.csv and its curves, marking bestEpoch
// (0-based; negative for none), to dir/curves.png. A checkpoint evaluated
// with no further epochs has nothing to plot, so then only the (empty)
// history is written.
func Training(dir, title string, h *train.History, bestEpoch int) error {
	if err := History(dir, h); err != nil {
		return err
	}
	if len(h.Epoch) == 0 {
		return nil
	}
	_, err := Curves(dir, title, h, bestEpoch)
	return err
}
