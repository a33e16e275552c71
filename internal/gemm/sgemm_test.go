package gemm

import (
	"fmt"
	"github.com/gradgraph/gradgraph/internal/fma"
	"math"
	"math/rand"
	"runtime"
	"testing"
)

// guard fills the elements of a strided matrix that Sgemm must not touch.
const guard = float32(-7777.25)

// strided is a rows×cols matrix stored with row stride ld at offset off in
// buf, every other element of buf holding guard.
type strided struct {
	buf           []float32
	off, rows, ld int
	cols          int
}

func newStrided(rng *rand.Rand, rows, cols, pad int) strided {
	ld := max(cols, 1) + pad
	off := 5
	buf := make([]float32, off+rows*ld+7)
	for i := range buf {
		buf[i] = guard
	}
	s := strided{buf: buf, off: off, rows: rows, ld: ld, cols: cols}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			buf[off+i*ld+j] = float32(rng.Float64()*2 - 1)
		}
	}
	return s
}

// view is what Sgemm receives: from the first element to the end of buf.
func (s strided) view() []float32 { return s.buf[s.off:] }

func (s strided) at(i, j int) float32 { return s.buf[s.off+i*s.ld+j] }

// checkGuards reports the first element outside the matrix that changed.
func (s strided) checkGuards() error {
	for x, v := range s.buf {
		r, c := (x-s.off)/s.ld, (x-s.off)%s.ld
		inside := x >= s.off && r < s.rows && c < s.cols
		if !inside && v != guard {
			return fmt.Errorf("guard element %d (row %d col %d) overwritten with %v", x, r, c, v)
		}
	}
	return nil
}

// reference computes alpha·op(A)·op(B) + beta·C in float64 and, for each
// element, the bound |alpha|·Σ|a||b| + |beta·c| that scales its rounding error.
func reference(transA, transB bool, m, n, k int, alpha float32, a strided, b strided, beta float32, c strided) (want, mag []float64) {
	want = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, sa float64
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a.at(p, i)
				} else {
					av = a.at(i, p)
				}
				if transB {
					bv = b.at(j, p)
				} else {
					bv = b.at(p, j)
				}
				s += float64(av) * float64(bv)
				sa += math.Abs(float64(av) * float64(bv))
			}
			w := float64(alpha) * s
			g := math.Abs(float64(alpha)) * sa
			if beta != 0 {
				w += float64(beta) * float64(c.at(i, j))
				g += math.Abs(float64(beta) * float64(c.at(i, j)))
			}
			want[i*n+j], mag[i*n+j] = w, g
		}
	}
	return want, mag
}

// chain computes what Sgemm promises bit for bit, one element at a time:
// an FMA chain over k in ascending order starting from beta·C (C itself
// when beta is 1, zero when it is 0), or, when alpha ≠ 1, alpha times the
// chain from zero added to beta·C.
func chain(g gemmCase, a, b, c strided) []float32 {
	at := func(s strided, tr bool, i, j int) float32 {
		if tr {
			return s.at(j, i)
		}
		return s.at(i, j)
	}
	out := make([]float32, g.m*g.n)
	for i := 0; i < g.m; i++ {
		for j := 0; j < g.n; j++ {
			var start float32
			switch g.beta {
			case 0:
			case 1:
				start = c.at(i, j)
			default:
				start = g.beta * c.at(i, j)
			}
			s := start
			if g.alpha != 1 {
				s = 0
			}
			for p := 0; p < g.k; p++ {
				s = fma.F32(at(a, g.transA, i, p), at(b, g.transB, p, j), s)
			}
			switch {
			case g.alpha == 1:
			case g.beta == 0:
				s = float32(g.alpha * s)
			default:
				s = float32(g.alpha*s) + start
			}
			out[i*g.n+j] = s
		}
	}
	return out
}

// kernels lists every kernel this machine can run: the assembly ones and Go.
func kernels() []*microKernel { return append(asmKernels(), goKernel) }

