package split

import (
	"fmt"
	"math/bits"
	"sync"
	"testing"
	"time"
)

// fakeClock advances by the cost the running loop declares.
type fakeClock struct{ t time.Duration }

func (f *fakeClock) now() time.Duration { return f.t }

// TestChoiceKeepsTheFaster runs loops whose serial and split costs are
// set by hand and checks which way runs after the probes, per work size,
// and that a change of speed is followed after the next probe window.
func TestChoiceKeepsTheFaster(t *testing.T) {
	for _, c := range []struct {
		name          string
		serial, split time.Duration
		wantSplit     bool
	}{
		{"split twice as fast", 100, 50, true},
		{"split slower", 100, 130, false},
		{"split 3% faster: within the margin, serial", 100, 97, false},
		{"split 9% faster: within the margin, serial", 100, 91, false},
		{"split 15% faster", 100, 85, true},
	} {
		var clk fakeClock
		ch := Choice{now: clk.now}
		var ran []string
		run := func(work int) {
			ch.Run(work, 2, func(parts int) {
				if parts == 1 {
					clk.t += c.serial
					ran = append(ran, "serial")
					return
				}
				clk.t += c.split
				ran = append(ran, "split")
			})
		}
		for i := 0; i < 2*probes; i++ {
			run(1000)
		}
		for i, w := range []string{"split", "split", "split", "serial", "serial", "serial"} {
			if ran[i] != w {
				t.Fatalf("%s: probe %d ran %s, want %s (the wider way's block, then the other's)", c.name, i, ran[i], w)
			}
		}
		ran = ran[:0]
		for i := 0; i < 10; i++ {
			run(1000)
		}
		want := "serial"
		if c.wantSplit {
			want = "split"
		}
		for i, r := range ran {
			if r != want {
				t.Fatalf("%s: call %d after the probes ran %s, want %s", c.name, i, r, want)
			}
		}
		// Another order of magnitude of work is probed on its own.
		ran = ran[:0]
		run(1 << 20)
		run(1 << 20)
		if fmt.Sprint(ran) != "[split split]" {
			t.Errorf("%s: a new work size ran %v first, want its own probes [split split]", c.name, ran)
		}
	}
}

// TestChoiceFollowsALoadChange: the split wins at first; after the next
// probe window (at most period calls later), in which it has become
// slower, the split is kept until a second window, firstGap calls later,
// confirms the change; then the serial loop is chosen.
func TestChoiceFollowsALoadChange(t *testing.T) {
	var clk fakeClock
	ch := Choice{now: clk.now}
	splitCost := time.Duration(50)
	last := ""
	run := func() {
		ch.Run(5000, 2, func(parts int) {
			if parts == 1 {
				clk.t += 100
				last = "serial"
				return
			}
			clk.t += splitCost
			last = "split"
		})
	}
	for i := 0; i < period; i++ {
		run()
	}
	if last != "split" {
		t.Fatalf("before the change: ran %s, want split", last)
	}
	splitCost = 200
	// The windows so far opened at calls 0, 32, 96, 224 and 480; the next
	// opens at 992 and takes 2·probes calls.
	for i := period; i < 992+2*probes+1; i++ {
		run()
	}
	if last != "split" {
		t.Errorf("after one window that found the split slower: ran %s, want split until a second window confirms", last)
	}
	for i := 0; i < firstGap+2*probes; i++ {
		run()
	}
	if last != "serial" {
		t.Errorf("after the confirming window: ran %s, want serial", last)
	}
}

