package kernels

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gradgraph/gradgraph/internal/split"
)

// A small pool of persistent workers for the parallel loops of the kernels
// and the optimisers. A training step runs a dozen short parallel loops
// with serial work in between; a goroutine per chunk hands its work to a
// core that has usually gone to sleep since the last loop, and waking it
// (a futex, an interrupt to an idle virtual CPU) can take longer than the
// chunk itself. The pool's workers instead spin for a while after each
// chunk, waiting for the next one, and only then park. They spin with the
// PAUSE hint (cpuRelax), and only the workers a loop used spin after it:
// the loops are cut into no more chunks than their work pays for.

// poolSpin is how long an idle worker spins before it parks: long enough to
// bridge the gaps between the loops of one step (the products of a layer,
// the optimiser's updates), short enough that during a long serial stretch
// the workers sleep instead of holding cores that the serial thread may
// share (SMT siblings, a VM's vCPUs) or that lower the clock of the busy
// one. On a 16-core Xeon (median epoch at GOMAXPROCS 1, 2, 4, 8, 16; one
// run each) 2 ms of spin left the 512-unit net on standardised pixels
// slower at 8 cores than at 2 (0.213 s against 0.187 s) and parking at
// once, with no spin, cost a quarter at 1024x2 on raw pixels (0.222 s
// against 0.179 s at 16); 200 µs gave epochs that fell with every step in
// cores on all three shapes tried, within noise (512 raw: 0.078 s at 8,
// 0.083 s at 16).
const poolSpin = 200 * time.Microsecond

type poolWorker struct {
	state atomic.Int32 // workIdle, workPosted or workParked
	fn    func(lo, hi int)
	lo    int
	hi    int
	wake  chan struct{}
}

const (
	workIdle   = iota // spinning or running nothing; the owner may post
	workPosted        // a chunk is posted or running
	workParked        // asleep on wake
)

func (w *poolWorker) loop() {
	for {
		start := time.Now()
		for i := 1; w.state.Load() != workPosted; i++ {
			cpuRelax()
			if i%64 == 0 {
				if time.Since(start) > poolSpin && w.state.CompareAndSwap(workIdle, workParked) {
					<-w.wake // the poster has set workPosted
					break
				}
				runtime.Gosched()
			}
		}
		w.fn(w.lo, w.hi)
		w.fn = nil
		w.state.Store(workIdle)
	}
}

func (w *poolWorker) post(fn func(lo, hi int), lo, hi int) {
	w.fn, w.lo, w.hi = fn, lo, hi
	if !w.state.CompareAndSwap(workIdle, workPosted) {
		// Parked: only this owner sets workPosted, and it waits for the
		// chunk to finish before posting again.
		w.state.Store(workPosted)
		w.wake <- struct{}{}
	}
}

func (w *poolWorker) wait() {
	for i := 1; w.state.Load() == workPosted; i++ {
		cpuRelax()
		if i%64 == 0 {
			runtime.Gosched()
		}
	}
}

var pool struct {
	mu      sync.Mutex // held by the one caller using the workers
	workers []*poolWorker
}

// poolOff reports whether ParallelChunks should start goroutines instead
// of using the pool (tests switch it to cover both). It used to be on with
// gonum's BLAS, whose gemm starts goroutines of its own that a spinning
// worker kept from its core; the products of the dense op no longer call a
// big gemm outside ParallelChunks (GemmRows gives each core its rows, and a
// gonum call inside a chunk runs its goroutines on that chunk's core), and
// the pure-Go MNIST epoch went from 0.57 s with goroutines to 0.39–0.50 s
// with the pool.
var poolOff = func() bool { return false }

// chunksPerCore is how many chunks ParallelChunks makes per core. The
// cores take chunks as they finish the previous one, so with one chunk per
// core the caller also runs a worker's chunk that the worker has not
// started yet (it was parked). Finer chunks (2 or 4 per core, to balance a
// slower core) measured slower on MNIST: they cost each core its cache
// affinity to the same columns of the weights from op to op.
const chunksPerCore = 1

// ParallelChunks runs fn over [0, n) split into up to chunksPerCore·p
// contiguous chunks of ⌈n/chunks⌉ (the last one shorter), on the calling
// goroutine and p-1 persistent workers, each taking the next chunk not yet
// taken. The split depends on n and p only; which core runs a chunk does
// not, so a computation whose chunks write disjoint results is
// deterministic. Calls from several goroutines at once are safe: a caller
// that finds the workers busy starts goroutines instead.
func ParallelChunks(n, p int, fn func(lo, hi int)) {
	if p > n {
		p = n
	}
	if p <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	tasks := min(n, chunksPerCore*p)
	chunk := (n + tasks - 1) / tasks
	tasks = (n + chunk - 1) / chunk
	var next atomic.Int64
	run := func(int, int) {
		for {
			i := int(next.Add(1)) - 1
			if i >= tasks {
				return
			}
			fn(i*chunk, min((i+1)*chunk, n))
		}
	}
	// gonum's gemm starts goroutines of its own, and a spinning worker
	// keeps its core from them (runtime.Gosched does not make that core
	// steal work): with the pure-Go BLAS, plain goroutines are used.
	if poolOff() || !pool.mu.TryLock() {
		var wg sync.WaitGroup
		for k := 1; k < p; k++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				run(0, 0)
			}()
		}
		run(0, 0)
		wg.Wait()
		return
	}
	defer pool.mu.Unlock()
	for len(pool.workers) < p-1 {
		w := &poolWorker{wake: make(chan struct{}, 1)}
		pool.workers = append(pool.workers, w)
		go w.loop()
	}
	used := pool.workers[:p-1]
	for _, w := range used {
		w.post(run, 0, 0)
	}
	run(0, 0)
	for _, w := range used {
		w.wait()
	}
}

// ParallelRows runs fn over [0, n) split into contiguous chunks
// (ParallelChunks, on the pool's workers) when the work, n·cost element
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
	rowsChoice.Run(work, parts, func(parts int) { ParallelChunks(n, parts, fn) })
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
	elemsChoice.Run(n, parts, func(parts int) { ParallelChunks(n, parts, fn) })
}

var elemsChoice split.Choice
