package gemm

import (
	"runtime"
	"sync"

	"github.com/gradgraph/gradgraph/internal/split"
)

// parMinWork is the number of multiply-adds (m·n·k) each goroutine must get
// before Sgemm splits a product: 4M multiply-adds at the kernel's rate
// (BenchmarkSgemm, about 170 GFLOP/s) take about 50 µs of one core,
// against a hand-off to a parked worker of a few µs (split.BenchmarkHandoff),
// so a split chunk loses at most about 10% to the hand-off and the second
// packing of A; the output layer (128×10×512) and other small products
// stay on the caller's core (BenchmarkSgemmSplit places it; BENCHMARKS.md,
// "Sgemm"). See doc.go.
const parMinWork = 1 << 22

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

// runSplit computes the product in t column chunks of whole nr-column
// panels (the last one narrower, and fewer chunks than t when the panels
// run out) on the caller and the pool's free workers (split.Parts: no
// goroutine is started, a chunk no worker is free for runs on the caller,
// and concurrent Sgemm calls never wait for each other's chunks).
func (p *problem) runSplit(t int) {
	p.width = roundUp((p.n+t-1)/t, p.kern.nr)
	split.Parts((p.n+p.width-1)/p.width, p)
}

// Part computes column chunk i of the product (split.Body).
func (p *problem) Part(i, _ int) {
	j := i * p.width
	p.columns(j, min(j+p.width, p.n))
}

// problems recycles problem values, which escape to the workers.
var problems = sync.Pool{New: func() any { return new(problem) }}
