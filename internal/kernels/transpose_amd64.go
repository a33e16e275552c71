//go:build !noasm

package kernels

import "github.com/gradgraph/gradgraph/internal/gemm"

// transpose32 writes to t the transpose of columns [c0, c1) of the
// rows×cols matrix a, as rows [c0, c1) of the cols×rows matrix t: 8×8
// blocks with AVX (gemm.Transpose8, the packing routine of the sgemm), the
// edges in Go (transposeGo, its reference).
func transpose32(t, a []float32, rows, cols, c0, c1 int) {
	r8 := 0
	if hasFMA32 {
		r8 = rows / 8 * 8
		b0, b1 := (c0+7)/8, c1/8 // whole blocks of 8 columns inside [c0, c1)
		if b1 > b0 {
			for i := 0; i < r8; i += 8 {
				_ = a[(i+7)*cols+8*b1-1]
				_ = t[(8*b1-1)*rows+i+7]
				gemm.Transpose8(&t[8*b0*rows+i], rows, &a[i*cols+8*b0], cols, b1-b0)
			}
			transposeGo(t, a, rows, cols, 0, r8, c0, 8*b0)
			transposeGo(t, a, rows, cols, 0, r8, 8*b1, c1)
		} else {
			transposeGo(t, a, rows, cols, 0, r8, c0, c1)
		}
	}
	transposeGo(t, a, rows, cols, r8, rows, c0, c1)
}
