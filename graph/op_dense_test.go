package graph

import (
	"fmt"

	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// randParam makes a float64 param of the given shape with normal values, a
// fraction zero of them set to exactly 0.
func randParam(t *testing.T, name string, rng *rand.Rand, zero float64, shape ...int) *Param {
	t.Helper()
	p, err := NewParam(name, Float64, true, shape...)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < p.Size(); i++ {
		if rng.Float64() >= zero {
			p.SetAt(i, rng.NormFloat64())
		}
	}
	return p
}

// weightedSum returns Σ out ⊙ R for a fixed random R fed as an input.
func weightedSum(b *Builder, out *G.Node, rng *rand.Rand) *G.Node {
	r := b.Input("r", out.Shape()...)
	for i, d := 0, r.Tensor.Data().([]float64); i < len(d); i++ {
		d[i] = rng.NormFloat64()
	}
	return G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
}

// TestDenseGradCheck checks the fused dense op's gradients against central
// differences for ReLU and linear, dense and sparse inputs (the two kernels),
// with the input as data (no input gradient) and as a param (checked too),
// and with two layers chained, so that the input gradient of the second
// feeds the first.
func TestDenseGradCheck(t *testing.T) {
	for _, tc := range []struct {
		name      string
		relu      bool
		zero      float64 // fraction of zero inputs; > 1-sparseMaxFor(units) takes the sparse kernel
		xIsParam  bool
		twoLayers bool
		batch, in int
		units     int
	}{
		{"relu/dense-x/data", true, 0, false, false, 5, 7, 6},
		{"relu/sparse-x/data", true, 0.85, false, false, 6, 9, 70},
		{"linear/sparse-x/param", false, 0.85, true, false, 4, 8, 5},
		{"linear/dense-x/param", false, 0, true, false, 4, 8, 5},
		{"relu/two-layers/sparse-x", true, 0.8, false, true, 5, 10, 66},
		{"relu/two-layers/dense-x/param", true, 0, true, true, 3, 4, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(11))
			b, err := NewBuilder(Float64, tc.batch, true)
			if err != nil {
				t.Fatal(err)
			}
			var x *G.Node
			var wrt []*Param
			if tc.xIsParam {
				xp := randParam(t, "x", rng, tc.zero, tc.batch, tc.in)
				x, _ = b.Param(xp)
				wrt = append(wrt, xp)
			} else {
				in := b.Input("x", tc.batch, tc.in)
				xs := in.Tensor.Data().([]float64)
				for i := range xs {
					if rng.Float64() >= tc.zero {
						xs[i] = rng.Float64()
					}
				}
				x = in.Node
			}
			layer := func(x *G.Node, in, units int, relu bool) *G.Node {
				w := randParam(t, "w", rng, 0, in, units)
				bias := randParam(t, "b", rng, 0, 1, units)
				wn, _ := b.Param(w)
				bn, _ := b.Param(bias)
				wrt = append(wrt, w, bias)
				y, err := Dense(x, wn, bn, relu, !b.IsData(x))
				if err != nil {
					t.Fatal(err)
				}
				return y
			}
			out := layer(x, tc.in, tc.units, tc.relu)
			if tc.twoLayers {
				out = layer(out, tc.units, 3, false)
			}
			res, err := GradCheck(b, weightedSum(b, out, rng), wrt, 1e-6, 1)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res)
			if res.MaxRelErr > 1e-6 {
				t.Errorf("gradient check failed: %v", res)
			}
		})
	}
}

