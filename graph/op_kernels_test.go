package graph

import (
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// TestCSRRowsCols checks rowsOf on a matrix and on its transpose (what the
// weight gradient uses for the columns' nonzeros; split over the cores for
// a matrix this size) against a plain enumeration of the nonzeros.
func TestCSRRowsCols(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	const rows, cols = 128, 784
	x := make([]float32, rows*cols)
	for i := range x {
		if rng.Intn(100) < 19 {
			x[i] = rng.Float32() - 0.5
		}
	}
	x[5] = float32(math.Copysign(0, -1)) // -0 counts as zero
	var r, c csr[float32]
	r.rowsOf(x, rows, cols)
	xT := make([]float32, rows*cols)
	transposeRows(xT, x, rows, cols)
	c.rowsOf(xT, cols, rows)
	for i := 0; i < rows; i++ {
		idx, val := r.row(i)
		n := 0
		for k := 0; k < cols; k++ {
			if v := x[i*cols+k]; v != 0 {
				if n >= len(idx) || int(idx[n]) != k || val[n] != v {
					t.Fatalf("row %d: nonzero %d is (%d, %g), csr has %v", i, n, k, v, idx)
				}
				n++
			}
		}
		if n != len(idx) {
			t.Fatalf("row %d: %d nonzeros, csr has %d", i, n, len(idx))
		}
	}
	for k := 0; k < cols; k++ {
		idx, val := c.row(k)
		n := 0
		for i := 0; i < rows; i++ {
			if v := x[i*cols+k]; v != 0 {
				if n >= len(idx) || int(idx[n]) != i || val[n] != v {
					t.Fatalf("col %d: nonzero %d is (%d, %g), csr has %v", k, n, i, v, idx)
				}
				n++
			}
		}
		if n != len(idx) {
			t.Fatalf("col %d: %d nonzeros, csr has %d", k, n, len(idx))
		}
	}
}

// TestWeightGradReusesForward checks the weight gradient xᵀ·dz computed
// after the forward op on the same x (whose choice of kernel it reuses),
// after x changes (a new buffer), and on an x the forward op has not seen,
// against a float64 reference; float32 tolerance 1e-4 relative to the
// largest |element|.
func TestWeightGradReusesForward(t *testing.T) {
	x, w, b, dy := mnistLayer()
	fwd := &denseOp{relu: true, dt: Float32, batch: 128, in: 784, units: 512}
	gw := &denseGradOp{kind: gradWeights, dt: Float32, rows: 784, cols: 512, inner: 128, fwd: fwd}
	check := func(x *tensor.Dense, runFwd bool) {
		t.Helper()
		if runFwd {
			if _, err := fwd.Do(x, w, b); err != nil {
				t.Fatal(err)
			}
		}
		out, err := gw.Do(x, dy)
		if err != nil {
			t.Fatal(err)
		}
		xs, ds, got := x.Data().([]float32), dy.Data().([]float32), out.Data().([]float32)
		want := make([]float64, 784*512)
		for i := 0; i < 128; i++ {
			for k := 0; k < 784; k++ {
				if v := float64(xs[i*784+k]); v != 0 {
					for j := 0; j < 512; j++ {
						want[k*512+j] += v * float64(ds[i*512+j])
					}
				}
			}
		}
		maxAbs := 0.0
		for _, v := range want {
			maxAbs = math.Max(maxAbs, math.Abs(v))
		}
		for i, v := range want {
			if math.Abs(float64(got[i])-v) > 1e-4*maxAbs {
				t.Fatalf("element %d: got %g, want %g", i, got[i], v)
			}
		}
	}
	check(x, true)
	x2 := x.Clone().(*tensor.Dense)
	xs := x2.Data().([]float32)
	for i := 0; i < len(xs); i += 7 {
		xs[i] = 0
	}
	check(x2, true)
	// A grad op run on an x the forward op has not seen decides for itself.
	if _, err := fwd.Do(x, w, b); err != nil {
		t.Fatal(err)
	}
	check(x2, false)
}

// TestGemmRows checks that gemmRows, its rows shared out among the pool's
// workers with one BLAS call each, computes the same product as one gemm
// call, for every transposition and shapes that split unevenly, and that
// its after hook sees every row once.
func TestGemmRows(t *testing.T) {
	defer func(f func() bool) { poolOff = f }(poolOff)
	poolOff = func() bool { return false }
	rng := rand.New(rand.NewSource(8))
	for _, sh := range []struct{ m, n, k int }{{128, 10, 512}, {512, 10, 128}, {129, 512, 10}, {33, 70, 61}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				a := make([]float64, sh.m*sh.k)
				b := make([]float64, sh.k*sh.n)
				for i := range a {
					a[i] = rng.Float64() - 0.5
				}
				for i := range b {
					b[i] = rng.Float64() - 0.5
				}
				lda, ldb := sh.k, sh.n
				if tA {
					lda = sh.m
				}
				if tB {
					ldb = sh.k
				}
				want := make([]float64, sh.m*sh.n)
				gemm(tA, tB, sh.m, sh.n, sh.k, a, lda, b, ldb, false, want, sh.n)
				got := make([]float64, sh.m*sh.n)
				for i := range got {
					got[i] = math.NaN()
				}
				seen := make([]int32, sh.m)
				gemmRows(tA, tB, sh.m, sh.n, sh.k, a, lda, b, ldb, got, sh.n, func(lo, hi int) {
					for i := lo; i < hi; i++ {
						seen[i]++
					}
				})
				for i := range got {
					if math.Abs(got[i]-want[i]) > 1e-12 {
						t.Fatalf("%v tA=%v tB=%v: c[%d] = %g, want %g", sh, tA, tB, i, got[i], want[i])
					}
				}
				for i, s := range seen {
					if s != 1 {
						t.Fatalf("%v tA=%v tB=%v: after saw row %d %d times", sh, tA, tB, i, s)
					}
				}
			}
		}
	}
}
