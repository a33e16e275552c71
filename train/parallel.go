package train

import (
	"runtime"
	"sync"
)

// inChunks runs fn over [0, n) in one contiguous chunk per core when n is
// large enough (a 784×512 kernel) for the goroutines to pay, and inline
// otherwise. The chunks are disjoint, so elementwise optimiser updates give
// the same result either way.
func inChunks(n int, fn func(lo, hi int)) {
	p := runtime.GOMAXPROCS(0)
	if p <= 1 || n < 1<<15 {
		fn(0, n)
		return
	}
	chunk := (n + p - 1) / p
	var wg sync.WaitGroup
	for lo := chunk; lo < n; lo += chunk {
		wg.Add(1)
		go func(lo, hi int) {
			defer wg.Done()
			fn(lo, hi)
		}(lo, min(lo+chunk, n))
	}
	fn(0, min(chunk, n))
	wg.Wait()
}
