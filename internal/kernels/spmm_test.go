package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// spmmRef is (sparse c)·b + init (a row vector, nil for none) in
// float64, term by term, with a ReLU when relu is set; mag is the sum of
// the terms' magnitudes, for the tolerance.
func spmmRef(init []float32, relu bool, c *CSR[float32], b []float32, ld, n int) (ref, mag []float64) {
	ref = make([]float64, len(c.cnt)*n)
	mag = make([]float64, len(ref))
	for r := range c.cnt {
		idx, val := c.Row(r)
		for j := 0; j < n; j++ {
			var s, m float64
			if init != nil {
				s, m = float64(init[j]), math.Abs(float64(init[j]))
			}
			for t, k := range idx {
				v := float64(val[t]) * float64(b[int(k)*ld+j])
				s += v
				m += math.Abs(v)
			}
			if relu && s < 0 {
				s = 0
			}
			ref[r*n+j], mag[r*n+j] = s, m
		}
	}
	return ref, mag
}

// TestSpmmKernel checks Spmm (packed blocks, panels, the assembly panel
// kernel where the CPU has AVX2/FMA, the Go loop for a partial block) with
// and without a bias row and a ReLU against a float64 reference, tolerance
// 1e-5 relative to the sum of the terms' magnitudes; that what was in out
// before does not matter; that no ReLU output is negative or -0; and that
// the panel size does not change a bit of the result (every element sums
// its terms in the same order).
func TestSpmmKernel(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	for _, sh := range []struct{ rows, kdim, n int }{{128, 784, 512}, {37, 300, 150}, {784, 128, 512}, {5, 9, 10}, {3, 700, 64}} {
		x := make([]float32, sh.rows*sh.kdim)
		for i := range x {
			if rng.Intn(100) < 19 {
				x[i] = rng.Float32() - 0.5
			}
		}
		// A row with no nonzeros at all and one with nonzeros in the last
		// panel only: the first panel must still initialise them.
		clear(x[:sh.kdim])
		if sh.rows > 1 {
			clear(x[sh.kdim : 2*sh.kdim-1])
			x[2*sh.kdim-1] = 0.75
		}
		b := make([]float32, sh.kdim*sh.n)
		for i := range b {
			b[i] = rng.Float32() - 0.5
		}
		bias := make([]float32, sh.n)
		for i := range bias {
			bias[i] = rng.Float32() - 0.5
		}
		var c CSR[float32]
		c.RowsOf(x, sh.rows, sh.kdim)
		for _, tc := range []struct {
			init []float32
			relu bool
		}{{nil, false}, {bias, false}, {bias, true}, {nil, true}} {
			name := fmt.Sprintf("%v bias=%v relu=%v", sh, tc.init != nil, tc.relu)
			ref, mag := spmmRef(tc.init, tc.relu, &c, b, sh.n, sh.n)
			var first []float32
			defer func(p int) { spmmPanel = p }(spmmPanel)
			for _, ps := range []int{256, 1 << 20, 7} {
				spmmPanel = ps
				out := make([]float32, sh.rows*sh.n)
				for i := range out {
					out[i] = float32(math.NaN()) // must be overwritten
				}
				Spmm(out, &c, b, sh.n, sh.n, tc.init, tc.relu)
				for i, v := range out {
					if d := math.Abs(float64(v) - ref[i]); !(d <= 1e-5*mag[i]+1e-30) {
						t.Fatalf("%s panel %d: out[%d][%d] = %g, want %g", name, ps, i/sh.n, i%sh.n, v, ref[i])
					}
					if tc.relu && math.Signbit(float64(v)) {
						t.Fatalf("%s panel %d: out[%d][%d] = %g after the ReLU", name, ps, i/sh.n, i%sh.n, v)
					}
				}
				if first == nil {
					first = out
					continue
				}
				for i := range out {
					if math.Float32bits(out[i]) != math.Float32bits(first[i]) {
						t.Fatalf("%s: panel %d changes element %d: %g, panel 256 gives %g", name, ps, i, out[i], first[i])
					}
				}
			}
		}
	}
}
