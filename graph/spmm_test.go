package graph

import (
	"math"
	"math/rand"
	"sync"
	"testing"
)

// spmmRef is (sparse c)·b + out0 in float64, term by term.
func spmmRef(out0 []float32, c *csr[float32], b []float32, ld, n int) []float64 {
	ref := make([]float64, len(out0))
	for r := range c.cnt {
		idx, val := c.row(r)
		for j := 0; j < n; j++ {
			s := float64(out0[r*n+j])
			for t, k := range idx {
				s += float64(val[t]) * float64(b[int(k)*ld+j])
			}
			ref[r*n+j] = s
		}
	}
	return ref
}

// TestSpmmKernel checks spmm (packed blocks, panels, the assembly panel
// kernel where the CPU has AVX2/FMA, the Go loop for a partial block)
// against a float64 reference, tolerance 1e-5 relative to the sum of the
// terms' magnitudes; and that the panel size does not change a bit of the
// result (every element sums its terms in the same order).
func TestSpmmKernel(t *testing.T) {
	defer func(f func() bool) { poolOff = f }(poolOff)
	poolOff = func() bool { return false } // on the pool's workers
	rng := rand.New(rand.NewSource(5))
	for _, sh := range []struct{ rows, kdim, n int }{{128, 784, 512}, {37, 300, 150}, {784, 128, 512}, {5, 9, 10}} {
		x := make([]float32, sh.rows*sh.kdim)
		for i := range x {
			if rng.Intn(100) < 19 {
				x[i] = rng.Float32() - 0.5
			}
		}
		b := make([]float32, sh.kdim*sh.n)
		for i := range b {
			b[i] = rng.Float32() - 0.5
		}
		out0 := make([]float32, sh.rows*sh.n)
		for i := range out0 {
			out0[i] = rng.Float32() - 0.5
		}
		var c csr[float32]
		c.rowsOf(x, sh.rows, sh.kdim)
		ref := spmmRef(out0, &c, b, sh.n, sh.n)
		var first []float32
		defer func(p int) { spmmPanel = p }(spmmPanel)
		for _, ps := range []int{256, 1 << 20, 7} {
			spmmPanel = ps
			out := make([]float32, len(out0))
			after := 0
			var mu sync.Mutex
			spmm(out, &c, b, sh.n, sh.n, func(j0, j1 int) {
				for r := 0; r < sh.rows; r++ {
					copy(out[r*sh.n+j0:r*sh.n+j1], out0[r*sh.n+j0:r*sh.n+j1])
				}
			}, func(j0, j1 int) {
				mu.Lock()
				after += j1 - j0
				mu.Unlock()
			})
			if after != sh.n {
				t.Fatalf("%v: after hooks covered %d columns, want %d", sh, after, sh.n)
			}
			for r := 0; r < sh.rows; r++ {
				idx, val := c.row(r)
				for j := 0; j < sh.n; j++ {
					mag := math.Abs(float64(out0[r*sh.n+j]))
					for q, k := range idx {
						mag += math.Abs(float64(val[q]) * float64(b[int(k)*sh.n+j]))
					}
					if d := math.Abs(float64(out[r*sh.n+j]) - ref[r*sh.n+j]); d > 1e-5*mag+1e-30 {
						t.Fatalf("%v panel %d: out[%d][%d] = %g, want %g", sh, ps, r, j, out[r*sh.n+j], ref[r*sh.n+j])
					}
				}
			}
			if first == nil {
				first = out
				continue
			}
			for i := range out {
				if math.Float32bits(out[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%v: panel %d changes element %d: %g, panel 256 gives %g", sh, ps, i, out[i], first[i])
				}
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