// withKernel runs f with Sgemm using kern.
// The Go kernel runs with Go packing, so that the assembly-free path of
// this machine is the one checked.
func withKernel(kern *microKernel, f func()) {
	defer func(k *microKernel) { kernel = k }(kernel)
	kernel = kern
	if kern == goKernel {
		defer setAsmPack(setAsmPack(false))
	}
	f()
}

type gemmCase struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    float32
}

// stored returns the rows and columns of A and B as stored (op(A) is m×k,
// op(B) k×n).
func (g gemmCase) stored() (ar, ac, br, bc int) {
	ar, ac, br, bc = g.m, g.k, g.k, g.n
	if g.transA {
		ar, ac = g.k, g.m
	}
	if g.transB {
		br, bc = g.n, g.k
	}
	return ar, ac, br, bc
}

func (g gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v %dx%dx%d alpha=%g beta=%g", g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.beta)
}

// checkCase runs one Sgemm on strided operands with each kernel and
// compares it bit for bit with chain (so every kernel with every other),
// and with the float64 reference, to 3·(k+2) float32 roundings of
// the magnitude bound (recursive summation's worst case is k+2), and checks
// the guards around A, B and C.
func checkCase(t *testing.T, rng *rand.Rand, g gemmCase, kerns []*microKernel) {
	t.Helper()
	ar, ac, br, bc := g.stored()
	a := newStrided(rng, ar, ac, 3)
	b := newStrided(rng, br, bc, 1)
	c0 := newStrided(rng, g.m, g.n, 2)
	if g.beta == 0 {
		for i := 0; i < g.m; i++ {
			for j := 0; j < g.n; j++ {
				c0.buf[c0.off+i*c0.ld+j] = float32(math.NaN())
			}
		}
	}
	want, mag := reference(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a, b, g.beta, c0)
	bits := chain(g, a, b, c0)
	for _, kern := range kerns {
		c := c0
		c.buf = append([]float32(nil), c0.buf...)
		withKernel(kern, func() {
			if err := Sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, a.view(), a.ld, b.view(), b.ld, g.beta, c.view(), c.ld); err != nil {
				t.Fatalf("%s %v: %v", kern.name, g, err)
			}
		})
		for i := 0; i < g.m; i++ {
			for j := 0; j < g.n; j++ {
				if got, w := c.at(i, j), bits[i*g.n+j]; math.Float32bits(got) != math.Float32bits(w) {
					t.Fatalf("%s %v: C[%d][%d] = %v (%#x), the FMA chain gives %v (%#x)", kern.name, g, i, j, got, math.Float32bits(got), w, math.Float32bits(w))
				}
			}
		}
		const u = 1.0 / (1 << 24)
		bad := 0
		for i := 0; i < g.m && bad < 3; i++ {
			for j := 0; j < g.n; j++ {
				got := float64(c.at(i, j))
				tol := 3 * float64(g.k+2) * u * mag[i*g.n+j]
				if !(math.Abs(got-want[i*g.n+j]) <= tol) {
					t.Errorf("%s %v: C[%d][%d] = %v, want %v ± %.3g", kern.name, g, i, j, got, want[i*g.n+j], tol)
					if bad++; bad == 3 {
						break
					}
				}
			}
		}
		for _, s := range []strided{a, b, c} {
			if err := s.checkGuards(); err != nil {
				t.Errorf("%s %v: %v", kern.name, g, err)
			}
		}
	}
}

// oddShapes crosses the sizes around every block edge (1, a kernel's mr and
// nr ± 1, kc = 256 ± 1, beyond mc) sparsely: each size appears in every
// position, in 45 triples instead of 15³.
func oddShapes() [][3]int {
	dims := []int{1, 2, 3, 7, 15, 16, 17, 31, 33, 63, 65, 127, 129, 255, 513}
	var shapes [][3]int
	for i := range dims {
		for _, s := range [][2]int{{4, 9}, {7, 2}, {11, 13}} {
			shapes = append(shapes, [3]int{dims[i], dims[(i+s[0])%len(dims)], dims[(i+s[1])%len(dims)]})
		}
	}
	// Wider than one packed B block (ncMax) and deep enough for two depth
	// blocks, with edges on every side; and B's stride 1024 (1023 columns
	// plus the pad), which packs B instead of reading it in place.
	return append(shapes, [3]int{5, ncMax + 37, 300}, [3]int{40, 1023, 50})
}

