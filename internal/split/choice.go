package split

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Probe schedule: a work size is timed, probes runs each way alternately,
// on its first calls and again after firstGap calls, the gap doubling up
// to period. The early windows correct a choice made while the machine was
// warming up (workers not yet started, caches cold), which would otherwise
// stand for period calls; later ones follow changes of load.
const (
	probes   = 3
	firstGap = 32
	period   = 512
)

// margin is how much faster the split must be to be chosen: within it,
// one core is kept (it leaves the other core to other work, and the
// timings' noise is a few percent).
const margin = 0.97

// A Choice decides between running a loop serially and split, per order of
// magnitude of its work. The zero value is ready; it is safe for
// concurrent use.
type Choice struct {
	mu      sync.Mutex
	procs   int // GOMAXPROCS the decisions were made for
	buckets [65]bucket
	now     func() time.Duration // the clock, replaced in tests
}

type bucket struct {
	calls         uint64        // calls so far
	next          uint64        // the call that starts the next probe window
	gap           uint64        // calls from one window's start to the next
	left          int           // probe runs left in the current window
	serial, split time.Duration // fastest time of the current window (0: none)
	useSplit      bool
}

var start = time.Now()

func monotonic() time.Duration { return time.Since(start) }

// Run calls serial or split, whichever this Choice finds faster for loops
// of about work units of work (any consistent measure: element
// operations, multiply-adds). The two must compute the same results.
func (c *Choice) Run(work int, serial, split func()) {
	switch Mode(forced.Load()) {
	case Serial:
		serial()
		return
	case Split:
		split()
		return
	}
	useSplit, probe, b := c.decide(work)
	if !probe {
		if useSplit {
			split()
		} else {
			serial()
		}
		return
	}
	clock := c.clock()
	t0 := clock()
	if useSplit {
		split()
	} else {
		serial()
	}
	c.record(b, useSplit, clock()-t0)
}

func (c *Choice) clock() func() time.Duration {
	if c.now != nil {
		return c.now
	}
	return monotonic
}

// decide returns the way to run this call, whether to time it, and the
// bucket it belongs to.
func (c *Choice) decide(work int) (useSplit, probe bool, b *bucket) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if p := runtime.GOMAXPROCS(0); p != c.procs {
		c.procs, c.buckets = p, [65]bucket{}
	}
	b = &c.buckets[bits.Len(uint(max(work, 0)))]
	if b.calls == b.next {
		b.left, b.serial, b.split = 2*probes, 0, 0
		b.gap = min(max(2*b.gap, firstGap), period)
		b.next = b.calls + b.gap
	}
	b.calls++
	if b.left > 0 {
		b.left--
		return b.left%2 == 0, true, b
	}
	return b.useSplit, false, b
}

// record keeps a probe's time and, at the end of a window, decides.
func (c *Choice) record(b *bucket, split bool, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d = max(d, 1)
	if split {
		if b.split == 0 || d < b.split {
			b.split = d
		}
	} else if b.serial == 0 || d < b.serial {
		b.serial = d
	}
	if b.left == 0 && b.split != 0 && b.serial != 0 {
		b.useSplit = float64(b.split) < margin*float64(b.serial)
		b.split, b.serial = 0, 0
	}
}

// Mode is how every Choice runs its loops: Auto (by timings), or forced.
type Mode int32

// The modes of Force.
const (
	Auto Mode = iota
	Serial
	Split
)

var forced atomic.Int32

// Force makes every Choice run its loops one way (Serial or Split) or
// decide by timings again (Auto), and returns a function restoring the
// previous mode. Tests use it to show that the results are the same both
// ways.
func Force(m Mode) (restore func()) {
	old := forced.Swap(int32(m))
	return func() { forced.Store(old) }
}