// TestLogSoftmaxGradCheck checks the fused log-softmax's gradient, with
// logits of very different scales across rows.
func TestLogSoftmaxGradCheck(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	b, _ := NewBuilder(Float64, 4, true)
	z := randParam(t, "z", rng, 0, 4, 6)
	for j := 0; j < 6; j++ {
		z.SetAt(6+j, z.At(6+j)*50)     // row 1: spread logits
		z.SetAt(12+j, z.At(12+j)+1000) // row 2: large offset
	}
	zn, _ := b.Param(z)
	lp, err := LogSoftmax(zn)
	if err != nil {
		t.Fatal(err)
	}
	res, err := GradCheck(b, weightedSum(b, lp, rng), []*Param{z}, 1e-6, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if res.MaxRelErr > 1e-6 {
		t.Errorf("gradient check failed: %v", res)
	}
}

// TestLogSoftmaxExtremeFloat32 compares float32 log-softmax on logits far
// apart, within and across rows, with a float64 reference.
func TestLogSoftmaxExtremeFloat32(t *testing.T) {
	rows := [][]float32{{0, 0}, {1000, 0}, {100, 0}, {-1e4, 3}, {1e-3, -1e-3}}
	b, _ := NewBuilder(Float32, len(rows), false)
	in := b.Input("x", len(rows), 2)
	for i, r := range rows {
		copy(in.Float32s()[2*i:], r)
	}
	lp, err := LogSoftmax(in.Node)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Compile(nil, nil, lp)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	got := m.Output(0).Data().([]float32)
	for i, r := range rows {
		mx := math.Max(float64(r[0]), float64(r[1]))
		ls := math.Log(math.Exp(float64(r[0])-mx) + math.Exp(float64(r[1])-mx))
		for j := range r {
			want := float64(r[j]) - mx - ls
			if g := float64(got[2*i+j]); math.IsNaN(g) || math.Abs(g-want) > 1e-5*math.Max(1, math.Abs(want)) {
				t.Errorf("row %v: log-softmax[%d] = %v, want %v", r, j, g, want)
			}
		}
	}
}

// TestDenseKernelsFloat32 runs the float32 dense op forward and backward
// with the sparse kernels (assembly on AVX2) and with gemm on the same
// values, and compares them: widths that are and are not multiples of 64.
func TestDenseKernelsFloat32(t *testing.T) {
	for _, units := range []int{512, 64 + 37, 10} {
		rng := rand.New(rand.NewSource(int64(units)))
		bs, in := 33, 97
		x := make([]float32, bs*in)
		for i := range x {
			if rng.Intn(5) == 0 {
				x[i] = rng.Float32()
			}
		}
		w := make([]float32, in*units)
		bias := make([]float32, units)
		dy := make([]float32, bs*units)
		for _, s := range [][]float32{w, bias, dy} {
			for i := range s {
				s[i] = float32(rng.NormFloat64())
			}
		}
		run := func(sparse bool) (y, dz, dw []float32) {
			old := sparseMaxFor
			defer func() { sparseMaxFor = old }()
			if sparse {
				sparseMaxFor = func(int) float64 { return 1.1 }
			} else {
				sparseMaxFor = func(int) float64 { return 0 }
			}
			tx := tensor.New(tensor.WithShape(bs, in), tensor.WithBacking(x))
			tw := tensor.New(tensor.WithShape(in, units), tensor.WithBacking(w))
			tb := tensor.New(tensor.WithShape(1, units), tensor.WithBacking(bias))
			tdy := tensor.New(tensor.WithShape(bs, units), tensor.WithBacking(dy))
			op := &denseOp{relu: true, dt: Float32, batch: bs, in: in, units: units}
			yv, err := op.Do(tx, tw, tb)
			if err != nil {
				t.Fatal(err)
			}
			rg := &denseGradOp{kind: gradReLU, dt: Float32, rows: bs, cols: units}
			dzv, err := rg.Do(yv, tdy)
			if err != nil {
				t.Fatal(err)
			}
			wg := &denseGradOp{kind: gradWeights, dt: Float32, rows: in, cols: units, inner: bs}
			dwv, err := wg.Do(tx, dzv)
			if err != nil {
				t.Fatal(err)
			}
			f := func(v G.Value) []float32 { return append([]float32(nil), v.Data().([]float32)...) }
			return f(yv), f(dzv), f(dwv)
		}
		ys, dzs, dws := run(true)
		yd, dzd, dwd := run(false)
		cmp := func(what string, a, b []float32) {
			for i := range a {
				if d := math.Abs(float64(a[i] - b[i])); d > 1e-4*math.Max(1, math.Abs(float64(b[i]))) {
					t.Fatalf("units %d: %s[%d]: sparse %v, gemm %v", units, what, i, a[i], b[i])
				}
			}
		}
		cmp("y", ys, yd)
		cmp("dz", dzs, dzd)
		cmp("dW", dws, dwd)
	}
}

func TestDenseTwinParity(t *testing.T) {
	n := 0
	for _, dt := range parityDtypes {
		parityShapes(func(batch, in, units int, kinds []parityKind) {
			for ki, k := range kinds {
				n++
				relu := (n % 2) == 0
				xIsParam := (n/2)%2 == 0
				name := fmt.Sprintf("%v/batch%d/in%d/units%d/%s/relu=%v/x-param=%v", dt, batch, in, units, k.name, relu, xIsParam)
				t.Run(name, func(t *testing.T) {
					rng := rand.New(rand.NewSource(int64(n)))
					x := parityParam(t, "x", dt, rng, k, batch, in)
					w := parityParam(t, "w", dt, rng, parityKinds[0], in, units)
					for j := 0; j < w.Size(); j++ { // Glorot-sized weights
						w.SetAt(j, w.At(j)*math.Sqrt(2/float64(in+units)))
					}
					bias := parityParam(t, "b", dt, rng, parityKinds[0], 1, units)
					wrt := []*Param{w, bias}
					names := []string{"W", "b"}
					if xIsParam {
						wrt, names = append(wrt, x), append(names, "x")
					}
					build := func(b *Builder) (*G.Node, *G.Node) {
						var xn *G.Node
						if xIsParam {
							xn = G.Must(b.Param(x))
						} else {
							in := b.Input("x", batch, in)
							if err := in.Set(float32s(x)); err != nil && dt == Float32 {
								t.Fatal(err)
							}
							copyInto(in.Tensor, x)
							xn = in.Node
						}
						y, err := b.Dense(xn, G.Must(b.Param(w)), G.Must(b.Param(bias)), relu)
						if err != nil {
							t.Fatal(err)
						}
						return y, parityWeights(b, y, int64(ki))
					}
					parityCompare(t, dt, max(batch, in, units), parityRun(t, dt, batch, true, wrt, build), parityRun(t, dt, batch, false, wrt, build), names...)
				})
			}
		})
	}
}
