package report

import (
	"time"

	"github.com/gradgraph/gradgraph/train"
)

// EpochTimes times each epoch of a Fit, for metrics.json's epoch_seconds:
// pass Callback() in FitOptions.Callbacks, then read Seconds.
type EpochTimes struct {
	Seconds []float64 // wall time of each epoch, in order
	start   time.Time
}

// Callback returns the callback that records the epochs.
func (e *EpochTimes) Callback() train.Callback {
	return train.CallbackFuncs{
		EpochBegin: func(_ *train.Trainer, _ int) error { e.start = time.Now(); return nil },
		EpochEnd: func(_ *train.Trainer, _ int, _ train.Logs) error {
			e.Seconds = append(e.Seconds, time.Since(e.start).Seconds())
			return nil
		},
	}
}

// Total is the sum of the epochs' times.
func (e *EpochTimes) Total() float64 {
	var s float64
	for _, v := range e.Seconds {
		s += v
	}
	return s
}

// PerSecond is the training samples per second over the timed epochs, of
// samples each; 0 when none ran.
func (e *EpochTimes) PerSecond(samples int) float64 {
	if t := e.Total(); t > 0 {
		return float64(samples*len(e.Seconds)) / t
	}
	return 0
}
