package train

import (
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/internal/atomicfile"
)

// ModelCheckpoint saves the trainer (Trainer.Save) at the end of epochs,
// as Keras's callback of that name does: every epoch, or with SaveBestOnly
// only when the monitored figure improves on the best so far. Path may
// contain "{epoch}", replaced by the 1-based epoch number, to keep one file
// per epoch. Each save is atomic, so the last good checkpoint survives a
// crash, and a run stopped by a NaN loss never overwrites it. At the start
// of training the callback removes the temporary files that saves to paths
// of its pattern left when their process was killed (internal/atomicfile).
type ModelCheckpoint struct {
	NopCallback
	Path         string
	Monitor      string // default "val_loss"
	Mode         string // "min", "max" or "auto"
	SaveBestOnly bool
	Verbose      io.Writer

	Best  float64 // best monitored value so far
	Saved []string
	mon   monitor
}

// OnTrainBegin implements Callback.
func (c *ModelCheckpoint) OnTrainBegin(t *Trainer) error {
	if c.Path == "" {
		return errors.New("model checkpoint: no path")
	}
	if c.Monitor == "" {
		c.Monitor = "val_loss"
	}
	mon, err := newMonitor(c.Monitor, c.Mode, 0)
	if err != nil {
		return errors.Wrap(err, "model checkpoint")
	}
	c.mon, c.Best = mon, mon.worst
	c.removeStaleTemps()
	return nil
}

// removeStaleTemps removes the temporary files that saves to paths of
// this callback's pattern left when their process was killed mid-write.
// Each save cleans up after killed saves of its own path, but with
// "{epoch}" in the name the next run's saves may never write the killed
// epoch's path again. Only a pattern in the file name is matched, not in
// its folder.
func (c *ModelCheckpoint) removeStaleTemps() {
	dir, base := filepath.Split(c.Path)
	if strings.Contains(dir, "{epoch}") {
		return
	}
	if dir == "" {
		dir = "."
	}
	parts := strings.Split(base, "{epoch}")
	for i := range parts {
		parts[i] = regexp.QuoteMeta(parts[i])
	}
	re := regexp.MustCompile("^" + strings.Join(parts, "[0-9]+") + "$")
	atomicfile.RemoveStale(dir, re.MatchString)
}

// OnEpochEnd implements Callback.
func (c *ModelCheckpoint) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	path := strings.ReplaceAll(c.Path, "{epoch}", strconv.Itoa(epoch+1))
	if c.SaveBestOnly {
		current, err := c.mon.value(logs)
		if err != nil {
			return errors.Wrap(err, "model checkpoint")
		}
		if !c.mon.better(current, c.Best) {
			if c.Verbose != nil {
				fmt.Fprintf(c.Verbose, "Epoch %d: %s did not improve from %.5f\n", epoch+1, c.Monitor, c.Best)
			}
			return nil
		}
		if c.Verbose != nil {
			fmt.Fprintf(c.Verbose, "Epoch %d: %s improved from %.5f to %.5f, saving model to %s\n", epoch+1, c.Monitor, c.Best, current, path)
		}
		c.Best = current
	} else if c.Verbose != nil {
		fmt.Fprintf(c.Verbose, "Epoch %d: saving model to %s\n", epoch+1, path)
	}
	if err := t.Save(path); err != nil {
		return errors.Wrap(err, "model checkpoint")
	}
	c.Saved = append(c.Saved, path)
	return nil
}