func TestSgemmOddShapes(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	scalars := [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.5}, {1, -2}, {0.5, 0}}
	for si, s := range oddShapes() {
		for tr := 0; tr < 4; tr++ {
			ab := scalars[(si+tr)%len(scalars)]
			checkCase(t, rng, gemmCase{tr&1 != 0, tr&2 != 0, s[0], s[1], s[2], ab[0], ab[1]}, kernels())
		}
	}
}

// TestSgemmLayerShapes checks the three products of a 784→512 dense layer
// and a 512→10 output layer on a batch of 128, and square 512 products, on
// every kernel.
func TestSgemmLayerShapes(t *testing.T) {
	if testing.Short() {
		t.Skip("large shapes")
	}
	cases := []gemmCase{
		{false, false, 128, 512, 784, 1, 0},   // x·W
		{false, true, 128, 784, 512, 1, 0},    // dy·Wᵀ
		{true, false, 784, 512, 128, -2, 0.5}, // xᵀ·dy, accumulated
		{false, false, 512, 512, 512, 0.5, 1},
		{true, true, 512, 512, 512, 1, -2},
		{false, false, 128, 10, 512, 1, 0},  // the output layer, computed as Cᵀ
		{false, true, 128, 512, 10, 1, 0},   // its dy·Wᵀ
		{true, false, 512, 10, 128, 1, 0.5}, // its xᵀ·dy, as Cᵀ
	}
	rng := rand.New(rand.NewSource(2))
	for _, g := range cases {
		checkCase(t, rng, g, kernels())
	}
}

// TestSgemmAlphaZero: alpha = 0 or k = 0 only scales C, and beta = 0 then
// clears it, NaN included, without reading A and B (nil here).
func TestSgemmAlphaZero(t *testing.T) {
	for _, g := range []struct {
		alpha, beta float32
		k           int
		want        float32
	}{{0, 0, 3, 0}, {0, 2, 3, 6}, {1, 0, 0, 0}, {1, -1, 0, -3}} {
		c := []float32{3, 3, 3, guard, 3, 3, 3}
		if g.beta == 0 {
			c = []float32{float32(math.NaN()), 3, 3, guard, 3, 3, float32(math.NaN())}
		}
		var a, b []float32
		if g.k > 0 {
			a, b = make([]float32, 2*g.k), make([]float32, 3*g.k)
		}
		if err := Sgemm(false, false, 2, 3, g.k, g.alpha, a, max(g.k, 1), b, 3, g.beta, c, 4); err != nil {
			t.Fatalf("%+v: %v", g, err)
		}
		for i, v := range c {
			want := g.want
			if i == 3 {
				want = guard
			}
			if v != want {
				t.Errorf("alpha=%g beta=%g k=%d: c[%d] = %v, want %v", g.alpha, g.beta, g.k, i, v, want)
			}
		}
	}
}

// TestSgemmExact: small integers multiply exactly, so every kernel must give
// the hand-computed product bit for bit, including beta·C.
func TestSgemmExact(t *testing.T) {
	a := []float32{1, 2, 3, 4, 5, 6}        // 2×3
	b := []float32{7, 8, 9, 10, 11, 12}     // 3×2
	want := []float32{58 + 1, 64, 139, 154} // A·B + 1·C with C = [1 0; 0 0]
	for _, kern := range kernels() {
		withKernel(kern, func() {
			c := []float32{1, 0, 0, 0}
			if err := Sgemm(false, false, 2, 2, 3, 1, a, 3, b, 2, 1, c, 2); err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if c[i] != want[i] {
					t.Errorf("%s: c = %v, want %v", kern.name, c, want)
					break
				}
			}
		})
	}
}

