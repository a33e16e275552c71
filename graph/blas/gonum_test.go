//go:build !openblas || !cgo

package blas

import (
	"math"
	"testing"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func gemmCalls() uint64 { return 0 }

func checkGemmCalls(t *testing.T, calls uint64, min int) {}

func benchBackends() []benchBackend {
	return []benchBackend{{"gonum", gonum.Implementation{}, nil}, {"pure Go (gradgraph sgemm)", pureGo{}, nil}}
}

// TestDefaultIsPureGo: without Use, and after it in this build, Gorgonia and
// tensor run the pure-Go default (gradgraph's sgemm, gonum for the rest).
func TestDefaultIsPureGo(t *testing.T) {
	if got := Name(); got != GonumName {
		t.Fatalf("Name() before Use = %q", got)
	}
	name, _ := Use()
	if name != GonumName {
		t.Fatalf("Use() = %q, want %q", name, GonumName)
	}
	if _, ok := gorgonia.WhichBLAS().(pureGo); !ok {
		t.Fatalf("gorgonia BLAS is %T", gorgonia.WhichBLAS())
	}
	if _, ok := tensor.WhichBLAS().(pureGo); !ok {
		t.Fatalf("tensor BLAS is %T", tensor.WhichBLAS())
	}
}

func defaultThreadsForBench() int { return 1 }

// TestPureGoSgemmMatchesGonum: the default's Sgemm agrees with gonum's on
// the Dense layers' three products (to float32 rounding of a 784-term sum),
// and a call internal/gemm refuses panics as gonum's does.
func TestPureGoSgemmMatchesGonum(t *testing.T) {
	const m, n, k = 33, 70, 784
	a := make([]float32, m*k)
	b := make([]float32, k*n)
	for i := range a {
		a[i] = float32(i%17) - 8
	}
	for i := range b {
		b[i] = float32(i%13)/13 - 0.5
	}
	for _, tc := range []struct {
		name       string
		tA, tB     bool
		mm, nn, kk int
		lda, ldb   int
	}{
		{"x·W", false, false, m, n, k, k, n},
		{"dy·Wᵀ", false, true, m, k, n, n, n},
		{"xᵀ·dy", true, false, k, n, m, k, n},
	} {
		want := make([]float32, tc.mm*tc.nn)
		got := make([]float32, tc.mm*tc.nn)
		tr := func(t bool) gblas.Transpose {
			if t {
				return gblas.Trans
			}
			return gblas.NoTrans
		}
		gonum.Implementation{}.Sgemm(tr(tc.tA), tr(tc.tB), tc.mm, tc.nn, tc.kk, 1, a, tc.lda, b, tc.ldb, 0, want, tc.nn)
		pureGo{}.Sgemm(tr(tc.tA), tr(tc.tB), tc.mm, tc.nn, tc.kk, 1, a, tc.lda, b, tc.ldb, 0, got, tc.nn)
		for i := range want {
			if d := math.Abs(float64(got[i] - want[i])); d > 1e-3*(1+math.Abs(float64(want[i]))) {
				t.Fatalf("%s: element %d: %v, gonum %v", tc.name, i, got[i], want[i])
			}
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("a product of mismatched shapes did not panic")
		}
	}()
	pureGo{}.Sgemm(gblas.NoTrans, gblas.NoTrans, 4, 4, 4, 1, make([]float32, 3), 4, make([]float32, 16), 4, 0, make([]float32, 16), 4)
}
