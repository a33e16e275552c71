package kernels

import (
	"math"
	"testing"
)

// Buffers under test are slices of a larger backing array with guard
// elements on both sides; after a kernel has run, the guards must hold
// their values: an assembly loop that writes past the end of a slice (its
// bounds are not checked) is caught.

// guardN is the number of guard elements on each side.
const guardN = 16

// guard32 is a float32 guard value: a NaN with a payload no kernel makes.
var guard32 = math.Float32frombits(0x7fc0dead)

// guarded32 returns a slice of n elements (filled by fill, when not nil)
// inside a backing array whose guardN elements on each side hold guard32,
// and the backing array.
func guarded32(n int, fill func(i int) float32) (s, back []float32) {
	back = make([]float32, n+2*guardN)
	for i := range back {
		back[i] = guard32
	}
	s = back[guardN : guardN+n : guardN+n]
	for i := range s {
		s[i] = 0
		if fill != nil {
			s[i] = fill(i)
		}
	}
	return s, back
}

// checkGuards32 fails the test when a guard element of back (from
// guarded32, n elements inside) has changed.
func checkGuards32(t *testing.T, what string, back []float32, n int) {
	t.Helper()
	if i := overrun32(back, n); i >= 0 {
		t.Fatalf("%s: guard element %d (of %d on each side of %d) overwritten with %g", what, i, guardN, n, back[i])
	}
}

// overrun32 returns the index of the first changed guard element of back,
// -1 when there is none.
func overrun32(back []float32, n int) int {
	for i, v := range back {
		if (i < guardN || i >= guardN+n) && !same32(v, guard32) {
			return i
		}
	}
	return -1
}

// guarded64 and checkGuards64 are guarded32 and checkGuards32 for float64.
var guard64 = math.Float64frombits(0x7ff8_0000_dead_beef)

func guarded64(n int, fill func(i int) float64) (s, back []float64) {
	back = make([]float64, n+2*guardN)
	for i := range back {
		back[i] = guard64
	}
	s = back[guardN : guardN+n : guardN+n]
	for i := range s {
		s[i] = 0
		if fill != nil {
			s[i] = fill(i)
		}
	}
	return s, back
}

func checkGuards64(t *testing.T, what string, back []float64, n int) {
	t.Helper()
	for i, v := range back {
		if (i < guardN || i >= guardN+n) && math.Float64bits(v) != math.Float64bits(guard64) {
			t.Fatalf("%s: guard element %d (of %d before and after %d) overwritten with %g", what, i, guardN, n, v)
		}
	}
}

// oddLengths are the lengths the kernels are checked at: empty, shorter
// than a vector, around the blocks of 8 and 16 and the 64-column panels,
// and long ones with a tail.
var oddLengths = []int{0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 513, 1031}

// same32 reports whether a and b hold the same bits.
func same32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

// TestGuardsCatchOverrun checks the guard check itself: a write one past
// either end of a guarded slice (through its backing array) is reported.
func TestGuardsCatchOverrun(t *testing.T) {
	for _, at := range []int{guardN - 1, guardN + 5} {
		s, back := guarded32(5, nil)
		if overrun32(back, len(s)) != -1 {
			t.Fatal("fresh guards reported overwritten")
		}
		back[at] = 1
		if got := overrun32(back, len(s)); got != at {
			t.Fatalf("write at %d: reported %d", at, got)
		}
	}
}
