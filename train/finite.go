package train

import (
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// allFinite reports whether every element of a float32 or float64 tensor
// is finite (kernels.AllFinite32: AVX2 for float32, since every gradient
// passes through it before every update). It reads the slice through
// Float32s/Float64s, which, unlike Data, allocate nothing.
func allFinite(t *tensor.Dense) bool {
	switch t.Dtype() {
	case tensor.Float32:
		return kernels.AllFinite32(t.Float32s())
	case tensor.Float64:
		return kernels.AllFinite64(t.Float64s())
	}
	return true
}
