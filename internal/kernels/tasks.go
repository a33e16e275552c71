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
	p := min(runtime.GOMAXPROCS(0), n)
	if p <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	s := &taskSet{n: int64(n), fn: fn}
	for k := 1; k < p; k++ {
		go s.work()
	}
	s.work()
	for i := 1; s.done.Load() < s.n; i++ {
		if i%64 == 0 {
			runtime.Gosched()
		}
	}
}

// taskSet is one ParallelTasks call, shared with its helpers (which may
// outlive the call: they then find next ≥ n and return).
type taskSet struct {
	n          int64
	next, done atomic.Int64
	fn         func(i int)
}

func (s *taskSet) work() {
	for {
		i := s.next.Add(1) - 1
		if i >= s.n {
			return
		}
		s.fn(int(i))
		s.done.Add(1)
	}
}
