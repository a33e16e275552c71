package graph

import (
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// TestKernelsWithoutAVX2 runs the dense op's tests with the assembly
// switched off, as on a CPU without AVX2/FMA (or another architecture):
// the Go paths (and gemm for the narrow products) must pass the same
// checks. The kernels' own tests do the same in internal/kernels.
func TestKernelsWithoutAVX2(t *testing.T) {
	defer kernels.DisableAssembly()()
	for name, test := range map[string]func(*testing.T){
		"dense":      TestDenseKernelsFloat32,
		"skinny":     TestSkinnyProducts,
		"weightgrad": TestWeightGradReusesForward,
	} {
		t.Run(name, test)
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
