package split

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestChunks checks that the pool covers [0, n) exactly once in the
// documented chunks, also from concurrent callers (which share the workers
// and fall back to goroutines) and nested calls, with the pool's workers
// and with goroutines only.
func TestChunks(t *testing.T) {
	defer func(off bool) { poolOff = off }(poolOff)
	for _, off := range []bool{false, true} {
		poolOff = off
		testChunks(t)
	}
}

func testChunks(t *testing.T) {
	check := func(n, p int) {
		hits := make([]int32, n)
		var mu sync.Mutex
		var chunks [][2]int
		Chunks(n, p, func(lo, hi int) {
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
	Chunks(10, 2, func(lo, hi int) { check(50, 2) })
}

// TestTasks checks that every task runs exactly once, at GOMAXPROCS 1 (in
// order) and 2.
func TestTasks(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		for _, n := range []int{0, 1, 2, 3, 17, 64} {
			hits := make([]int32, n)
			var order []int
			Tasks(n, min(procs, max(n, 1)), func(i, _ int) {
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

// TestTasksWorkerIndex checks that no two tasks run at once with the same
// worker index, and that the indices stay below the count asked for,
// right after a Chunks job (its workers spinning, which Tasks takes) and
// long after (parked, which it leaves alone).
func TestTasksWorkerIndex(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	for _, after := range []time.Duration{0, 2 * poolSpin} {
		for _, workers := range []int{1, 2, 3} {
			Chunks(2, 2, func(int, int) {})
			time.Sleep(after)
			var busy [3]atomic.Int32
			hits := make([]atomic.Int32, 40)
			Tasks(len(hits), workers, func(i, w int) {
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
}

// TestTasksInline: inside Inline the tasks run in order on the caller as
// worker 0, even at GOMAXPROCS 2 with workers to spare.
func TestTasksInline(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var order, on []int
	var mu sync.Mutex
	Inline(func() {
		Tasks(17, 2, func(i, w int) {
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

// countParts is a Parts body that counts the runs of each part and which
// goroutine (by worker index) ran it.
type countParts struct {
	hits []atomic.Int32
	on   []atomic.Int32
	busy [8]atomic.Int32
	t    *testing.T
}

func (c *countParts) Part(i, w int) {
	if c.busy[w].Add(1) != 1 {
		c.t.Errorf("worker %d runs two parts at once", w)
	}
	c.hits[i].Add(1)
	c.on[i].Store(int32(w))
	time.Sleep(50 * time.Microsecond)
	c.busy[w].Add(-1)
}

// TestParts checks that Parts runs every part once, on the caller and the
// pool's workers (worker indices below the part count), from concurrent
// callers too, and that with the workers off it runs them all on the
// caller.
func TestParts(t *testing.T) {
	defer func(off bool) { poolOff = off }(poolOff)
	for _, off := range []bool{false, true} {
		poolOff = off
		var wg sync.WaitGroup
		for g := 0; g < 3; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; n <= 8; n++ {
					c := &countParts{hits: make([]atomic.Int32, n), on: make([]atomic.Int32, n), t: t}
					Parts(n, c)
					for i := range c.hits {
						if h := c.hits[i].Load(); h != 1 {
							t.Errorf("off=%v n=%d: part %d ran %d times", off, n, i, h)
						}
						if w := c.on[i].Load(); w < 0 || int(w) >= n || off && w != 0 {
							t.Errorf("off=%v n=%d: part %d ran on worker %d", off, n, i, w)
						}
					}
				}
			}()
		}
		wg.Wait()
	}
}

// nop is an empty Parts body.
type nop struct{}

func (nop) Part(int, int) {}

// TestPartsNoAllocs: once the pool has its workers, Parts allocates
// nothing (the sgemm's TestSgemmNoAllocs relies on it).
func TestPartsNoAllocs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	Parts(2, nop{})
	if a := testing.AllocsPerRun(100, func() { Parts(2, nop{}) }); a != 0 {
		t.Errorf("Parts: %v allocations per call, want 0", a)
	}
}

// BenchmarkHandoff times a job of two empty parts: handing one to a worker
// (spinning after a Chunks job, parked after a Parts one) and waiting for
// it, the fixed cost a split must win back (kernels.ParallelMin, the
// sgemm kernels' minSplit).
func BenchmarkHandoff(b *testing.B) {
	b.Run("Parts", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Parts(2, nop{})
		}
	})
	b.Run("Chunks", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			Chunks(2, 2, func(int, int) {})
		}
	})
}
