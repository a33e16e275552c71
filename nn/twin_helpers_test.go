package nn

import (
	"math/rand"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/approx"
)

// The tolerance and random values of nn's layer tests that compare a
// layer built from fused ops with its twin (internal/approx holds the
// comparisons graph's op-level parity tests use too).

// twinTol is graph's parity tolerance (approx.Tol): 4·n units of roundoff
// for a longest sum of n terms, relative to max(|twin|, 1), and no less
// than 2e-5 (float32) or 1e-12 (float64).
func twinTol(dt tensor.Dtype, n int) float64 { return approx.Tol(dt == tensor.Float32, n) }

func randFloats(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}
