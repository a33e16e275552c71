package kernels

import (
	"fmt"
	"math"
	"math/rand"
	"testing"
)

// TestSkinnyProducts checks Skinny's Forward relu(x·W + b) (dot4) and
// InputGrad dz·Wᵀ and WeightGrad xᵀ·dz (Spmm), with 10 or 32 units and a
// wide side that is a multiple of 64, against float64 sums, tolerance 1e-5
// relative to the sum of the terms' magnitudes, over two runs with
// different values (the scratch is reused), InputGrad both with the
// forward's Wᵀ and transposing W itself (the same bits), guard elements
// around every output.
func TestSkinnyProducts(t *testing.T) {
	for _, sh := range []struct{ bs, in, units int }{{33, 128, 10}, {128, 512, 10}, {7, 64, 32}} {
		if !SkinnyOK[float32](sh.in, sh.units) || !SkinnyFwdOK[float32](sh.in, sh.units) {
			t.Fatalf("%v: not sent through the skinny products (assembly %v): the choice must not depend on the CPU", sh, hasFMA32)
		}
		rng := rand.New(rand.NewSource(int64(sh.in + sh.units)))
		var fw, gi, gi2, gw Skinny[float32]
		for run := 0; run < 2; run++ {
			gen := func(int) float32 { return float32(rng.NormFloat64()) }
			x, _ := guarded32(sh.bs*sh.in, gen)
			w, _ := guarded32(sh.in*sh.units, gen)
			dz, _ := guarded32(sh.bs*sh.units, gen)
			bias, _ := guarded32(sh.units, gen)
			x[3], dz[5] = 0, 0 // zeros are skipped as terms
			y, yb := guarded32(sh.bs*sh.units, nil)
			dx, dxb := guarded32(sh.bs*sh.in, nil)
			dx2, _ := guarded32(sh.bs*sh.in, nil)
			dw, dwb := guarded32(sh.in*sh.units, nil)
			fw.Forward(y, x, w, bias, sh.bs, sh.in, sh.units, true)
			gi.InputGrad(dx, dz, w, fw.Transposed()[:sh.units*sh.in], sh.bs, sh.in, sh.units)
			gi2.InputGrad(dx2, dz, w, nil, sh.bs, sh.in, sh.units)
			gw.WeightGrad(dw, x, dz, sh.bs, sh.in, sh.units)
			name := fmt.Sprintf("%v run %d", sh, run)
			checkGuards32(t, name+" y", yb, len(y))
			checkGuards32(t, name+" dx", dxb, len(dx))
			checkGuards32(t, name+" dW", dwb, len(dw))
			check := func(what string, got float32, init float64, relu bool, terms func(func(a, b float32))) {
				s, mag := init, math.Abs(init)
				terms(func(a, b float32) {
					s += float64(a) * float64(b)
					mag += math.Abs(float64(a) * float64(b))
				})
				if relu {
					s = math.Max(s, 0)
				}
				if d := math.Abs(float64(got) - s); d > 1e-5*mag+1e-30 || relu && math.Signbit(float64(got)) {
					t.Fatalf("%s: %s = %v, want %v", name, what, got, s)
				}
			}
			for i := 0; i < sh.bs; i++ {
				for j := 0; j < sh.units; j++ {
					check(fmt.Sprintf("y[%d][%d]", i, j), y[i*sh.units+j], float64(bias[j]), true, func(add func(a, b float32)) {
						for k := 0; k < sh.in; k++ {
							add(x[i*sh.in+k], w[k*sh.units+j])
						}
					})
				}
				for k := 0; k < sh.in; k++ {
					if !same32(dx[i*sh.in+k], dx2[i*sh.in+k]) {
						t.Fatalf("%s: dx[%d][%d] = %v with the forward's Wᵀ, %v transposing W", name, i, k, dx[i*sh.in+k], dx2[i*sh.in+k])
					}
					check(fmt.Sprintf("dx[%d][%d]", i, k), dx[i*sh.in+k], 0, false, func(add func(a, b float32)) {
						for j := 0; j < sh.units; j++ {
							add(dz[i*sh.units+j], w[k*sh.units+j])
						}
					})
				}
			}
			for k := 0; k < sh.in; k++ {
				for j := 0; j < sh.units; j++ {
					check(fmt.Sprintf("dW[%d][%d]", k, j), dw[k*sh.units+j], 0, false, func(add func(a, b float32)) {
						for i := 0; i < sh.bs; i++ {
							add(x[i*sh.in+k], dz[i*sh.units+j])
						}
					})
				}
			}
		}
	}
}

// TestSkinnyAndSpmmSameBitsWithoutAssembly: Skinny's three products and
// Spmm (with a bias and a ReLU, on widths that are and are not multiples
// of 64) give the same bits with the assembly as with the Go paths that
// the noasm build and other CPUs run.
func TestSkinnyAndSpmmSameBitsWithoutAssembly(t *testing.T) {
	if !hasFMA32 {
		t.Skip("no assembly on this CPU or build: nothing to compare")
	}
	rng := rand.New(rand.NewSource(11))
	gen := func(n int, density float64) []float32 {
		x := make([]float32, n)
		for i := range x {
			if rng.Float64() < density {
				x[i] = float32(rng.NormFloat64())
			}
		}
		return x
	}
	run := func(f func() []float32) (asm, noasm []float32) {
		asm = f()
		restore := DisableAssembly()
		defer restore()
		return asm, f()
	}
	compare := func(name string, asm, noasm []float32) {
		t.Helper()
		for i := range asm {
			if math.Float32bits(asm[i]) != math.Float32bits(noasm[i]) {
				t.Fatalf("%s: element %d is %v with assembly, %v without", name, i, asm[i], noasm[i])
			}
		}
	}
	both := func(name string, f func() []float32) {
		t.Helper()
		asm, noasm := run(f)
		compare(name, asm, noasm)
	}
	for _, sh := range []struct{ bs, in, units int }{{33, 128, 10}, {128, 784, 10}, {7, 64, 32}} {
		x, w, b, dz := gen(sh.bs*sh.in, 1), gen(sh.in*sh.units, 1), gen(sh.units, 1), gen(sh.bs*sh.units, 0.8)
		name := fmt.Sprintf("%v", sh)
		both(name+" Forward", func() []float32 {
			var s Skinny[float32]
			y := make([]float32, sh.bs*sh.units)
			s.Forward(y, x, w, b, sh.bs, sh.in, sh.units, true)
			return y
		})
		both(name+" InputGrad", func() []float32 {
			var s Skinny[float32]
			dx := make([]float32, sh.bs*sh.in)
			s.InputGrad(dx, dz, w, nil, sh.bs, sh.in, sh.units)
			return dx
		})
		both(name+" WeightGrad", func() []float32 {
			var s Skinny[float32]
			dw := make([]float32, sh.in*sh.units)
			s.WeightGrad(dw, x, dz, sh.bs, sh.in, sh.units)
			return dw
		})
	}
	for _, sh := range []struct{ rows, kdim, n int }{{128, 784, 512}, {37, 300, 150}, {5, 9, 64}} {
		xs, bm, bias := gen(sh.rows*sh.kdim, 0.2), gen(sh.kdim*sh.n, 1), gen(sh.n, 1)
		both(fmt.Sprintf("Spmm %v", sh), func() []float32 {
			var c CSR[float32]
			c.RowsOf(xs, sh.rows, sh.kdim)
			out := make([]float32, sh.rows*sh.n)
			Spmm(out, &c, bm, sh.n, sh.n, bias, true)
			return out
		})
	}
}
