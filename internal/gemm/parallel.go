package gemm

import (
	"runtime"
	"sync"

	"github.com/gradgraph/gradgraph/internal/split"
)

// split returns how many goroutines p may use: one per core, but no more
// than leaves each the kernel's minSplit multiply-adds (about 50 µs of one
// core at its rate) and one nr-column panel. It depends on GOMAXPROCS and
// the shapes only, never on load, so the chunks (which do not change any
// element's summation order anyway) are fixed too.
func (p *problem) split() int {
	t := runtime.GOMAXPROCS(0)
	t = min(t, p.m*p.n*p.k/p.kern.minSplit)
	t = min(t, (p.n+p.kern.nr-1)/p.kern.nr)
	return max(t, 1)
}

// chunksPerPart is how many column chunks each goroutine of a split
// product gets, taken one at a time from a counter: a goroutine that the
// OS does not run for a while (the cores are shared) then holds up at most
// one small chunk, the others taking the rest. The packed A being shared
// (prepackA), a chunk costs only its own columns' packing of B.
const chunksPerPart = 2

// run computes the product, on as many goroutines, up to p.split(), as
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
// goroutines a product is split over on this machine under its present
// load.
var splitChoice split.Choice

// runSplit computes the product on t goroutines, the caller and the pool's
// free workers (split.Parts: no goroutine is started, a part no worker is
// free for runs on the caller, and concurrent Sgemm calls never wait for
// each other's parts), each taking column chunks of whole nr-column panels
// (the last one narrower) from a counter until none is left. op(A) is
// packed once, before, when it is small enough (prepackA), rather than
// once per chunk.
func (p *problem) runSplit(t int) {
	nr := p.kern.nr
	p.width = roundUp((p.n+t*chunksPerPart-1)/(t*chunksPerPart), nr)
	p.chunks = (p.n + p.width - 1) / p.width
	p.next.Store(0)
	buf := p.prepackA()
	split.Parts(min(t, p.chunks), p)
	if buf != nil {
		packedAs.Put(buf)
		p.packedA = nil
	}
}

// Part takes column chunks of the product until none is left (split.Body).
func (p *problem) Part(_, _ int) {
	for {
		i := int(p.next.Add(1) - 1)
		if i >= p.chunks {
			return
		}
		j := i * p.width
		p.columns(j, min(j+p.width, p.n))
	}
}

// sharedAMax bounds the floats of a shared packed A (prepackA): 4 MiB, which
// the layers of the matrix's shapes stay well under (2048 × 2048 is 4
// million floats, the batch's 128 × 2048 a sixteenth of it).
const sharedAMax = 1 << 20

// prepackA packs all of op(A) into p.packedA, every depth block and row
// block as columns would pack it, when it holds at most sharedAMax floats,
// and returns the pooled buffer to give back afterwards (nil when A is
// left to each chunk).
func (p *problem) prepackA() *[]float32 {
	mr := p.kern.mr
	rows := roundUp(p.m, mr)
	if rows*p.k > sharedAMax {
		return nil
	}
	buf := packedAs.Get().(*[]float32)
	*buf = grow(*buf, rows*p.k)
	for pc := 0; pc < p.k; pc += p.kc {
		kb := min(p.kc, p.k-pc)
		for ic := 0; ic < p.m; ic += p.mc {
			packA((*buf)[pc*rows+ic*kb:], p.a, p.lda, p.transA, ic, min(p.mc, p.m-ic), pc, kb, mr)
		}
	}
	p.packedA = *buf
	return buf
}

// packedAs holds the shared packed A buffers.
var packedAs = sync.Pool{New: func() any { return new([]float32) }}

// problems recycles problem values, which escape to the workers.
var problems = sync.Pool{New: func() any { return new(problem) }}
