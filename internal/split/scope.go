package split

import (
	"sync"
	"sync/atomic"
)

// A goroutine's mode. A trainer decides for its own steps whether their
// loops may split (train's step gate times steps inline against steps
// split), and two trainers in one process must not decide for each other.
// The loops of a step have no parameter that could carry the decision down
// to them: they sit under Gorgonia's Op.Do, gonum's BLAS interface (the
// sgemm), the optimisers' Update and nn's ops. But a step runs on one
// goroutine, the trainer's (Fit holds the trainer's lock, and its graph's
// tape runs on the caller), so the decision is bound to that goroutine for
// the time of the step (In), and each loop asks for the mode of the
// goroutine that calls it.
//
// The bindings are looked up only while there are some (an atomic count
// first), by the goroutine's identity: its runtime g pointer, read with
// one instruction (goid_amd64.s, goid_arm64.s), which is unique among live
// goroutines, and a binding never outlives its goroutine. Builds without
// that assembly parse runtime.Stack instead (microseconds a lookup, paid
// only by loops big enough to split, while a binding exists).

// binding is goroutine g's mode.
type binding struct {
	g    uintptr
	mode Mode
}

// bindings is the list of every goroutine's bindings, innermost last. The
// list is replaced, never changed in place, so that lookups need no lock.
type bindings struct {
	mu    sync.Mutex // held while the list is replaced
	list  atomic.Pointer[[]binding]
	count atomic.Int32 // len(*list)
}

var bound bindings

func (b *bindings) load() []binding {
	if l := b.list.Load(); l != nil {
		return *l
	}
	return nil
}

func (b *bindings) store(list []binding) {
	b.list.Store(&list)
	b.count.Store(int32(len(list)))
}

// In runs fn with the loops that the calling goroutine runs until fn
// returns in mode m: Serial (inline), Split (the most parts each caller
// allows) or Auto (as the Choices decide), whatever Force or another
// goroutine's In say. Calls nest; the innermost wins. Loops run by other
// goroutines, the pool's workers among them, are not affected (under
// Serial there are none). Like Force, it changes speed and never a result.
func In(m Mode, fn func()) {
	g := goid()
	bound.mu.Lock()
	old := bound.load()
	bound.store(append(append(make([]binding, 0, len(old)+1), old...), binding{g, m}))
	bound.mu.Unlock()
	defer unbind(g)
	fn()
}

// unbind removes goroutine g's innermost binding.
func unbind(g uintptr) {
	bound.mu.Lock()
	defer bound.mu.Unlock()
	old := bound.load()
	k := len(old) - 1
	for old[k].g != g { // In added it
		k--
	}
	bound.store(append(append(make([]binding, 0, len(old)-1), old[:k]...), old[k+1:]...))
}

// modeHere is the mode of the loops the calling goroutine runs: its
// innermost In's, else Force's.
func modeHere() Mode {
	if bound.count.Load() > 0 {
		g := goid()
		list := bound.load()
		for k := len(list) - 1; k >= 0; k-- {
			if list[k].g == g {
				return list[k].mode
			}
		}
	}
	return Mode(forced.Load())
}

// Inline runs fn with the loops the calling goroutine runs inline until fn
// returns: In(Serial, fn). A trainer's step gate uses it to compare a step
// with its loops split as their own Choices decide against the same step
// on one core (a loop's own time does not show everything its split costs
// the rest of the step: data moved to another core's cache and back,
// workers spinning on a core the caller shares), without deciding for the
// steps of other trainers running meanwhile.
func Inline(fn func()) { In(Serial, fn) }

// Inlined reports whether the calling goroutine runs its loops inline by
// In (Serial) or Inline: loops that split without a Choice (Tasks) then
// run on the caller. Force(Serial) does not count: it is for the Choices.
func Inlined() bool {
	if bound.count.Load() == 0 {
		return false
	}
	g := goid()
	list := bound.load()
	for k := len(list) - 1; k >= 0; k-- {
		if list[k].g == g {
			return list[k].mode == Serial
		}
	}
	return false
}
