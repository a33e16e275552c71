package blas

import (
	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"

	"github.com/gradgraph/gradgraph/internal/gemm"
)

// pureGo is the default BLAS: gonum's implementation with Sgemm replaced by
// gradgraph's packed, cache-blocked kernels (internal/gemm: AVX-512 or
// AVX2+FMA assembly chosen at run time, a Go kernel elsewhere), which reach
// 76–88% of a core's FMA peak on the Dense layers' products where gonum's
// Sgemm reaches about 5%. Every other routine, and a call internal/gemm
// refuses (bad shapes, which gonum turns into its panic as BLAS callers
// expect), stays with gonum.
type pureGo struct{ gonum.Implementation }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with internal/gemm.
func (pureGo) Sgemm(tA, tB gblas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if gemm.Sgemm(tA != gblas.NoTrans, tB != gblas.NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) != nil {
		gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
	}
}

// SplitsItself tells callers (internal/kernels.GemmRows) that Sgemm shares
// a large product out among the cores itself, deterministically, so they
// should not split its rows again.
func (pureGo) SplitsItself() bool { return true }

func init() {
	// The default for every program that builds graphs (package graph
	// imports this one), whether or not it calls Use.
	installGonum()
}
