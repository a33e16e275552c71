package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"
)

// TestSkinnyProducts checks the narrow products of the dense op: forward
// relu(x·W + b) (dot4) and backward dz·Wᵀ and xᵀ·dz (spmm), with 10 or 32
// units and a wide side that is a multiple of 64, against float64 sums, tolerance
// 1e-5 relative to the sum of the terms' magnitudes, over two runs with
// different values (the scratch is reused).
func TestSkinnyProducts(t *testing.T) {
	for _, sh := range []struct{ bs, in, units int }{{33, 128, 10}, {128, 512, 10}, {7, 64, 32}} {
		if hasFMA32 && !(skinnyOK[float32](sh.in, sh.units) && skinnyFwdOK[float32](sh.in, sh.units)) {
			t.Fatalf("%v: expected the spmm path", sh)
		}
		rng := rand.New(rand.NewSource(int64(sh.in + sh.units)))
		fw := &denseOp{relu: true, dt: Float32, batch: sh.bs, in: sh.in, units: sh.units}
		gi := &denseGradOp{kind: gradInput, dt: Float32, rows: sh.bs, cols: sh.in, inner: sh.units}
		gw := &denseGradOp{kind: gradWeights, dt: Float32, rows: sh.in, cols: sh.units, inner: sh.bs}
		for run := 0; run < 2; run++ {
			x, w, dz := make([]float32, sh.bs*sh.in), make([]float32, sh.in*sh.units), make([]float32, sh.bs*sh.units)
			bias := make([]float32, sh.units)
			for _, s := range [][]float32{x, w, dz, bias} {
				for i := range s {
					s[i] = float32(rng.NormFloat64())
				}
			}
			x[3] = 0 // zeros are skipped as terms
			dz[5] = 0
			tx := tensor.New(tensor.WithShape(sh.bs, sh.in), tensor.WithBacking(x))
			tw := tensor.New(tensor.WithShape(sh.in, sh.units), tensor.WithBacking(w))
			tdz := tensor.New(tensor.WithShape(sh.bs, sh.units), tensor.WithBacking(dz))
			yv, err := fw.Do(tx, tw, tensor.New(tensor.WithShape(1, sh.units), tensor.WithBacking(bias)))
			if err != nil {
				t.Fatal(err)
			}
			y := yv.Data().([]float32)
			dxv, err := gi.Do(tdz, tw)
			if err != nil {
				t.Fatal(err)
			}
			dwv, err := gw.Do(tx, tdz)
			if err != nil {
				t.Fatal(err)
			}
			dx, dw := dxv.Data().([]float32), dwv.Data().([]float32)
			check := func(what string, got float32, terms func(func(a, b float32))) {
				var s, mag float64
				terms(func(a, b float32) {
					s += float64(a) * float64(b)
					mag += math.Abs(float64(a) * float64(b))
				})
				if d := math.Abs(float64(got) - s); d > 1e-5*mag+1e-30 {
					t.Fatalf("%v run %d: %s = %v, want %v", sh, run, what, got, s)
				}
			}
			for i := 0; i < sh.bs; i++ {
				for j := 0; j < sh.units; j++ {
					var s, mag float64 = float64(bias[j]), math.Abs(float64(bias[j]))
					for k := 0; k < sh.in; k++ {
						v := float64(x[i*sh.in+k]) * float64(w[k*sh.units+j])
						s += v
						mag += math.Abs(v)
					}
					s = math.Max(s, 0)
					if g := float64(y[i*sh.units+j]); math.Abs(g-s) > 1e-5*mag+1e-30 || math.Signbit(g) {
						t.Fatalf("%v run %d: y[%d][%d] = %v, want %v", sh, run, i, j, g, s)
					}
				}
				for k := 0; k < sh.in; k++ {
					check(fmt.Sprintf("dx[%d][%d]", i, k), dx[i*sh.in+k], func(add func(a, b float32)) {
						for j := 0; j < sh.units; j++ {
							add(dz[i*sh.units+j], w[k*sh.units+j])
						}
					})
				}
			}
			for k := 0; k < sh.in; k++ {
				for j := 0; j < sh.units; j++ {
					check(fmt.Sprintf("dW[%d][%d]", k, j), dw[k*sh.units+j], func(add func(a, b float32)) {
						for i := 0; i < sh.bs; i++ {
							add(x[i*sh.in+k], dz[i*sh.units+j])
						}
					})
				}
			}
		}
	}
}
