package kernels

import (
	"runtime"
	"testing"
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
