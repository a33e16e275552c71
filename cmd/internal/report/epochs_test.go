package report

import (
	"testing"
	"time"
)

// TestEpochTimes: the callback records one time per epoch, Total adds
// them and PerSecond divides the samples of every epoch by it (0 before
// any epoch).
func TestEpochTimes(t *testing.T) {
	var e EpochTimes
	if e.PerSecond(100) != 0 || e.Total() != 0 {
		t.Errorf("no epochs: %v samples/s, %v s", e.PerSecond(100), e.Total())
	}
	cb := e.Callback()
	for epoch := 0; epoch < 2; epoch++ {
		if err := cb.OnEpochBegin(nil, epoch); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
		if err := cb.OnEpochEnd(nil, epoch, nil); err != nil {
			t.Fatal(err)
		}
	}
	if len(e.Seconds) != 2 || !(e.Seconds[0] >= 1e-3) || !(e.Seconds[1] >= 1e-3) {
		t.Fatalf("Seconds %v, want two of at least 1 ms", e.Seconds)
	}
	e.Seconds = []float64{0.5, 1.5}
	if e.Total() != 2 || e.PerSecond(100) != 100 {
		t.Errorf("epochs of 0.5 and 1.5 s: total %v, %v samples/s; want 2 and 100", e.Total(), e.PerSecond(100))
	}
}