// TestChoiceIgnoresOneSkewedWindow: serial is faster throughout, but in
// one window a moment of load makes the serial runs slow: the split that
// window picks is not taken up, since the next window, firstGap calls
// later, does not confirm it.
func TestChoiceIgnoresOneSkewedWindow(t *testing.T) {
	var clk fakeClock
	ch := Choice{now: clk.now}
	call, skewFrom := 0, -1
	var ran []string
	run := func() {
		ch.Run(5000, 2, func(parts int) {
			if parts == 1 {
				cost := time.Duration(100)
				if skewFrom >= 0 && call < skewFrom+2*probes {
					cost = 300 // the skewed window's serial runs
				}
				clk.t += cost
				ran = append(ran, "serial")
				return
			}
			clk.t += 120
			ran = append(ran, "split")
		})
		call++
	}
	for call < 224 {
		run()
	}
	skewFrom = 224 // the window at call 224
	for call < 480 {
		run()
	}
	// After the skewed window: the confirming window's block of split
	// probes, and serial everywhere else.
	after := ran[224+2*probes:]
	splits := 0
	for _, r := range after {
		if r == "split" {
			splits++
		}
	}
	if splits != probes || after[0] != "serial" || after[len(after)-1] != "serial" {
		t.Errorf("after the skewed window ran split %d times (want %d, the confirming window's probes) and first %s, last %s (want serial): %v", splits, probes, after[0], after[len(after)-1], after)
	}
}

func TestForce(t *testing.T) {
	var ch Choice
	ran := ""
	run := func() { ch.Run(100, 12, func(parts int) { ran = fmt.Sprint(parts) }) }
	restore := Force(Split)
	run()
	if ran != "12" {
		t.Errorf("Force(Split): ran %s parts, want the caller's 12", ran)
	}
	Force(Serial)
	run()
	if ran != "1" {
		t.Errorf("Force(Serial): ran %s parts, want 1", ran)
	}
	restore()
	if Mode(forced.Load()) != Auto {
		t.Errorf("restore left mode %d, want Auto", forced.Load())
	}
}

// TestChoiceProbesEarlyThenEveryPeriod: the probe windows start at calls
// 0, 32, 96, 224, 480, then every 512, so a choice made while the machine
// warmed up is looked at again soon.
func TestChoiceProbesEarlyThenEveryPeriod(t *testing.T) {
	var ch Choice
	var starts []int
	probing := false
	for i := 0; i < 2100; i++ {
		parts, probe, level, b := ch.decide(1000, 2)
		if probe && !probing {
			starts = append(starts, i)
		}
		probing = probe
		if probe {
			ch.record(b, level, time.Duration(100/parts))
		}
	}
	if got, want := fmt.Sprint(starts), "[0 32 96 224 480 992 1504 2016]"; got != want {
		t.Errorf("probe windows start at calls %s, want %s", got, want)
	}
}

// TestChoiceFindsTheFastestWidth: with up to 16 (or 12) parts allowed,
// the Choice runs the fastest width of 1, 2, 4, 8 and the bound after its
// first probe window, preferring fewer parts within the margin, and never
// more parts than allowed; when the costs change it moves to the new
// fastest, by its neighbours' windows where the costs fall towards it and
// by a window of every width where they do not.
func TestChoiceFindsTheFastestWidth(t *testing.T) {
	for _, c := range []struct {
		name     string
		maxParts int
		cost     map[int]time.Duration // by parts
		want     int
	}{
		{"more is faster", 16, map[int]time.Duration{1: 1600, 2: 800, 4: 400, 8: 200, 16: 100}, 16},
		{"two is fastest", 16, map[int]time.Duration{1: 100, 2: 60, 4: 80, 8: 120, 16: 200}, 2},
		{"inline is fastest", 16, map[int]time.Duration{1: 100, 2: 150, 4: 200, 8: 300, 16: 500}, 1},
		{"four, eight 5% faster: within the margin", 16, map[int]time.Duration{1: 400, 2: 200, 4: 100, 8: 95, 16: 150}, 4},
		{"a bound of 12 is a width of its own", 12, map[int]time.Duration{1: 1200, 2: 600, 4: 300, 8: 150, 12: 100}, 12},
		{"two allowed", 2, map[int]time.Duration{1: 100, 2: 60}, 2},
	} {
		var clk fakeClock
		ch := Choice{now: clk.now}
		last := 0
		run := func(cost map[int]time.Duration) {
			ch.Run(1<<20, c.maxParts, func(parts int) {
				d, ok := cost[parts]
				if !ok {
					t.Fatalf("%s: ran %d parts, not a width of 1, 2, 4, ... or the bound %d", c.name, parts, c.maxParts)
				}
				clk.t += d
				last = parts
			})
		}
		levels := len(c.cost)
		for i := 0; i < probes*levels+1; i++ {
			run(c.cost)
		}
		if last != c.want {
			t.Errorf("%s: runs %d parts after the first window, want %d", c.name, last, c.want)
		}
		// The machine changes: now the widest split is fastest, either
		// with every width between faster than the one before (sloped) or
		// with all others alike (a plateau that neighbours cannot cross).
		sloped, plateau := make(map[int]time.Duration), make(map[int]time.Duration)
		for parts := range c.cost {
			sloped[parts] = time.Duration(10000 / parts)
			plateau[parts] = 1000
		}
		plateau[c.maxParts] = 10
		for _, changed := range []struct {
			cost map[int]time.Duration
			want int
		}{{sloped, c.maxParts}, {c.cost, c.want}, {plateau, c.maxParts}} {
			for i := 0; i < 2100; i++ {
				run(changed.cost)
			}
			if last != changed.want {
				t.Errorf("%s: after a change of costs (%v), runs %d parts, want %d", c.name, changed.cost, last, changed.want)
			}
		}
	}
}

