package train

import (
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/internal/split"
)

// threadLog is a data source whose Fill notes the OS thread that calls it
// and then sleeps a little, as a source reading a file would: a goroutine
// that blocks is free to be resumed by any of the process's threads
// unless it holds its own.
type threadLog struct {
	data.Source // not a ConcurrentFiller: Fill runs on the trainer's goroutine
	mu          sync.Mutex
	tids        map[int]int
}

func (s *threadLog) Fill(idx []int, x, y []float32) {
	s.mu.Lock()
	s.tids[syscall.Gettid()]++
	s.mu.Unlock()
	time.Sleep(50 * time.Microsecond)
	s.Source.Fill(idx, x, y)
}

func (s *threadLog) reset() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.tids
	s.tids = map[int]int{}
	return old
}

// TestInlineStepKeepsItsThread checks that Fit's steps, run inline
// (the step gate's mode Serial, as the gate runs a step it finds no faster
// split), each run on the thread they start on at GOMAXPROCS 2
// (inlineStep), though the source sleeps in every Fill: without the hold
// the goroutine is resumed by whichever thread is free, and a 5-epoch Fit
// here saw its Fills on 3 or 4 threads. Between steps it is not held, but
// nothing moves a goroutine that does not stop, so the whole Fit keeps one.
func TestInlineStepKeepsItsThread(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	tr := mnistTrainer(t, 1)
	tr.gate.mode = split.Serial
	src := &threadLog{Source: syntheticMNIST(512, 2), tids: map[int]int{}}
	if _, err := tr.Fit(src, FitOptions{Epochs: 5, BatchSize: 32, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	// Fit's checks before the first step fill a sample too, off the steps.
	tids := src.reset()
	most := 0
	for _, n := range tids {
		most = max(most, n)
	}
	if steps := 5 * 512 / 32; most < steps {
		t.Errorf("the steps' Fills ran on %d threads (calls per thread id: %v), want every one of the %d steps' on one", len(tids), tids, steps)
	}
}
