package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/internal/split"
)

// TestParallelTasks checks that every task runs exactly once, at
// GOMAXPROCS 1 (in order) and 2.
func TestParallelTasks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 3, 17, 64} {
			hits := make([]int32, n)
			var order []int
			ParallelTasks(n, func(i int) {
				hits[i]++
				if procs == 1 {
					order = append(order, i)
				}
			})
			for i, h := range hits {
				if h != 1 {
					t.Fatalf("procs=%d n=%d: task %d ran %d times", procs, n, i, h)
				}
			}
			for k, i := range order {
				if k != i {
					t.Fatalf("procs=1 n=%d: task %d ran %d-th", n, i, k)
				}
			}
		}
	}
}

// TestParallelTasksOn checks that no two tasks run at once with the same
// worker index, and that the indices stay below the count asked for.
func TestParallelTasksOn(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(2)
	for _, workers := range []int{1, 2, 3} {
		var busy [3]atomic.Int32
		hits := make([]atomic.Int32, 40)
		ParallelTasksOn(len(hits), workers, func(i, w int) {
			if w < 0 || w >= workers {
				t.Errorf("workers=%d: task %d on worker %d", workers, i, w)
				return
			}
			if busy[w].Add(1) != 1 {
				t.Errorf("workers=%d: worker %d runs two tasks at once", workers, w)
			}
			hits[i].Add(1)
			for k := 0; k < 1000; k++ {
				runtime.Gosched()
			}
			busy[w].Add(-1)
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("workers=%d: task %d ran %d times", workers, i, h)
			}
		}
	}
}

// TestParallelTasksInline: inside split.Inline the tasks run in order on
// the caller as worker 0, even at GOMAXPROCS 2 with workers to spare.
func TestParallelTasksInline(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var order, on []int
	var mu sync.Mutex
	split.Inline(func() {
		ParallelTasksOn(17, 2, func(i, w int) {
			mu.Lock()
			order = append(order, i)
			on = append(on, w)
			mu.Unlock()
			time.Sleep(200 * time.Microsecond) // long enough for a helper to take tasks, were there one
		})
	})
	for k := range 17 {
		if k >= len(order) || order[k] != k || on[k] != 0 {
			t.Fatalf("inline tasks ran in order %v on workers %v, want 0..16 on worker 0", order, on)
		}
	}
}
