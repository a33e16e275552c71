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
// decides from its own time whether its split pays; on the 2-core
// development VM those choices, each a win on its own, made the 512-unit
// MNIST nets up to 12% slower at GOMAXPROCS 2 than at 1 (rmsprop and the
// zero-pixel scan took three times the CPU split in two). The gate times
// steps with the loops as they choose against steps run inline
// (split.Inline), per batch size, in the probe windows of a split.Choice,
// and keeps the faster: more cores can then cost a step at most what the
// probes cost.
type stepGate struct {
	c split.Choice
}

func newStepGate() stepGate { return stepGate{c: split.Choice{Margin: stepGateMargin}} }

// run runs step, a training step of rows samples, inline or with its loops
// free to split, as the gate finds faster.
func (g *stepGate) run(rows int, step func()) {
	ways := 1
	if runtime.GOMAXPROCS(0) > 1 {
		ways = 2
	}
	g.c.Run(rows, ways, func(parts int) {
		if parts == 1 {
			split.Inline(step)
			return
		}
		step()
	})
}
