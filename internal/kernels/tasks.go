package kernels

import (
	"runtime"
	"sync/atomic"
)

// ParallelTasks runs fn(i) for every task i in [0, n), on the calling
// goroutine and GOMAXPROCS−1 of the pool's workers, each taking the next
// task not yet taken until none is left. It is for loops whose tasks are
// many and of similar size (the samples of a batch, in groups), where
// ParallelChunks's one contiguous chunk per core is too coarse: on a
// machine shared with other processes a worker whose thread the OS has
// set aside holds up the caller for its whole chunk, but here only for the
// task it was running, while the caller takes the rest.
//
// Which goroutine runs a task varies from run to run, so fn must write
// results that depend on i alone (disjoint outputs): the results are then
// deterministic whatever GOMAXPROCS is. With GOMAXPROCS 1, or one task,
// the tasks run in order on the caller.
func ParallelTasks(n int, fn func(i int)) {
	p := min(runtime.GOMAXPROCS(0), n)
	if p <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	ParallelChunks(p, p, func(int, int) {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			fn(i)
		}
	})
}
