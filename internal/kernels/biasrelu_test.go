package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestBiasReLU checks BiasReLU against its plain loop, bit for bit, on
// values that take every branch of ReLU (negative, −0, +0, positive, NaN
// of either sign, infinities), for row widths that use the assembly
// (multiples of 8) and that do not, with the assembly on and off.
func TestBiasReLU(t *testing.T) {
	special := []float32{-1, float32(math.Copysign(0, -1)), 0, 2, float32(math.NaN()), -float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))}
	for _, asm := range []bool{true, false} {
		restore := func() {}
		if !asm {
			restore = DisableAssembly()
		}
		for _, f := range []int{8, 32, 64, 12, 3} {
			rng := rand.New(rand.NewSource(int64(f)))
			rows := 5
			y := make([]float32, rows*f+f/2) // a trailing partial row, left alone
			b := make([]float32, f)
			for i := range y {
				if rng.Intn(3) == 0 {
					y[i] = special[rng.Intn(len(special))]
				} else {
					y[i] = float32(rng.NormFloat64())
				}
			}
			for j := range b {
				b[j] = float32(rng.NormFloat64())
			}
			// Column 0 adds +0, so NaN and ±0 reach the ReLU as they are;
			// column 1 adds −0, so that −0 + −0 = −0 does.
			b[0], b[1] = 0, float32(math.Copysign(0, -1))
			want := append([]float32(nil), y...)
			for i := 0; i+f <= len(want); i += f {
				for j := range b {
					v := want[i+j] + b[j]
					switch {
					case v != v:
						want[i+j] = v
					case v > 0:
						want[i+j] = v
					default:
						want[i+j] = 0
					}
				}
			}
			got := append([]float32(nil), y...)
			BiasReLU(got, b)
			for i := range want {
				w, g := want[i], got[i]
				if w != w && g != g {
					continue // NaN either way (the payload may differ)
				}
				if math.Float32bits(w) != math.Float32bits(g) {
					t.Fatalf("asm=%v f=%d: [%d] = %v (%#x), want %v (%#x)", asm, f, i, g, math.Float32bits(g), w, math.Float32bits(w))
				}
			}
			y64 := make([]float64, len(y))
			b64 := make([]float64, len(b))
			for i, v := range y {
				y64[i] = float64(v)
			}
			for i, v := range b {
				b64[i] = float64(v)
			}
			BiasReLU(y64, b64)
			for i := range want {
				if w, g := float64(want[i]), y64[i]; !(w != w && g != g) && math.Float64bits(w) != math.Float64bits(g) && math.Abs(w-g) > 1e-6*math.Abs(w) {
					t.Fatalf("float64 f=%d: [%d] = %v, want %v", f, i, g, w)
				}
			}
		}
		restore()
	}
}

// TestBiasReLUBitIdentical checks biasReLU32 against biasReLUGo bit for
// bit (NaNs included: both keep the sum's NaN) over row widths of one to
// several blocks of 8 and odd ones, with guard elements around y and b:
// nothing is written outside y, and b is left as it was.
func TestBiasReLUBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewSource(31))
	for _, f := range []int{1, 7, 8, 16, 24, 32, 64, 65} {
		for _, rows := range []int{0, 1, 3, 17} {
			n := rows * f
			gen := randomVector(rng)
			y, yb := guarded32(n, gen)
			b, bb := guarded32(f, gen)
			want := append([]float32(nil), y...)
			biasReLUGo(want, b)
			biasReLU32(y, b)
			for i := range y {
				if !same32(y[i], want[i]) && !(y[i] != y[i] && want[i] != want[i]) {
					t.Fatalf("f=%d rows=%d: [%d] = %v (%#x), reference %v (%#x)", f, rows, i, y[i], math.Float32bits(y[i]), want[i], math.Float32bits(want[i]))
				}
			}
			what := fmt.Sprintf("f=%d rows=%d", f, rows)
			checkGuards32(t, what+" y", yb, n)
			checkGuards32(t, what+" b", bb, f)
		}
	}
}