// TestInline: while an Inline call runs, every Choice that the calling
// goroutine runs runs its loops in one part, without counting the call
// toward its probes, while another goroutine's loops still split;
// afterwards the choice is back.
func TestInline(t *testing.T) {
	var clk fakeClock
	var mu sync.Mutex // the fake clock is shared
	ch := Choice{now: func() time.Duration { mu.Lock(); defer mu.Unlock(); return clk.now() }}
	run := func() (got int) {
		ch.Run(1000, 2, func(parts int) {
			mu.Lock()
			clk.t += time.Duration(100 / parts) // split twice as fast
			mu.Unlock()
			got = parts
		})
		return got
	}
	for i := 0; i < 2*probes; i++ {
		run()
	}
	if got := run(); got != 2 {
		t.Fatalf("before Inline: %d parts, want 2 (the split is faster)", got)
	}
	calls := ch.buckets[bits.Len(1000)].calls
	Inline(func() {
		if !Inlined() {
			t.Error("Inlined() false inside Inline")
		}
		if got := run(); got != 1 {
			t.Errorf("inside Inline: %d parts, want 1", got)
		}
		done := make(chan int)
		go func() {
			if Inlined() {
				t.Error("Inlined() true on another goroutine")
			}
			done <- run()
		}()
		if got := <-done; got != 2 {
			t.Errorf("inside Inline, from another goroutine: %d parts, want 2 (its own choice)", got)
		}
	})
	if got := ch.buckets[bits.Len(1000)].calls; got != calls+1 {
		t.Errorf("inlined calls were counted: %d calls, want %d (the other goroutine's only)", got, calls+1)
	}
	if Inlined() {
		t.Error("Inlined() true after Inline returned")
	}
	if got := run(); got != 2 {
		t.Errorf("after Inline: %d parts, want 2", got)
	}
}

// TestIn: each goroutine's loops follow its own innermost In, then Force,
// and In's bindings come off as the calls return, also when fn panics.
func TestIn(t *testing.T) {
	var ch Choice
	parts := func() (got int) {
		ch.Run(1000, 4, func(p int) { got = p })
		return got
	}
	defer Force(Serial)()
	if got := parts(); got != 1 {
		t.Fatalf("Force(Serial): %d parts, want 1", got)
	}
	var wg sync.WaitGroup
	release := make(chan struct{})
	for _, m := range []Mode{Serial, Split, Serial, Split} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			In(m, func() {
				<-release // every goroutine bound at once
				for i := 0; i < 100; i++ {
					want := 1
					if m == Split {
						want = 4
					}
					if got := parts(); got != want {
						t.Errorf("In(%d): %d parts, want %d", m, got, want)
						return
					}
					if Inlined() != (m == Serial) {
						t.Errorf("In(%d): Inlined() = %v", m, Inlined())
					}
				}
				In(Split, func() {
					if got := parts(); got != 4 {
						t.Errorf("In(%d) then In(Split): %d parts, want 4", m, got)
					}
				})
				if Inlined() != (m == Serial) {
					t.Errorf("In(%d) after a nested In: Inlined() = %v", m, Inlined())
				}
			})
		}()
	}
	close(release)
	wg.Wait()
	func() {
		defer func() { _ = recover() }()
		In(Split, func() { panic("fn") })
	}()
	if n := bound.count.Load(); n != 0 || len(bound.load()) != 0 {
		t.Errorf("%d bindings left after every In returned", n)
	}
	if got := parts(); got != 1 {
		t.Errorf("after In: %d parts, want 1 (Force's)", got)
	}
}

