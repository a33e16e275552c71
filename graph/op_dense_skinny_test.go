package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// TestSkinnyProducts checks the narrow products of the dense op: forward
// relu(x·W + b) (dot4) and backward dz·Wᵀ and xᵀ·dz (Spmm), with 10 or 32
// units and a wide side that is a multiple of 64, against float64 sums, tolerance
// 1e-5 relative to the sum of the terms' magnitudes, over two runs with
// different values (the scratch is reused).
func TestSkinnyProducts(t *testing.T) {
	for _, sh := range []struct{ bs, in, units int }{{33, 128, 10}, {128, 512, 10}, {7, 64, 32}} {
		if kernels.Assembly() && !(kernels.SkinnyOK[float32](sh.in, sh.units) && kernels.SkinnyFwdOK[float32](sh.in, sh.units)) {
			t.Fatalf("%v: expected the skinny kernels (Spmm, dot4)", sh)
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

// TestSkinnyInputGradReusesForward checks that dz·Wᵀ taking Wᵀ from the
// forward op of the same run gives the bits it gives when it transposes W
// itself, also after W changes in place between runs (the optimiser's
// update), and that it does not take the forward's Wᵀ when the forward op
// last ran on other weights.
func TestSkinnyInputGradReusesForward(t *testing.T) {
	if !kernels.SkinnyFwdOK[float32](64, 10) {
		t.Skip("no AVX2/FMA: the skinny kernels are not used")
	}
	const bs, in, units = 16, 64, 10
	rng := rand.New(rand.NewSource(4))
	fill := func(s []float32) {
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
	}
	x, w, bias, dz := make([]float32, bs*in), make([]float32, in*units), make([]float32, units), make([]float32, bs*units)
	tx := tensor.New(tensor.WithShape(bs, in), tensor.WithBacking(x))
	tw := tensor.New(tensor.WithShape(in, units), tensor.WithBacking(w))
	tb := tensor.New(tensor.WithShape(1, units), tensor.WithBacking(bias))
	tdz := tensor.New(tensor.WithShape(bs, units), tensor.WithBacking(dz))
	fw := &denseOp{dt: Float32, batch: bs, in: in, units: units}
	shared := &denseGradOp{kind: gradInput, dt: Float32, rows: bs, cols: in, inner: units, fwd: fw}
	alone := &denseGradOp{kind: gradInput, dt: Float32, rows: bs, cols: in, inner: units}
	for run := 0; run < 3; run++ {
		for _, s := range [][]float32{x, w, bias, dz} {
			fill(s)
		}
		if _, err := fw.Do(tx, tw, tb); err != nil {
			t.Fatal(err)
		}
		if run == 2 {
			// The forward op last ran on other weights: its Wᵀ is not W's.
			ow := make([]float32, in*units)
			fill(ow)
			other := tensor.New(tensor.WithShape(in, units), tensor.WithBacking(ow))
			if _, err := fw.Do(tx, other, tb); err != nil {
				t.Fatal(err)
			}
		}
		a, err := shared.Do(tdz, tw)
		if err != nil {
			t.Fatal(err)
		}
		b, err := alone.Do(tdz, tw)
		if err != nil {
			t.Fatal(err)
		}
		ga, gb := a.Data().([]float32), b.Data().([]float32)
		for i := range ga {
			if math.Float32bits(ga[i]) != math.Float32bits(gb[i]) {
				t.Fatalf("run %d: dx[%d] = %v with the forward's Wᵀ, %v transposing W", run, i, ga[i], gb[i])
			}
		}
	}
}
