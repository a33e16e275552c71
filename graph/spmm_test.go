package graph

import (
	"fmt"
	"math"
	"math/rand"
	"sync"
	"testing"
)

// spmmRef is (sparse c)·b + init (a row vector, nil for none) in
// float64, term by term, with a ReLU when relu is set; mag is the sum of
// the terms' magnitudes, for the tolerance.
func spmmRef(init []float32, relu bool, c *csr[float32], b []float32, ld, n int) (ref, mag []float64) {
	ref = make([]float64, len(c.cnt)*n)
	mag = make([]float64, len(ref))
	for r := range c.cnt {
		idx, val := c.row(r)
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

// TestSpmmKernel checks spmm (packed blocks, panels, the assembly panel
// kernel where the CPU has AVX2/FMA, the Go loop for a partial block) with
// and without a bias row and a ReLU against a float64 reference, tolerance
// 1e-5 relative to the sum of the terms' magnitudes; that what was in out
// before does not matter; that no ReLU output is negative or -0; and that
// the panel size does not change a bit of the result (every element sums
// its terms in the same order).
func TestSpmmKernel(t *testing.T) {
	defer func(f func() bool) { poolOff = f }(poolOff)
	poolOff = func() bool { return false } // on the pool's workers
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
		var c csr[float32]
		c.rowsOf(x, sh.rows, sh.kdim)
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
				spmm(out, &c, b, sh.n, sh.n, tc.init, tc.relu)
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

// TestNonzeros checks the positions and values of the nonzero elements
// against a plain loop, for lengths around the kernel's blocks of 8, with
// -0 (a zero) and NaN (not a zero).
func TestNonzeros(t *testing.T) {
	rng := rand.New(rand.NewSource(9))
	for _, n := range []int{0, 1, 7, 8, 9, 16, 63, 784} {
		for _, density := range []int{0, 19, 50, 100} {
			x := make([]float32, n)
			for i := range x {
				switch r := rng.Intn(100); {
				case r < density:
					x[i] = rng.Float32() + 0.1
				case r%7 == 0:
					x[i] = float32(math.Copysign(0, -1))
				}
			}
			if n > 3 {
				x[3] = float32(math.NaN())
			}
			idx := make([]int32, n)
			val := make([]float32, n)
			k := nonzeros32(x, idx, val)
			var want []int32
			for i, v := range x {
				if v != 0 || v != v {
					want = append(want, int32(i))
				}
			}
			if k != len(want) {
				t.Fatalf("n=%d density=%d: %d nonzeros, want %d", n, density, k, len(want))
			}
			for q, i := range want {
				if idx[q] != i || math.Float32bits(val[q]) != math.Float32bits(x[i]) {
					t.Fatalf("n=%d density=%d: nonzero %d at %d = %g, want at %d = %g", n, density, q, idx[q], val[q], i, x[i])
				}
			}
		}
	}
}

// TestVectorKernels checks reluGrad32 and add32 against plain loops, for
// lengths around the kernels' blocks of 8.
func TestVectorKernels(t *testing.T) {
	rng := rand.New(rand.NewSource(10))
	for _, n := range []int{0, 1, 7, 8, 9, 17, 1000} {
		y, dy, dz, dst, src := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range y {
			if rng.Intn(2) == 0 {
				y[i] = rng.Float32()
			}
			dy[i], dz[i] = rng.Float32()-0.5, 99
			dst[i], src[i] = rng.Float32(), rng.Float32()
		}
		want := append([]float32(nil), dst...)
		for i := range want {
			want[i] += src[i]
		}
		reluGrad32(y, dy, dz)
		add32(dst, src)
		for i := range y {
			w := dy[i]
			if y[i] == 0 {
				w = 0
			}
			if math.Float32bits(dz[i]) != math.Float32bits(w) {
				t.Fatalf("n=%d: relu' %d = %g, want %g (y %g, dy %g)", n, i, dz[i], w, y[i], dy[i])
			}
			if dst[i] != want[i] {
				t.Fatalf("n=%d: add %d = %g, want %g", n, i, dst[i], want[i])
			}
		}
	}
}

// TestParallelChunks checks that the pool covers [0, n) exactly once in the
// documented chunks, also from concurrent callers (which fall back to
// goroutines) and nested calls.
func TestParallelChunks(t *testing.T) {
	for _, off := range []bool{false, true} {
		defer func(f func() bool) { poolOff = f }(poolOff)
		poolOff = func() bool { return off }
		testParallelChunks(t)
	}
}

func testParallelChunks(t *testing.T) {
	check := func(n, p int) {
		hits := make([]int32, n)
		var mu sync.Mutex
		var chunks [][2]int
		ParallelChunks(n, p, func(lo, hi int) {
			mu.Lock()
			chunks = append(chunks, [2]int{lo, hi})
			mu.Unlock()
			for i := lo; i < hi; i++ {
				hits[i]++
			}
		})
		for i, h := range hits {
			if h != 1 {
				t.Fatalf("n=%d p=%d: index %d run %d times", n, p, i, h)
			}
		}
		pp := min(p, n)
		if pp >= 1 {
			chunk := n
			if pp > 1 {
				chunk = (n + min(n, chunksPerCore*pp) - 1) / min(n, chunksPerCore*pp)
			}
			for _, c := range chunks {
				if c[0]%chunk != 0 || (c[1] != n && c[1]-c[0] != chunk) {
					t.Fatalf("n=%d p=%d: chunk %v, want multiples of %d", n, p, c, chunk)
				}
			}
		}
	}
	for _, n := range []int{0, 1, 2, 3, 10, 1000} {
		for _, p := range []int{1, 2, 3, 8} {
			check(n, p)
		}
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				check(100+i, 2+i%3)
			}
		}()
	}
	wg.Wait()
	ParallelChunks(10, 2, func(lo, hi int) { check(50, 2) })
}
