package kernels

import (
	"runtime"

	"github.com/gradgraph/gradgraph/internal/split"
)

// The kernels' parallel loops: how many parts a loop is worth (the floors
// of thresholds.go and the Choices below) is decided here; the parts run on
// internal/split's worker pool, the one pool of the process.

// ParallelRows runs fn over [0, n) split into contiguous chunks
// (split.Chunks, on the pool's workers) when the work, n·cost element
// operations, is at least ParallelMin, and inline otherwise. The chunks
// are at most GOMAXPROCS, at most one per ParallelMin of work (a chunk must
// be worth its hand-off), and as many as have measured fastest for work of
// this size (rowsChoice: inline, 2, 4, ... of them). fn's results must not
// depend on the chunks (every caller computes each output element within
// one chunk), since the choice follows timings.
func ParallelRows(n, cost int, fn func(lo, hi int)) {
	work := n * cost
	parts := splitBound(n, work, ParallelMin)
	if parts <= 1 {
		fn(0, n)
		return
	}
	rowsChoice.Run(work, parts, func(parts int) { split.Chunks(n, parts, fn) })
}

// splitBound is the most chunks a loop of n items and the given work is
// cut into: GOMAXPROCS, at most n, and no more than one per floor units of
// work, except that a loop of at least floor is worth two (the floors are
// where a split in two pays). Below floor, or on one core, it is 1.
func splitBound(n, work, floor int) int {
	p := runtime.GOMAXPROCS(0)
	if p <= 1 || work < floor {
		return 1
	}
	return min(p, n, max(2, work/floor))
}

// rowsChoice decides, per order of magnitude of work, how many chunks
// ParallelRows's splits pay for on this machine under its present load
// (internal/split).
var rowsChoice split.Choice

// ParallelElems runs an elementwise update fn over [0, n) in contiguous
// chunks when n is at least ChunkMin elements, at most one chunk per core
// and per ChunkMin elements, as many as have measured fastest
// (elemsChoice), and inline otherwise. The chunks are disjoint and
// elementwise updates give the same result either way.
func ParallelElems(n int, fn func(lo, hi int)) {
	parts := splitBound(n, n, ChunkMin)
	if parts <= 1 {
		fn(0, n)
		return
	}
	elemsChoice.Run(n, parts, func(parts int) { split.Chunks(n, parts, fn) })
}

var elemsChoice split.Choice

// ParallelTasks runs fn(i) for every task i in [0, n) on up to GOMAXPROCS
// goroutines (split.Tasks: the caller, the pool's spinning workers and new
// goroutines, each taking the next task not yet taken). It is for loops of
// many tasks of similar size, each worth tens of microseconds or more (the
// samples of a batch, in groups); fn must write results that depend on i
// alone. With GOMAXPROCS 1, one task, or inside split.Inline, the tasks
// run in order on the caller.
func ParallelTasks(n int, fn func(i int)) {
	split.Tasks(n, TaskWorkers(n), func(i, _ int) { fn(i) })
}

// TaskWorkers is how many goroutines ParallelTasks runs n tasks on:
// GOMAXPROCS, at most n, at least 1. A caller that keeps scratch per
// goroutine sizes it with this and passes the same count to
// ParallelTasksOn.
func TaskWorkers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }

// ParallelTasksOn is ParallelTasks on at most workers goroutines, telling
// fn which one runs the task: fn(i, w) with w in [0, workers), no two
// tasks running at once with the same w, so that w can pick a scratch
// buffer of the caller's (split.Tasks).
func ParallelTasksOn(n, workers int, fn func(i, w int)) { split.Tasks(n, workers, fn) }
