package train

import (
	"runtime"
	"sync"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/split"
)

// fillSizes is synthetic MNIST that records how many samples each Fill
// call was given. *data.Images fills concurrently, so a step's fill is
// shared out in one chunk of samples per core (kernels.ParallelElems)
// when its loops may split, and is one call when they run inline.
type fillSizes struct {
	*data.Images
	mu    sync.Mutex
	sizes map[int]int // samples per call → calls
}

func (s *fillSizes) Fill(idx []int, x, y []float32) {
	s.mu.Lock()
	s.sizes[len(idx)]++
	s.mu.Unlock()
	s.Images.Fill(idx, x, y)
}

// TestStepGatePerTrainer trains two MNIST recipes at once in one process,
// one trainer's steps forced inline (its gate's mode Serial) and the
// other's forced to split (Split), and checks that each keeps its own
// behaviour throughout (every fill of the first is one call of a whole
// batch, every fill of the second two calls of half a batch: neither
// trainer's mode reaches the other's steps), and that each ends with the
// same weights, bit for bit, as when it trained alone.
func TestStepGatePerTrainer(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const n, batch, epochs = 512, 128, 3
	if batch*784 < 2*kernels.ChunkMin {
		t.Fatalf("a batch of %d elements is not worth two chunks (ChunkMin %d): the test would not split", batch*784, kernels.ChunkMin)
	}
	type run struct {
		tr  *Trainer
		src *fillSizes
	}
	start := func(mode split.Mode) run {
		tr := mnistTrainer(t, 1)
		tr.gate.mode = mode
		return run{tr, &fillSizes{Images: syntheticMNIST(n, 2), sizes: map[int]int{}}}
	}
	fit := func(r run) error {
		_, err := r.tr.Fit(r.src, FitOptions{Epochs: epochs, BatchSize: batch, Seed: 1})
		return err
	}
	steps := epochs * n / batch
	check := func(what string, mode split.Mode, r run) {
		t.Helper()
		want := map[int]int{batch: steps}
		if mode == split.Split {
			want = map[int]int{batch / 2: 2 * steps}
		}
		delete(r.src.sizes, n) // Fit checks every target once, before the steps
		if len(r.src.sizes) != len(want) || r.src.sizes[batch] != want[batch] || r.src.sizes[batch/2] != want[batch/2] {
			t.Errorf("%s, mode %d: Fill calls by samples %v, want %v", what, mode, r.src.sizes, want)
		}
	}

	alone := map[split.Mode]string{}
	for _, mode := range []split.Mode{split.Serial, split.Split} {
		r := start(mode)
		if err := fit(r); err != nil {
			t.Fatal(err)
		}
		check("alone", mode, r)
		alone[mode] = weightHash(r.tr)
	}
	if alone[split.Serial] != alone[split.Split] {
		t.Fatalf("inline and split steps gave different weights alone: %s and %s", alone[split.Serial], alone[split.Split])
	}

	for round := 0; round < 2; round++ {
		runs := map[split.Mode]run{split.Serial: start(split.Serial), split.Split: start(split.Split)}
		var wg sync.WaitGroup
		errs := make(chan error, len(runs))
		for _, r := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- fit(r)
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for mode, r := range runs {
			check("beside the other", mode, r)
			if got := weightHash(r.tr); got != alone[mode] {
				t.Errorf("round %d, mode %d: weights %s beside the other trainer, %s alone", round, mode, got, alone[mode])
			}
		}
	}
}
