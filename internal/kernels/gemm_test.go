package kernels

import (
	"math"
	"math/rand"
	"testing"
)

// TestGemmRows checks that GemmRows, its rows shared out among the pool's
// workers with one BLAS call each, computes the same product as one Gemm
// call, for every transposition and shapes that split unevenly, and that
// its after hook sees every row once.
func TestGemmRows(t *testing.T) {
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
				Gemm(tA, tB, sh.m, sh.n, sh.k, a, lda, b, ldb, false, want, sh.n)
				got := make([]float64, sh.m*sh.n)
				for i := range got {
					got[i] = math.NaN()
				}
				seen := make([]int32, sh.m)
				GemmRows(tA, tB, sh.m, sh.n, sh.k, a, lda, b, ldb, got, sh.n, func(lo, hi int) {
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
