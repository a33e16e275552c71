package kernels

import (
	"math"
	"math/rand"
	"testing"
)

// TestCSRRowsCols checks RowsOf on a matrix and on its transpose (what the
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
	var r, c CSR[float32]
	r.RowsOf(x, rows, cols)
	xT := make([]float32, rows*cols)
	TransposeRows(xT, x, rows, cols)
	c.RowsOf(xT, cols, rows)
	for i := 0; i < rows; i++ {
		idx, val := r.Row(i)
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
		idx, val := c.Row(k)
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
