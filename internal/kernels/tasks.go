package kernels

import (
	"runtime"
	"sync/atomic"

	"github.com/gradgraph/gradgraph/internal/split"
)

// ParallelTasks runs fn(i) for every task i in [0, n), on the calling
// goroutine and up to GOMAXPROCS−1 helpers, each taking the next task not
// yet taken until none is left. It is for loops of many tasks of similar
// size, each worth tens of microseconds or more (the samples of a batch,
// in groups).
//
// The helpers are the pool's workers that are spinning (they take a task
// at once) and, for the rest, new goroutines. The caller never waits for
// a goroutine that has not started: it runs every task nobody else has
// taken and then waits only for the tasks already running elsewhere, one
// at most per helper, and a goroutine that starts late finds no task left
// and returns. A parked pool worker is not used: handed work, it must be
// woken and run before the caller may return, which on a machine whose
// cores are busy with other processes can take the OS a whole time slice.
// A spinning worker is used rather than left alone because it holds its
// core: its runtime.Gosched puts it back on the global run queue, which
// the scheduler looks at before stealing the caller's new goroutine, so
// for up to poolSpin after any pool loop a goroutine helper did not run
// (the MNIST convnet's first convolution, after the optimiser's loop, took
// longer at GOMAXPROCS 2 than at 1; the step went from 10.6–15.5 ms to
// 8.1–9.1 ms on an otherwise idle moment of the shared machine).
//
// Which goroutine runs a task varies from run to run, so fn must write
// results that depend on i alone (disjoint outputs): the results are then
// the same whatever GOMAXPROCS is. With GOMAXPROCS 1, one task, or inside
// split.Inline, the tasks run in order on the caller.
func ParallelTasks(n int, fn func(i int)) {
	ParallelTasksOn(n, TaskWorkers(n), func(i, _ int) { fn(i) })
}

// TaskWorkers is how many goroutines ParallelTasks runs n tasks on:
// GOMAXPROCS, at most n, at least 1. A caller that keeps scratch per
// goroutine sizes it with this and passes the same count to
// ParallelTasksOn.
func TaskWorkers(n int) int { return max(1, min(runtime.GOMAXPROCS(0), n)) }

// ParallelTasksOn is ParallelTasks on at most workers goroutines, telling
// fn which one runs the task: fn(i, w) with w in [0, workers), no two
// tasks running at once with the same w, so that w can pick a scratch
// buffer of the caller's.
func ParallelTasksOn(n, workers int, fn func(i, w int)) {
	p := min(workers, n)
	if p <= 1 || split.Inlined() {
		for i := 0; i < n; i++ {
			fn(i, 0)
		}
		return
	}
	s := &taskSet{n: int64(n), fn: fn}
	// Spinning pool workers first, goroutines for the rest (see above).
	// A worker seen idle may park before the post reaches it: post then
	// wakes it, and the caller waits for that once.
	var spinning []*poolWorker
	if !poolOff() && pool.mu.TryLock() {
		defer pool.mu.Unlock()
		for _, w := range pool.workers {
			if len(spinning) == p-1 {
				break
			}
			if w.state.Load() == workIdle {
				spinning = append(spinning, w)
			}
		}
	}
	for k, w := range spinning {
		w.post(func(int, int) { s.work(k + 1) }, 0, 0)
	}
	for k := len(spinning) + 1; k < p; k++ {
		go s.work(k)
	}
	s.work(0)
	for _, w := range spinning {
		w.wait()
	}
	for i := 1; s.done.Load() < s.n; i++ {
		cpuRelax()
		if i%64 == 0 {
			runtime.Gosched()
		}
	}
}

// taskSet is one ParallelTasksOn call, shared with its helpers (which may
// outlive the call: they then find next ≥ n and return).
type taskSet struct {
	n          int64
	next, done atomic.Int64
	fn         func(i, w int)
}

func (s *taskSet) work(w int) {
	for {
		i := s.next.Add(1) - 1
		if i >= s.n {
			return
		}
		s.fn(int(i), w)
		s.done.Add(1)
	}
}
