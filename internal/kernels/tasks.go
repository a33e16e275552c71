package kernels

import (
	"runtime"
	"sync/atomic"
)

// ParallelTasks runs fn(i) for every task i in [0, n), on the calling
// goroutine and up to GOMAXPROCS−1 helper goroutines, each taking the next
// task not yet taken until none is left. It is for loops of many tasks of
// similar size, each worth tens of microseconds or more (the samples of a
// batch, in groups), on a machine that other processes share.
//
// Unlike ParallelChunks, the caller never waits for a helper that has not
// started: it runs every task nobody else has taken and then waits only
// for the tasks already running elsewhere, one task at most per helper. A
// pool worker handed a chunk, by contrast, must run it, and with the
// machine's cores busy with other processes the OS may not run the
// worker's thread for a whole time slice (milliseconds): the convnet's
// step at GOMAXPROCS 2 then took two to three times its GOMAXPROCS 1 time.
// A helper that starts late finds no task left and returns.
//
// Which goroutine runs a task varies from run to run, so fn must write
// results that depend on i alone (disjoint outputs): the results are then
// the same whatever GOMAXPROCS is. With GOMAXPROCS 1, or one task, the
// tasks run in order on the caller.
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
	if p <= 1 {
		for i := 0; i < n; i++ {
			fn(i, 0)
		}
		return
	}
	s := &taskSet{n: int64(n), fn: fn}
	for k := 1; k < p; k++ {
		go s.work(k)
	}
	s.work(0)
	for i := 1; s.done.Load() < s.n; i++ {
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
