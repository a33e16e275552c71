package kernels

import (
	"math"
	"testing"
)

// TestReLUKeepsNaN: NaN passes through the ReLU with either sign bit, on
// the Go loop and on the assembly panel kernel (whose VMAXPS turned NaN
// into 0 while the Go loop kept a positive NaN), so that a model with NaN
// weights gives NaN on every CPU; negatives and -0 become +0.
func TestReLUKeepsNaN(t *testing.T) {
	negNaN := math.Float32frombits(0xffc00000) // x86's default NaN
	in := []float32{-1, float32(math.Copysign(0, -1)), 0, 2, float32(math.NaN()), negNaN, float32(math.Inf(-1)), float32(math.Inf(1))}
	check := func(what string, got []float32) {
		t.Helper()
		for i, v := range got {
			x := in[i]
			switch {
			case x != x:
				if v == v {
					t.Errorf("%s: ReLU(NaN with bits %#x) = %v, want NaN", what, math.Float32bits(x), v)
				}
			case x > 0:
				if v != x {
					t.Errorf("%s: ReLU(%v) = %v", what, x, v)
				}
			default:
				if math.Float32bits(v) != 0 {
					t.Errorf("%s: ReLU(%v) = %v (bits %#x), want +0", what, x, v, math.Float32bits(v))
				}
			}
		}
	}
	y := append([]float32(nil), in...)
	ReLUInPlace(y)
	check("ReLUInPlace", y)
	y64 := make([]float64, len(in))
	for i, v := range in {
		y64[i] = float64(v)
	}
	ReLUInPlace(y64)
	for i, v := range y64 {
		if (in[i] != in[i]) != (v != v) {
			t.Errorf("ReLUInPlace float64: element %d: %v from %v", i, v, in[i])
		}
	}

	// The panel kernel: a 1×1 input (x = 1) times one weight row of 64
	// columns holding the test values, through the ReLU, with the
	// assembly and without.
	for _, asm := range []bool{true, false} {
		if !asm {
			defer DisableAssembly()()
		}
		w := make([]float32, 64)
		copy(w, in)
		var c CSR[float32]
		c.RowsOf([]float32{1}, 1, 1)
		out := make([]float32, 64)
		Spmm(out, &c, w, 64, 64, nil, true)
		name := "Spmm (Go)"
		if asm && Assembly() {
			name = "Spmm (assembly)"
		}
		check(name, out[:len(in)])
	}
}
