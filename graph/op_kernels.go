package graph

import (
	"github.com/gradgraph/gradgraph/internal/kernels"

	G "gorgonia.org/gorgonia"
)

// The arithmetic of the fused ops (products, sparse products, ReLU) lives
// in internal/kernels, which knows nothing of Gorgonia; float is its
// element type, float32 or float64.
type float = kernels.Float

// The kernels' products call the BLAS installed in Gorgonia (graph/blas's
// default, OpenBLAS, or whatever a program passes to gorgonia.Use), asked
// for at each call, as the tensors' own products do. This is the one place
// the kernels meet Gorgonia.
func init() {
	kernels.UseBLAS(func() kernels.BLAS { return G.WhichBLAS() })
}