func TestSgemmBadInput(t *testing.T) {
	a, b, c := make([]float32, 6), make([]float32, 6), make([]float32, 4)
	for _, g := range []struct {
		name          string
		m, n, k       int
		lda, ldb, ldc int
		a, b, c       []float32
	}{
		{"negative m", -1, 2, 3, 3, 2, 2, a, b, c},
		{"short lda", 2, 2, 3, 2, 2, 2, a, b, c},
		{"short ldc", 2, 2, 3, 3, 2, 1, a, b, c},
		{"short a", 2, 2, 3, 3, 2, 2, a[:5], b, c},
		{"short b", 2, 2, 3, 3, 2, 2, a, b[:5], c},
		{"short c", 2, 2, 3, 3, 2, 2, a, b, c[:3]},
	} {
		if err := Sgemm(false, false, g.m, g.n, g.k, 1, g.a, g.lda, g.b, g.ldb, 0, g.c, g.ldc); err == nil {
			t.Errorf("%s: no error", g.name)
		}
	}
}

// TestSgemmDeterministic: the same product on 1 and 2 goroutines (a shape
// above the split threshold) is the same bit for bit, and so is a rerun.
func TestSgemmDeterministic(t *testing.T) {
	m, n, k := 128, 512, 784
	rng := rand.New(rand.NewSource(3))
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	run := func(procs int) []float32 {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c := make([]float32, m*n)
		if err := Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n); err != nil {
			t.Fatal(err)
		}
		return c
	}
	one := run(1)
	for _, procs := range []int{2, 2, 1} {
		c := run(procs)
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(one[i]) {
				t.Fatalf("GOMAXPROCS=%d: c[%d] = %v, GOMAXPROCS=1 gave %v", procs, i, c[i], one[i])
			}
		}
	}
}

// TestSgemmNoAllocs: steady-state calls reuse pooled packing buffers and
// parked workers, on one goroutine and split over two.
func TestSgemmNoAllocs(t *testing.T) {
	for _, g := range []struct {
		procs, m, n, k int
	}{{1, 64, 96, 300}, {2, 128, 512, 784}} {
		rng := rand.New(rand.NewSource(4))
		a, b, c := randSlice(rng, g.m*g.k), randSlice(rng, g.k*g.n), make([]float32, g.m*g.n)
		old := runtime.GOMAXPROCS(g.procs)
		allocs := testing.AllocsPerRun(10, func() {
			if err := Sgemm(false, true, g.m, g.n, g.k, 1, a, g.k, b, g.k, 0, c, g.n); err != nil {
				t.Fatal(err)
			}
		})
		runtime.GOMAXPROCS(old)
		if allocs != 0 {
			t.Errorf("GOMAXPROCS=%d %dx%dx%d: %v allocations per call, want 0", g.procs, g.m, g.n, g.k, allocs)
		}
	}
}

func randSlice(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.Float64()*2 - 1)
	}
	return x
}

// TestSgemmConcurrent: calls from several goroutines at once (sharing the
// pools and the workers) give each the same bits as a call alone.
func TestSgemmConcurrent(t *testing.T) {
	m, n, k := 96, 640, 700 // above the split threshold
	rng := rand.New(rand.NewSource(5))
	a, b := randSlice(rng, m*k), randSlice(rng, k*n)
	want := make([]float32, m*n)
	if err := Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, want, n); err != nil {
		t.Fatal(err)
	}
	const callers = 4
	got := make([][]float32, callers)
	errs := make(chan error, callers)
	for g := range got {
		got[g] = make([]float32, m*n)
		go func(c []float32) {
			errs <- Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
		}(got[g])
	}
	for range got {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	for g, c := range got {
		for i := range c {
			if math.Float32bits(c[i]) != math.Float32bits(want[i]) {
				t.Fatalf("caller %d: c[%d] = %v, alone %v", g, i, c[i], want[i])
			}
		}
	}
}
