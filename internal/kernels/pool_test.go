package kernels

import (
	"sync"
	"testing"
)

// TestParallelChunks checks that the pool covers [0, n) exactly once in the
// documented chunks, also from concurrent callers (which fall back to
// goroutines) and nested calls.
func TestParallelChunks(t *testing.T) {
	for _, off := range []bool{false, true} {
		defer func(f func() bool) { poolOff = f }(poolOff)
		poolOff = func() bool { return off }
		testParallelChunks(t)
	}
}

func testParallelChunks(t *testing.T) {
	check := func(n, p int) {
		hits := make([]int32, n)
		var mu sync.Mutex
		var chunks [][2]int
		ParallelChunks(n, p, func(lo, hi int) {
			mu.Lock()
			chunks = append(chunks, [2]int{lo, hi})
			mu.Unlock()
			for i := lo; i < hi; i++ {
				hits[i]++
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d p=%d: index %d run %d times", n, p, i, h)
			}
		}
		pp := min(p, n)
		if pp >= 1 {
			chunk := n
			if pp > 1 {
				chunk = (n + min(n, chunksPerCore*pp) - 1) / min(n, chunksPerCore*pp)
			}
			for _, c := range chunks {
				if c[0]%chunk != 0 || (c[1] != n && c[1]-c[0] != chunk) {
					t.Fatalf("n=%d p=%d: chunk %v, want multiples of %d", n, p, c, chunk)
				}
			}
		}
	}
	for _, n := range []int{0, 1, 2, 3, 10, 1000} {
		for _, p := range []int{1, 2, 3, 8} {
			check(n, p)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				check(100+i, 2+i%3)
			}
		}()
	}
	wg.Wait()
	ParallelChunks(10, 2, func(lo, hi int) { check(50, 2) })
}
