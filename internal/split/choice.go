package split

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Probe schedule: a work size is timed, probes runs per candidate width,
// one width after another from the widest (a run right after another
// width's pays for what that one left behind: data in another core's cache,
// workers spinning; the best of a block is a run that did not), on its
// first calls and again after firstGap calls, the gap doubling up to
// period. The early windows correct a choice made while the machine was
// warming up (workers not yet started, caches cold), which would otherwise
// stand for period calls; later ones follow changes of load.
const (
	probes   = 3
	firstGap = 32
	period   = 512
)

// DefaultMargin is the fraction of a narrower width's time that a wider
// split, timed on its own, must come under to be chosen: 0.90, a 10% win.
// The loop's own time does not show what the split costs the rest of the
// step: the workers spin after it (on a core that may be the caller's SMT
// sibling, as two vCPUs of a VM can be), and each core's cache holds part
// of the data. With a 3% margin the 512-unit MNIST net ran slower at
// GOMAXPROCS 2 than at 1 on the 2-core development VM; with 10% it ran
// within a few per cent of it, and Dense(1024)×2 on raw pixels ran faster
// at 2 (cmd/mnistbench -matrix -cpu 1,2; BENCHMARKS.md, "Core split").
// Where cores are separate a split of two wins by far more.
const DefaultMargin = 0.90

// fullEvery: one probe window in fullEvery times every width.
const fullEvery = 4

// maxLevel bounds the widths a Choice considers: 1, 2, 4, ... 2^maxLevel.
const maxLevel = 16

// A Choice decides how many parts to split a loop into, per order of
// magnitude of its work: 1 (run it inline), 2, 4, ... or the most the
// caller allows. The first probe window of a work size, and every
// fullEvery-th after it, times every width; the others time the width in
// use and its neighbours (half and double). Each moves to whichever is
// fastest, so that a change of load is followed without timing every
// width (inline among them, which on many cores is slow for a big loop)
// every window, and a width that became fastest beyond slower neighbours
// is still found. After the first window, a window that picks another
// width than the one in use opens the next window firstGap calls later,
// and the width changes only if that one picks it too: a window that a
// moment of load skewed is then ignored. A width's block ends early when it runs over twice as
// slow as a wider one, and a neighbour that last timed over farSlower
// times the width in use waits for the next full window: a slow width
// costs about one run in every fullEvery windows. The zero value is
// ready; it is safe for concurrent use.
type Choice struct {
	// Margin is the most a wider split may take, as a fraction of the
	// narrower width's time, to be chosen (0.90: at least 10% faster);
	// 0 means DefaultMargin.
	// A loop's Choice wants DefaultMargin; one that times a whole step,
	// whose time holds every cost of its splits, may take less.
	Margin float64

	mu      sync.Mutex
	procs   int // GOMAXPROCS the decisions were made for
	buckets [65]bucket
	now     func() time.Duration // the clock, replaced in tests
}

type bucket struct {
	calls   uint64 // calls so far
	next    uint64 // the call that starts the next probe window
	gap     uint64 // calls from one window's start to the next
	windows int    // probe windows started
	level   int    // the width in use: 2^level parts, capped by the caller
	pending int    // 1 + the level a window chose over level, to be confirmed; 0: none
	probing bool   // a window is open: it times levels hi down to lo
	lo, hi  int
	cur     int                         // the level being timed
	runs    int                         // runs timed at cur
	times   [maxLevel + 1]time.Duration // fastest time per level (0: none)
	last    [maxLevel + 1]time.Duration // each level's time in the last window that timed it
}

// farSlower is how much slower than the width in use a neighbour must
// have timed for a window of neighbours to leave it out; every
// fullEvery-th window times it again.
const farSlower = 4

var start = time.Now()

func monotonic() time.Duration { return time.Since(start) }

// topLevel is the level of maxParts: the smallest l with 2^l ≥ maxParts.
func topLevel(maxParts int) int { return min(bits.Len(uint(maxParts-1)), maxLevel) }

// partsAt is the number of parts of level l under the caller's bound.
func partsAt(l, maxParts int) int { return min(1<<l, maxParts) }

// Run calls run(parts) with the number of parts, between 1 (inline) and
// maxParts, that this Choice finds fastest for loops of about work units
// of work (any consistent measure: element operations, multiply-adds).
// run must compute the same results whatever parts is.
func (c *Choice) Run(work, maxParts int, run func(parts int)) {
	if maxParts <= 1 {
		run(1)
		return
	}
	switch modeHere() {
	case Serial:
		run(1)
		return
	case Split:
		run(maxParts)
		return
	}
	parts, probe, level, b := c.decide(work, maxParts)
	if !probe {
		run(parts)
		return
	}
	clock := c.clock()
	t0 := clock()
	run(parts)
	c.record(b, level, clock()-t0)
}

