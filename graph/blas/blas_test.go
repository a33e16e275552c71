package blas

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// installed returns the BLAS that Gorgonia and tensor use after Use.
func installed(t testing.TB) gorgonia.BLAS {
	t.Helper()
	name, err := Use()
	if err != nil {
		t.Logf("Use: %v", err)
	}
	if name != Name() {
		t.Fatalf("Use returned %q, Name() = %q", name, Name())
	}
	g, tb := gorgonia.WhichBLAS(), tensor.WhichBLAS()
	if fmt.Sprintf("%T", g) != fmt.Sprintf("%T", tb) {
		t.Fatalf("gorgonia uses %T but tensor uses %T", g, tb)
	}
	return g
}

func randF32(r *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = r.Float32()*2 - 1
	}
	return s
}

func randF64(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = r.Float64()*2 - 1
	}
	return s
}

// at reads element (i,j) of op(X) where X is row-major with leading dim ld.
func at[T float32 | float64](x []T, ld int, tr gblas.Transpose, i, j int) float64 {
	if tr != gblas.NoTrans {
		i, j = j, i
	}
	return float64(x[i*ld+j])
}

// naiveGemm is the reference: C = alpha*op(A)*op(B) + beta*C, row-major,
// accumulated in float64.
func naiveGemm[T float32 | float64](tA, tB gblas.Transpose, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) []float64 {
	out := make([]float64, len(c))
	for i := range c {
		out[i] = float64(c[i])
	}
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				s += at(a, lda, tA, i, p) * at(b, ldb, tB, p, j)
			}
			out[i*ldc+j] = float64(alpha)*s + float64(beta)*float64(c[i*ldc+j])
		}
	}
	return out
}

func checkClose[T float32 | float64](t *testing.T, what string, got []T, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	for i := range got {
		g := float64(got[i])
		if d := math.Abs(g - want[i]); d > tol*math.Max(1, math.Abs(want[i])) || math.IsNaN(g) {
			t.Fatalf("%s: element %d = %v, want %v (diff %g)", what, i, g, want[i], d)
		}
	}
}

var transposes = []gblas.Transpose{gblas.NoTrans, gblas.Trans}

func trName(t gblas.Transpose) string { return string(rune(t)) }

// gemmShapes are non-square on purpose, and include the MNIST recipe's.
var gemmShapes = [][3]int{{1, 1, 1}, {7, 5, 3}, {3, 11, 17}, {37, 53, 29}, {128, 10, 512}, {64, 96, 130}}

func TestSgemmTransposes(t *testing.T) {
	impl := installed(t)
	r := rand.New(rand.NewSource(1))
	for _, sh := range gemmShapes {
		m, n, k := sh[0], sh[1], sh[2]
		for _, tA := range transposes {
			for _, tB := range transposes {
				for _, pad := range []int{0, 3} {
					ar, ac := m, k
					if tA == gblas.Trans {
						ar, ac = k, m
					}
					br, bc := k, n
					if tB == gblas.Trans {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+pad, bc+pad, n+pad
					a, b, c := randF32(r, ar*lda), randF32(r, br*ldb), randF32(r, m*ldc)
					want := naiveGemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, c, ldc)
					impl.Sgemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, c, ldc)
					checkClose(t, fmt.Sprintf("Sgemm %s%s m=%d n=%d k=%d pad=%d", trName(tA), trName(tB), m, n, k, pad), c, want, 1e-4)

					a64, b64, c64 := randF64(r, ar*lda), randF64(r, br*ldb), randF64(r, m*ldc)
					want = naiveGemm(tA, tB, m, n, k, -0.5, a64, lda, b64, ldb, 2, c64, ldc)
					impl.Dgemm(tA, tB, m, n, k, -0.5, a64, lda, b64, ldb, 2, c64, ldc)
					checkClose(t, fmt.Sprintf("Dgemm %s%s m=%d n=%d k=%d pad=%d", trName(tA), trName(tB), m, n, k, pad), c64, want, 1e-10)
				}
			}
		}
	}
}

