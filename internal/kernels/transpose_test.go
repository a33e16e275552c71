package kernels

import (
	"fmt"
	"math/rand"
	"testing"
)

// TestTransposeRows checks TransposeRows (8×8 AVX blocks and Go edges, the
// columns shared out among the cores) against the definition, for shapes
// that are and are not multiples of 8, in float32 and float64.
func TestTransposeRows(t *testing.T) {
	rng := rand.New(rand.NewSource(12))
	for _, sh := range [][2]int{{128, 784}, {96, 784}, {33, 97}, {8, 8}, {7, 9}, {1, 20}, {200, 3}, {16, 1000}} {
		rows, cols := sh[0], sh[1]
		name := fmt.Sprintf("%dx%d", rows, cols)
		a := make([]float32, rows*cols)
		a64 := make([]float64, rows*cols)
		for i := range a {
			a[i] = rng.Float32()
			a64[i] = float64(a[i])
		}
		tt, t64 := make([]float32, rows*cols), make([]float64, rows*cols)
		TransposeRows(tt, a, rows, cols)
		TransposeRows(t64, a64, rows, cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				if tt[j*rows+i] != a[i*cols+j] || t64[j*rows+i] != a64[i*cols+j] {
					t.Fatalf("%s: t[%d][%d] = %v / %v, want %v", name, j, i, tt[j*rows+i], t64[j*rows+i], a[i*cols+j])
				}
			}
		}
	}
}