// TestGoid: goid tells live goroutines apart and gives one goroutine the
// same value however deep its stack has grown (the stack moves; the
// goroutine does not).
func TestGoid(t *testing.T) {
	const n = 8
	ids := make(chan uintptr, n)
	var wg sync.WaitGroup
	hold := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := goid()
			if deep := deepGoid(200); deep != id {
				t.Errorf("goid %#x, %#x with a grown stack", id, deep)
			}
			ids <- id
			<-hold // alive until every id is taken
		}()
	}
	seen := map[uintptr]bool{goid(): true}
	for i := 0; i < n; i++ {
		id := <-ids
		if seen[id] {
			t.Errorf("two live goroutines share goid %#x", id)
		}
		seen[id] = true
	}
	close(hold)
	wg.Wait()
}

func deepGoid(depth int) uintptr {
	var pad [512]byte
	if depth == 0 {
		return goid() + uintptr(pad[0])
	}
	return deepGoid(depth-1) + uintptr(pad[depth%512])
}

// TestChoiceTimesASlowWidthOnce: a width more than twice as slow as a
// wider one already timed in the window is timed once, not probes times:
// with a loop's time falling as 1/parts, the first window times 16 and 8
// parts (8 exactly twice as slow) probes times each, and 4, 2 and inline
// once each.
func TestChoiceTimesASlowWidthOnce(t *testing.T) {
	var clk fakeClock
	ch := Choice{now: clk.now}
	count := map[int]int{}
	for i := 0; i < 31; i++ { // the next window starts at call 32
		ch.Run(1<<20, 16, func(parts int) {
			clk.t += time.Duration(1600 / parts)
			count[parts]++
		})
	}
	want := map[int]int{16: 31 - probes - 3, 8: probes, 4: 1, 2: 1, 1: 1}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("runs per width in the first 31 calls: %v, want %v", count, want)
	}
}

// TestChoiceLeavesAFarSlowerWidthToFullWindows: once inline has timed
// eight times slower than two parts, the windows of neighbours at calls
// 32, 96 and 224 do not run it; the full window at call 480 (every
// fullEvery-th) does, once, after the split's block.
func TestChoiceLeavesAFarSlowerWidthToFullWindows(t *testing.T) {
	var clk fakeClock
	ch := Choice{now: clk.now}
	var inline []int
	for i := 0; i < 600; i++ {
		ch.Run(1000, 2, func(parts int) {
			clk.t += time.Duration(800 / parts / parts / parts) // 800 inline, 100 split
			if parts == 1 {
				inline = append(inline, i)
			}
		})
	}
	if got, want := fmt.Sprint(inline), "[3 483]"; got != want {
		t.Errorf("inline ran at calls %s, want %s (once in the first window, after the split's block, and once in the full window from 480)", got, want)
	}
}

// TestChoiceWindowUnderALowerBound: a window opened by a caller allowing
// 16 parts, continued by one allowing 4, skips the levels above 4 and
// still decides, within the lower bound.
func TestChoiceWindowUnderALowerBound(t *testing.T) {
	var clk fakeClock
	ch := Choice{now: clk.now}
	cost := func(parts int) { clk.t += time.Duration(1600 / parts) }
	ch.Run(1<<20, 16, cost) // opens the first window at 16 parts
	var ran []int
	for i := 0; i < 31; i++ {
		ch.Run(1<<20, 4, func(parts int) { cost(parts); ran = append(ran, parts) })
	}
	if ch.buckets[bits.Len(1<<20)].probing {
		t.Fatalf("the window is still open after 31 calls under a bound of 4: ran %v", ran)
	}
	for _, p := range ran {
		if p > 4 {
			t.Fatalf("ran %d parts under a bound of 4: %v", p, ran)
		}
	}
	if last := ran[len(ran)-1]; last != 4 {
		t.Errorf("after the window runs %d parts, want 4 (the fastest within the bound): %v", last, ran)
	}
}