// Empty problems and k=0 must behave as gonum: C = beta*C.
func TestSgemmDegenerate(t *testing.T) {
	impl := installed(t)
	c := []float32{1, 2, 3, 4, 5, 6}
	impl.Sgemm(gblas.NoTrans, gblas.NoTrans, 2, 3, 0, 1, make([]float32, 2), 1, make([]float32, 3), 3, 2, c, 3)
	checkClose(t, "k=0", c, []float64{2, 4, 6, 8, 10, 12}, 0)
	impl.Sgemm(gblas.NoTrans, gblas.NoTrans, 0, 3, 2, 1, nil, 2, make([]float32, 6), 3, 2, nil, 3)
	defer func() {
		if recover() == nil {
			t.Fatal("bad lda did not panic")
		}
	}()
	impl.Sgemm(gblas.NoTrans, gblas.NoTrans, 2, 3, 4, 1, make([]float32, 8), 3, make([]float32, 12), 3, 0, c, 3)
}

func naiveGemv(tA gblas.Transpose, m, n int, alpha float64, a []float64, lda int, x []float64, incX int, beta float64, y []float64, incY int) []float64 {
	lenX, lenY := n, m
	if tA != gblas.NoTrans {
		lenX, lenY = m, n
	}
	idx := func(i, l, inc int) int {
		if inc > 0 {
			return i * inc
		}
		return (l - 1 - i) * -inc
	}
	out := append([]float64(nil), y...)
	for i := 0; i < lenY; i++ {
		var s float64
		for j := 0; j < lenX; j++ {
			s += at(a, lda, tA, i, j) * x[idx(j, lenX, incX)]
		}
		out[idx(i, lenY, incY)] = alpha*s + beta*y[idx(i, lenY, incY)]
	}
	return out
}

func TestGemv(t *testing.T) {
	impl := installed(t)
	r := rand.New(rand.NewSource(2))
	for _, sh := range [][2]int{{1, 1}, {5, 3}, {17, 40}, {128, 512}} {
		m, n := sh[0], sh[1]
		for _, tA := range transposes {
			for _, inc := range [][2]int{{1, 1}, {2, 3}, {-1, 2}, {3, -2}} {
				lda := n + 1
				lenX, lenY := n, m
				if tA == gblas.Trans {
					lenX, lenY = m, n
				}
				abs := func(i int) int { return int(math.Abs(float64(i))) }
				a := randF64(r, m*lda)
				x := randF64(r, (lenX-1)*abs(inc[0])+1)
				y := randF64(r, (lenY-1)*abs(inc[1])+1)
				want := naiveGemv(tA, m, n, 1.25, a, lda, x, inc[0], 0.75, y, inc[1])
				what := fmt.Sprintf("gemv %s m=%d n=%d inc=%v", trName(tA), m, n, inc)

				a32, x32, y32 := to32(a), to32(x), to32(y)
				impl.Sgemv(tA, m, n, 1.25, a32, lda, x32, inc[0], 0.75, y32, inc[1])
				checkClose(t, "S"+what, y32, want, 1e-4)
				impl.Dgemv(tA, m, n, 1.25, a, lda, x, inc[0], 0.75, y, inc[1])
				checkClose(t, "D"+what, y, want, 1e-10)
			}
		}
	}
}

func to32(s []float64) []float32 {
	o := make([]float32, len(s))
	for i, v := range s {
		o[i] = float32(v)
	}
	return o
}

func TestLevel1(t *testing.T) {
	impl := installed(t)
	r := rand.New(rand.NewSource(3))
	for _, n := range []int{1, 100, 5000, 20000} {
		for _, inc := range [][2]int{{1, 1}, {2, -3}} {
			ix, iy := inc[0], inc[1]
			x := randF64(r, (n-1)*int(math.Abs(float64(ix)))+1)
			y := randF64(r, (n-1)*int(math.Abs(float64(iy)))+1)
			// Reference through gemv with a 1×n matrix is circular; do it by hand.
			xi := func(i int) int {
				if ix > 0 {
					return i * ix
				}
				return (n - 1 - i) * -ix
			}
			yi := func(i int) int {
				if iy > 0 {
					return i * iy
				}
				return (n - 1 - i) * -iy
			}
			var dot float64
			axpy := append([]float64(nil), y...)
			for i := 0; i < n; i++ {
				dot += x[xi(i)] * y[yi(i)]
				axpy[yi(i)] += 0.5 * x[xi(i)]
			}
			what := fmt.Sprintf("n=%d inc=%v", n, inc)
			x32, y32 := to32(x), to32(y)
			if got := impl.Sdot(n, x32, ix, y32, iy); math.Abs(float64(got)-dot) > 1e-4*math.Max(1, math.Sqrt(float64(n))) {
				t.Fatalf("Sdot %s = %v, want %v", what, got, dot)
			}
			if got := impl.Ddot(n, x, ix, y, iy); math.Abs(got-dot) > 1e-9 {
				t.Fatalf("Ddot %s = %v, want %v", what, got, dot)
			}
			impl.Saxpy(n, 0.5, x32, ix, y32, iy)
			checkClose(t, "Saxpy "+what, y32, axpy, 1e-5)
			impl.Daxpy(n, 0.5, x, ix, y, iy)
			checkClose(t, "Daxpy "+what, y, axpy, 1e-12)
		}
	}
}

