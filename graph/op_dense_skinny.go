package graph

import "github.com/gradgraph/gradgraph/internal/kernels"

// A dense layer with a narrow side (at most kernels.SkinnyMax units, such
// as a 10-class output) runs its products through kernels.Skinny; its
// scratch lives in the op (sk), and the forward op's transposed weights
// are reused by the input gradient of the same run.

func skinnyOf[T float](sp *any) *kernels.Skinny[T] {
	s, ok := (*sp).(*kernels.Skinny[T])
	if !ok {
		s = &kernels.Skinny[T]{}
		*sp = s
	}
	return s
}

// transposedW returns the Wᵀ (units×in) that the forward op op left in its
// scratch in this run, when its weights are w, and nil otherwise. The tape
// runs the forward op before the backward ones in every run, and W's
// tensor is the same from run to run, so a match is of this run.
func transposedW[T float](op *denseOp, w []T) []T {
	if op == nil || op.skW == nil || len(w) == 0 || op.skW != any(&w[0]) {
		return nil
	}
	s, ok := op.sk.(*kernels.Skinny[T])
	if !ok {
		return nil
	}
	return s.Transposed()
}
