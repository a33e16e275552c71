package train

import (
	"runtime"

	"github.com/gradgraph/gradgraph/internal/split"
)

// stepGateMargin is how much faster, timed over whole steps, a step with
// its loops split must be than the same step on one core. A step's time
// holds every cost of its splits (the data moved to other cores' caches
// and back, the workers' spin), which a loop's own time does not, so a
// small margin suffices here where the loops want split.DefaultMargin.
const stepGateMargin = 0.97

// A stepGate decides, from the time of whole training steps, whether the
// loops of a step may split across cores at all. Each loop's own Choice
// decides from its own time whether its split pays; those choices, each a
// win on its own, added up to 512-unit MNIST steps slower on two cores
// than on one on the 2-core development VM, where RMSprop's update and the
// zero-pixel scan took far more CPU split in two than inline
// (cmd/mnistbench -matrix -cpu 1,2; BENCHMARKS.md, "Step gate"). The gate
// times steps with the loops as they choose against steps run inline
// (split.Inline), per batch size, in the probe windows of a split.Choice,
// and keeps the faster: more cores can then cost a step at most what the
// probes cost.
//
// The gate is the trainer's own (Trainer.gate), and so is its decision:
// split.Inline binds it to the goroutine running the step, so that the
// steps of other trainers, on their own goroutines, keep theirs
// (TestStepGatePerTrainer).
type stepGate struct {
	c split.Choice
	// mode, when not Auto, runs every step in that mode (split.In:
	// Serial inline, Split with every loop at its most parts) instead of
	// deciding; tests set it.
	mode split.Mode
}

func newStepGate() stepGate { return stepGate{c: split.Choice{Margin: stepGateMargin}} }

// run runs step, a training step of rows samples, inline or with its loops
// free to split, as the gate finds faster (or as its mode says).
func (g *stepGate) run(rows int, step func()) {
	switch g.mode {
	case split.Serial:
		inlineStep(step)
		return
	case split.Split:
		split.In(g.mode, step)
		return
	}
	ways := 1
	if runtime.GOMAXPROCS(0) > 1 {
		ways = 2
	}
	g.c.Run(rows, ways, func(parts int) {
		if parts == 1 {
			inlineStep(step)
			return
		}
		step()
	})
}

// inlineStep runs step with its loops inline (split.Inline), on the thread
// it starts on when there is more than one P.
//
// An inline step reads and writes the same few megabytes every step (the
// weights, the optimiser's state, the batch's activations), which stay in
// the caches of the core that runs it. Go's scheduler moves a goroutine
// between its threads whenever it stops for a moment: the runtime preempts
// a goroutine every 10 ms and puts it on the global queue, where an idle P's
// thread, on another core, often takes it; a Fill that waits for a file is
// resumed by whichever thread is free. On the 2-core development VM, with
// every step of a 512-unit MNIST net inline, an epoch took 3-5% longer at
// GOMAXPROCS 2 than at 1 for that alone, and as long as at 1 with the
// thread held or the process pinned to one CPU (BENCHMARKS.md, "One thread
// for an inline step"). A step whose loops split is not held: its waits for
// the pool's workers would each become a hand-over between threads (a held
// goroutine that blocks gives its P away and sleeps with its thread), and
// with every loop split that made the same epochs 10-30% slower.
func inlineStep(step func()) {
	if runtime.GOMAXPROCS(0) > 1 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
	}
	split.Inline(step)
}