func TestGorgoniaMatMul(t *testing.T) {
	installed(t)
	const bsz, in, out = 16, 33, 9
	r := rand.New(rand.NewSource(4))
	xs, ws, rs := randF32(r, bsz*in), randF32(r, in*out), randF32(r, bsz*out)
	// References before running: in-place ops may reuse buffers.
	wantY := naiveGemm(gblas.NoTrans, gblas.NoTrans, bsz, out, in, 1, xs, in, ws, out, 0, make([]float32, bsz*out), out)
	wantDW := naiveGemm(gblas.Trans, gblas.NoTrans, in, out, bsz, 1, xs, in, rs, out, 0, make([]float32, in*out), out)
	wantDX := naiveGemm(gblas.NoTrans, gblas.Trans, bsz, in, out, 1, rs, out, ws, out, 0, make([]float32, bsz*in), in)

	g := gorgonia.NewGraph()
	x := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(bsz, in), gorgonia.WithName("x"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(bsz, in), tensor.WithBacking(append([]float32(nil), xs...)))))
	w := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(in, out), gorgonia.WithName("w"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(in, out), tensor.WithBacking(append([]float32(nil), ws...)))))
	rn := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(bsz, out), gorgonia.WithName("r"),
		gorgonia.WithValue(tensor.New(tensor.WithShape(bsz, out), tensor.WithBacking(append([]float32(nil), rs...)))))
	y := gorgonia.Must(gorgonia.Mul(x, w))
	var yv gorgonia.Value
	gorgonia.Read(y, &yv)
	cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(y, rn))))
	if _, err := gorgonia.Grad(cost, x, w); err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	before := gemmCalls()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	calls := gemmCalls() - before
	t.Logf("backend %s: %d gemm calls served by it during RunAll", Name(), calls)
	checkGemmCalls(t, calls, 3)

	checkClose(t, "y = x·w", yv.Data().([]float32), wantY, 1e-4)
	dw, err := w.Grad()
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "dW = xᵀ·r", dw.Data().([]float32), wantDW, 1e-4)
	dx, err := x.Grad()
	if err != nil {
		t.Fatal(err)
	}
	checkClose(t, "dx = r·wᵀ", dx.Data().([]float32), wantDX, 1e-4)
}

// A matrix-vector product goes through tensor's MatVecMul → Sgemv.
func TestGorgoniaMatVec(t *testing.T) {
	installed(t)
	const m, n = 12, 7
	r := rand.New(rand.NewSource(5))
	as, vs := randF32(r, m*n), randF32(r, n)
	want := naiveGemm(gblas.NoTrans, gblas.NoTrans, m, 1, n, 1, as, n, vs, 1, 0, make([]float32, m), 1)
	g := gorgonia.NewGraph()
	a := gorgonia.NewMatrix(g, tensor.Float32, gorgonia.WithShape(m, n),
		gorgonia.WithValue(tensor.New(tensor.WithShape(m, n), tensor.WithBacking(as))))
	v := gorgonia.NewVector(g, tensor.Float32, gorgonia.WithShape(n),
		gorgonia.WithValue(tensor.New(tensor.WithShape(n), tensor.WithBacking(vs))))
	y := gorgonia.Must(gorgonia.Mul(a, v))
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	checkClose(t, "A·v", y.Value().Data().([]float32), want, 1e-4)
}