func (c *Choice) clock() func() time.Duration {
	if c.now != nil {
		return c.now
	}
	return monotonic
}

// decide returns the number of parts for this call, whether to time it,
// its level and the bucket it belongs to.
func (c *Choice) decide(work, maxParts int) (parts int, probe bool, level int, b *bucket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := runtime.GOMAXPROCS(0); p != c.procs {
		c.procs, c.buckets = p, [65]bucket{}
	}
	top := topLevel(maxParts)
	b = &c.buckets[bits.Len(uint(max(work, 0)))]
	b.level = min(b.level, top)
	if b.calls >= b.next && !b.probing {
		switch {
		case b.windows == 0:
			// Until the first window decides, the caller's bound
			// (sized by work and cores) is used.
			b.lo, b.hi, b.level = 0, top, top
		case b.windows%fullEvery == 0:
			b.lo, b.hi = 0, top
		case b.pending > 0:
			// Confirming another window's choice: time both levels and
			// their neighbours, whatever they timed before.
			p := min(b.pending-1, top)
			b.lo, b.hi = max(min(b.level, p)-1, 0), min(max(b.level, p)+1, top)
		default:
			b.lo, b.hi = max(b.level-1, 0), min(b.level+1, top)
			if cur := b.last[b.level]; cur != 0 {
				// A neighbour far slower last time (inline, for a loop or
				// a step that many cores do in a fraction of the time) is
				// left to the full windows.
				if t := b.last[b.lo]; b.lo < b.level && t > farSlower*cur {
					b.lo = b.level
				}
				if t := b.last[b.hi]; b.hi > b.level && t > farSlower*cur {
					b.hi = b.level
				}
			}
		}
		b.windows++
		b.probing, b.cur, b.runs, b.times = true, b.hi, 0, [maxLevel + 1]time.Duration{}
		b.gap = min(max(2*b.gap, firstGap), period)
		b.next = b.calls + b.gap
	}
	b.calls++
	if b.probing {
		if b.cur > top {
			// A caller with a lower bound (fewer rows, say) in a window
			// opened by one with a higher: the wider levels are skipped.
			b.cur, b.runs = top, 0
		}
		return partsAt(b.cur, maxParts), true, b.cur, b
	}
	return partsAt(b.level, maxParts), false, b.level, b
}

// record keeps a probe's time. A level's block ends after probes runs, or
// after one that took more than twice the best of the wider levels timed
// before it (inline, for a loop that many cores do in a fraction of the
// time, is then timed once a window, not probes times). When the narrowest
// level's block ends, the window moves to the fastest level, preferring
// fewer parts within the margin.
func (c *Choice) record(b *bucket, level int, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !b.probing || level != b.cur {
		return // the window moved on (a concurrent caller)
	}
	d = max(d, 1)
	if b.times[level] == 0 || d < b.times[level] {
		b.times[level] = d
	}
	b.runs++
	wider := time.Duration(0)
	for l := level + 1; l <= b.hi; l++ {
		if t := b.times[l]; t != 0 && (wider == 0 || t < wider) {
			wider = t
		}
	}
	if b.runs < probes && (wider == 0 || d <= 2*wider) {
		return
	}
	b.cur, b.runs = b.cur-1, 0
	if b.cur >= b.lo {
		return
	}
	margin := c.Margin
	if margin == 0 {
		margin = DefaultMargin
	}
	best := -1
	for l := b.lo; l <= b.hi; l++ {
		if b.times[l] == 0 {
			continue // skipped (see decide)
		}
		if best < 0 || float64(b.times[l]) < margin*float64(b.times[best]) {
			best = l
		}
		b.last[l] = b.times[l]
	}
	switch {
	case best < 0:
	case best == b.level || b.windows == 1 || best == b.pending-1:
		// The level in use again, the first window's choice, or a
		// change that a second window in a row confirms.
		b.level, b.pending = best, 0
	default:
		// A change of width waits for the next window, which opens soon
		// instead of a doubled gap later: a window whose timings a moment
		// of load skewed (the other core busy for a millisecond while one
		// width ran, not the other) then costs nothing, where it used to
		// keep the slower width for up to period calls.
		b.pending = best + 1
		b.next = b.calls + firstGap
	}
	b.probing = false
}

// Mode is how every Choice runs its loops: Auto (by timings), or forced.
type Mode int32

// The modes of Force.
const (
	Auto   Mode = iota
	Serial      // one part
	Split       // the caller's most parts
)

var forced atomic.Int32

// Force makes every Choice run its loops one way (Serial: inline; Split:
// in the most parts the caller allows) or decide by timings again (Auto),
// on every goroutine that In has not bound to a mode of its own, and
// returns a function restoring the previous mode. Tests use it to show
// that the results are the same every way.
func Force(m Mode) (restore func()) {
	old := forced.Swap(int32(m))
	return func() { forced.Store(old) }
}
