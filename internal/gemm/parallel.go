package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/gradgraph/gradgraph/internal/split"
)

// parMinWork is the number of multiply-adds (m·n·k) each goroutine must get
// before Sgemm splits a product: 4M multiply-adds take about 50 µs on one
// core at 170 GFLOP/s, and handing a chunk to a parked worker and waiting
// for it (BenchmarkHandoff) took 0.6–6 µs on the shared 2-core machine, so
// a split chunk loses at most about 10% to the handoff and the second packing
// of A; the output layer (128×10×512) and other small products stay on the
// caller's core. See doc.go.
const parMinWork = 1 << 22

// task is one column range of a problem for a worker.
type task struct {
	p      *problem
	j0, j1 int
}

// tasks feeds the workers. It is unbuffered and Sgemm sends without
// blocking: a chunk that finds no idle worker runs on the caller, so
// concurrent Sgemm calls never wait for each other and no worker spins.
var tasks = make(chan task)

// workers is how many worker goroutines have been started.
var workers atomic.Int32

// worker runs chunks until the process ends; idle, it is parked on the
// channel and costs nothing.
func worker() {
	for t := range tasks {
		t.p.columns(t.j0, t.j1)
		t.p.wg.Done()
	}
}

// ensureWorkers starts workers until there are at least n.
func ensureWorkers(n int) {
	for {
		w := workers.Load()
		if int(w) >= n {
			return
		}
		if workers.CompareAndSwap(w, w+1) {
			go worker()
		}
	}
}

// split returns how many column chunks p is cut into: one per core, but no
// more than leaves each parMinWork multiply-adds and one nr-column panel.
// It depends on GOMAXPROCS and the shapes only, never on load, so the chunks
// (which do not change any element's summation order anyway) are fixed too.
func (p *problem) split() int {
	t := runtime.GOMAXPROCS(0)
	t = min(t, p.m*p.n*p.k/parMinWork)
	t = min(t, (p.n+p.kern.nr-1)/p.kern.nr)
	return max(t, 1)
}

// run computes the product, in as many column chunks, up to p.split(), as
// have measured fastest for products of its size (splitChoice: one, two,
// four, ...; the split changes no element's arithmetic, so the choice,
// which follows timings, never changes the result).
func (p *problem) run() {
	t := p.split()
	if t == 1 {
		p.columns(0, p.n)
		return
	}
	splitChoice.Run(p.m*p.n*p.k, t, func(parts int) {
		if parts == 1 {
			p.columns(0, p.n)
			return
		}
		p.runSplit(parts)
	})
}

// splitChoice decides, per order of magnitude of multiply-adds, how many
// chunks a product is split into on this machine under its present load.
var splitChoice split.Choice

// runSplit computes the product in t column chunks on the workers.
func (p *problem) runSplit(t int) {
	ensureWorkers(t - 1)
	width := roundUp((p.n+t-1)/t, p.kern.nr)
	j := 0
	for ; j+width < p.n; j += width {
		p.wg.Add(1)
		select {
		case tasks <- task{p: p, j0: j, j1: j + width}:
		default:
			p.columns(j, j+width)
			p.wg.Done()
		}
	}
	p.columns(j, p.n)
	p.wg.Wait()
}

// problems recycles problem values, which escape to the workers.
var problems = sync.Pool{New: func() any { return new(problem) }}
