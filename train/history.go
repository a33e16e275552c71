package train

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// Logs maps figure names ("loss", "accuracy", "val_loss", ...) to values.
type Logs map[string]float64

// String lists the figures sorted by name, in Keras's "name: 0.1234" form.
func (l Logs) String() string {
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + kerasFloat(l[k])
	}
	return strings.Join(parts, " - ")
}

// kerasFloat formats a figure as Keras's progress bar does.
func kerasFloat(v float64) string {
	if v > 1e-3 || v < -1e-3 {
		return fmt.Sprintf("%.4f", v)
	}
	return fmt.Sprintf("%.4e", v)
}

// History records each epoch's logs (Keras's History.history).
type History struct {
	Epoch []int                // 0-based epoch numbers, as Keras
	Keys  []string             // loss, metrics, then their val_ partners
	Logs  map[string][]float64 // one value per epoch for each key
}

func newHistory(keys []string) *History {
	return &History{Keys: keys, Logs: map[string][]float64{}}
}

func (h *History) add(epoch int, logs Logs) {
	h.Epoch = append(h.Epoch, epoch)
	for _, k := range h.Keys {
		h.Logs[k] = append(h.Logs[k], logs[k])
	}
}

// WriteCSV writes one row per epoch: the 1-based epoch, then every key, with
// values in full precision so that two runs can be compared byte for byte.
func (h *History) WriteCSV(w io.Writer) error {
	if _, err := fmt.Fprintln(w, "epoch,"+strings.Join(h.Keys, ",")); err != nil {
		return err
	}
	for i, e := range h.Epoch {
		row := []string{strconv.Itoa(e + 1)}
		for _, k := range h.Keys {
			row = append(row, strconv.FormatFloat(h.Logs[k][i], 'g', -1, 64))
		}
		if _, err := fmt.Fprintln(w, strings.Join(row, ",")); err != nil {
			return err
		}
	}
	return nil
}
