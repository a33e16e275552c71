package train

import (
	"fmt"
	"io"

	"github.com/pkg/errors"
)

// EarlyStopping stops training when a monitored figure has stopped
// improving, with Keras 3's semantics:
//
//   - an epoch improves on the best so far when it is better by more than
//     MinDelta (lower for "min", higher for "max");
//   - training stops at the end of the epoch at which Patience epochs have
//     passed since the last improvement (never after the first epoch);
//   - with RestoreBestWeights, every weight (BatchNorm's moving statistics
//     included) is set back at the end of training to its value after the
//     best epoch, whether or not training stopped early;
//   - epochs before StartFromEpoch are not monitored.
type EarlyStopping struct {
	NopCallback
	Monitor            string   // default "val_loss"
	MinDelta           float64  // minimum change that counts as improvement
	Patience           int      // epochs without improvement before stopping
	Mode               string   // "min", "max" or "auto" (max for accuracy-like names)
	Baseline           *float64 // if set, an epoch must also beat it to reset the wait
	RestoreBestWeights bool
	StartFromEpoch     int
	Verbose            io.Writer // where to report stopping and restoring; nil for silence

	// Set during training.
	Best         float64
	BestEpoch    int // 0-based
	StoppedEpoch int // 0-based; 0 when training ran to the end
	wait         int
	mon          monitor
	bestWeights  [][]float64
}

// OnTrainBegin implements Callback.
func (e *EarlyStopping) OnTrainBegin(t *Trainer) error {
	if e.Monitor == "" {
		e.Monitor = "val_loss"
	}
	if e.Patience < 0 {
		return errors.Errorf("early stopping: patience must be ≥ 0, got %d", e.Patience)
	}
	mon, err := newMonitor(e.Monitor, e.Mode, e.MinDelta)
	if err != nil {
		return errors.Wrap(err, "early stopping")
	}
	e.mon, e.Best = mon, mon.worst
	e.wait, e.StoppedEpoch, e.BestEpoch, e.bestWeights = 0, 0, 0, nil
	return nil
}

// OnEpochEnd implements Callback.
func (e *EarlyStopping) OnEpochEnd(t *Trainer, epoch int, logs Logs) error {
	current, err := e.mon.value(logs)
	if err != nil {
		return errors.Wrap(err, "early stopping")
	}
	if epoch < e.StartFromEpoch {
		return nil
	}
	if e.RestoreBestWeights && e.bestWeights == nil {
		e.bestWeights = t.snapshotWeights()
		e.BestEpoch = epoch
	}
	e.wait++
	if e.mon.better(current, e.Best) {
		e.Best, e.BestEpoch = current, epoch
		if e.RestoreBestWeights {
			e.bestWeights = t.snapshotWeights()
		}
		if e.Baseline == nil || e.mon.better(current, *e.Baseline) {
			e.wait = 0
		}
		return nil
	}
	if e.wait >= e.Patience && epoch > 0 {
		e.StoppedEpoch = epoch
		t.StopTraining()
	}
	return nil
}

// OnTrainEnd implements Callback.
func (e *EarlyStopping) OnTrainEnd(t *Trainer, logs Logs) error {
	if e.StoppedEpoch > 0 && e.Verbose != nil {
		fmt.Fprintf(e.Verbose, "Epoch %d: early stopping\n", e.StoppedEpoch+1)
	}
	if e.RestoreBestWeights && e.bestWeights != nil {
		if e.Verbose != nil {
			fmt.Fprintf(e.Verbose, "Restoring model weights from the end of the best epoch: %d.\n", e.BestEpoch+1)
		}
		return errors.Wrap(t.restoreWeights(e.bestWeights), "early stopping")
	}
	return nil
}
