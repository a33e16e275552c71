package graph

import (
	"math"
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestCrossEntropyHand checks the loss and its gradient on a 2×3 example
// worked by hand, in float32 and float64; every number is exact in both.
//
//	logp   = [[-0.5, -1.5, -2.5], [-3, -0.25, -1]]
//	target = [[0, 1, 0], [0.25, 0, 0.75]]
//	loss   = -(1/2)·(-1.5 + 0.25·(-3) + 0.75·(-1)) = 1.5
//	dlogp  = -target/2 = [[0, -0.5, 0], [-0.125, 0, -0.375]]
//
// Scaling the loss by 3 afterwards must scale the gradient by 3: the
// incoming gradient is not assumed to be 1.
func TestCrossEntropyHand(t *testing.T) {
	logp := []float64{-0.5, -1.5, -2.5, -3, -0.25, -1}
	target := []float32{0, 1, 0, 0.25, 0, 0.75}
	wantGrad := []float64{0, -0.5, 0, -0.125, 0, -0.375}
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		for _, scale := range []float64{1, 3} {
			b, _ := NewBuilder(dt, 2, true)
			p, _ := NewParam("logp", dt, true, 2, 3)
			for i, v := range logp {
				p.SetAt(i, v)
			}
			pn, _ := b.Param(p)
			y := b.Input("y", 2, 3)
			if err := y.Set(target); err != nil {
				t.Fatal(err)
			}
			loss, err := CrossEntropy(pn, y.Node)
			if err != nil {
				t.Fatal(err)
			}
			if !loss.IsScalar() || loss.Dtype() != dt {
				t.Fatalf("%v: loss node is %v %v, want a %v scalar", dt, loss.Dtype(), loss.Shape(), dt)
			}
			if scale != 1 {
				loss = G.Must(G.Mul(loss, b.Const(scale)))
			}
			m, err := b.Compile(loss, []*Param{p})
			if err != nil {
				t.Fatal(err)
			}
			for run := 0; run < 2; run++ { // the second run reuses the op's values
				if err := m.Run(nil); err != nil {
					t.Fatal(err)
				}
				if got := m.Loss(); got != 1.5*scale {
					t.Errorf("%v ×%v run %d: loss %v, want %v", dt, scale, run, got, 1.5*scale)
				}
				for i, g := range Float64s(m.Grad(0)) {
					if g != wantGrad[i]*scale {
						t.Errorf("%v ×%v run %d: dlogp[%d] = %v, want %v", dt, scale, run, i, g, wantGrad[i]*scale)
					}
				}
			}
			m.Close()
		}
	}
}

// xentModel is log-softmax(z) → cross-entropy for a (rows, cols) param z,
// with one-hot targets (or soft ones), built either fused or, as
// train.CrossEntropy did before the fused op, from HadamardProd, Sum and
// Mul by −1/N.
func xentModel(t *testing.T, dt tensor.Dtype, z *Param, target []float32, fused bool) (*Builder, *G.Node) {
	t.Helper()
	rows, cols := z.Shape()[0], z.Shape()[1]
	b, _ := NewBuilder(dt, rows, true)
	zn, _ := b.Param(z)
	y := b.Input("y", rows, cols)
	if err := y.Set(target); err != nil {
		t.Fatal(err)
	}
	lp, err := LogSoftmax(zn)
	if err != nil {
		t.Fatal(err)
	}
	if fused {
		loss, err := CrossEntropy(lp, y.Node)
		if err != nil {
			t.Fatal(err)
		}
		return b, loss
	}
	s := G.Must(G.Sum(G.Must(G.HadamardProd(lp, y.Node))))
	return b, G.Must(G.Mul(s, b.Const(-1/float64(rows))))
}

func randLogits(t *testing.T, dt tensor.Dtype, rng *rand.Rand, rows, cols int) (*Param, []float32) {
	t.Helper()
	z, err := NewParam("z", dt, true, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < z.Size(); i++ {
		z.SetAt(i, 3*rng.NormFloat64())
	}
	y := make([]float32, rows*cols)
	for i := 0; i < rows; i++ {
		y[i*cols+rng.Intn(cols)] = 1
	}
	return z, y
}

// TestCrossEntropyGradCheck checks the gradient through log-softmax and the
// fused loss against central differences (float64), for one-hot and soft
// targets, and for the loss scaled and shifted by other ops.
func TestCrossEntropyGradCheck(t *testing.T) {
	for _, tc := range []struct {
		name  string
		soft  bool
		scale bool
	}{{"one-hot", false, false}, {"soft", true, false}, {"scaled", false, true}} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(21))
			z, y := randLogits(t, Float64, rng, 5, 4)
			if tc.soft {
				for i := range y {
					y[i] = rng.Float32()
				}
			}
			b, loss := xentModel(t, Float64, z, y, true)
			if tc.scale {
				loss = G.Must(G.Add(G.Must(G.Mul(loss, b.Const(-2.5))), b.Const(1)))
			}
			res, err := GradCheck(b, loss, []*Param{z}, 1e-6, 1)
			if err != nil {
				t.Fatal(err)
			}
			t.Log(res)
			if res.MaxRelErr > 1e-7 {
				t.Errorf("gradient check failed: %v", res)
			}
		})
	}
}

// TestCrossEntropyMatchesUnfused compares the fused loss and gradient with
// the HadamardProd/Sum/Mul graph it replaces, on several batches. The
// gradient is bit for bit the same (−1/N·target in the graph's type); the
// loss differs only by the float64 accumulation: within float64 rounding in
// a float64 graph, and within one float32 rounding of the float64 value in
// a float32 graph. It also checks that float32 and float64 agree.
func TestCrossEntropyMatchesUnfused(t *testing.T) {
	var loss64 float64
	var grad64 []float64
	for _, dt := range []tensor.Dtype{Float64, Float32} {
		rng := rand.New(rand.NewSource(8))
		z, y := randLogits(t, dt, rng, 16, 10)
		bf, lf := xentModel(t, dt, z, y, true)
		bu, lu := xentModel(t, dt, z, y, false)
		mf, err := bf.Compile(lf, []*Param{z})
		if err != nil {
			t.Fatal(err)
		}
		mu, err := bu.Compile(lu, []*Param{z})
		if err != nil {
			t.Fatal(err)
		}
		for run := 0; run < 3; run++ {
			if err := mf.Run(nil); err != nil {
				t.Fatal(err)
			}
			if err := mu.Run(nil); err != nil {
				t.Fatal(err)
			}
			f, u := mf.Loss(), mu.Loss()
			tol := 1e-14 * f
			if dt == Float32 {
				tol = 2e-7 * f // float32 sums of 16 terms, against one rounding
			}
			if math.Abs(f-u) > tol || math.IsNaN(f) {
				t.Errorf("%v run %d: fused loss %v, unfused %v", dt, run, f, u)
			}
			gf, gu := Float64s(mf.Grad(0)), Float64s(mu.Grad(0))
			for i := range gf {
				if gf[i] != gu[i] {
					t.Fatalf("%v run %d: dz[%d] fused %v, unfused %v", dt, run, i, gf[i], gu[i])
				}
			}
			if run == 0 && dt == Float64 {
				loss64, grad64 = f, gf
			}
			if run == 0 && dt == Float32 {
				if math.Abs(f-loss64) > 1e-6*loss64 {
					t.Errorf("float32 loss %v, float64 %v", f, loss64)
				}
				for i := range gf {
					if math.Abs(gf[i]-grad64[i]) > 1e-6 {
						t.Errorf("float32 dz[%d] = %v, float64 %v", i, gf[i], grad64[i])
					}
				}
			}
			// The next batch: new logits.
			for i := 0; i < z.Size(); i++ {
				z.SetAt(i, 3*rng.NormFloat64())
			}
		}
		mf.Close()
		mu.Close()
	}
}

// TestCrossEntropyErrors checks that bad shapes and types are errors, from
// graph construction and from the op run on wrong values, not panics.
func TestCrossEntropyErrors(t *testing.T) {
	g := G.NewGraph()
	mat := func(dt tensor.Dtype, shape ...int) *G.Node {
		return G.NewTensor(g, dt, len(shape), G.WithShape(shape...))
	}
	for _, c := range []struct {
		name         string
		logp, target *G.Node
		want         string
	}{
		{"shapes differ", mat(Float32, 4, 3), mat(Float32, 4, 2), "differ in shape"},
		{"rows differ", mat(Float64, 4, 3), mat(Float64, 5, 3), "differ in shape"},
		{"vector", G.NewVector(g, Float32, G.WithShape(3)), mat(Float32, 1, 3), "want (batch, classes) matrices"},
		{"3-d", mat(Float32, 2, 3, 4), mat(Float32, 2, 3, 4), "want (batch, classes) matrices"},
		{"mixed dtypes", mat(Float32, 2, 3), mat(Float64, 2, 3), "mixed dtypes"},
		{"int", mat(tensor.Int, 2, 3), mat(tensor.Int, 2, 3), "unsupported dtype"},
	} {
		_, err := CrossEntropy(c.logp, c.target)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "cross-entropy") {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}

	f32 := func(shape ...int) *tensor.Dense { return tensor.New(tensor.Of(Float32), tensor.WithShape(shape...)) }
	fwd := &xentOp{dt: Float32, rows: 2, cols: 3}
	bwd := &xentOp{grad: true, dt: Float32, rows: 2, cols: 3}
	for _, c := range []struct {
		name string
		op   *xentOp
		vals []G.Value
	}{
		{"one input", fwd, []G.Value{f32(2, 3)}},
		{"wrong size", fwd, []G.Value{f32(2, 3), f32(3, 3)}},
		{"wrong dtype", fwd, []G.Value{f32(2, 3), tensor.New(tensor.Of(Float64), tensor.WithShape(2, 3))}},
		{"scalar input", fwd, []G.Value{f32(2, 3), G.NewF32(1)}},
		{"grad of wrong size", bwd, []G.Value{f32(2, 2), G.NewF32(1)}},
		{"grad with matrix g", bwd, []G.Value{f32(2, 3), f32(2, 3)}},
		{"grad with int g", bwd, []G.Value{f32(2, 3), G.NewI(1)}},
		{"grad with nil g", bwd, []G.Value{f32(2, 3), nil}},
	} {
		if _, err := c.op.Do(c.vals...); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

// TestCrossEntropyTwinParity checks the loss over log-softmax outputs with
// one-hot targets (every third row soft: uniform), the classifier head of
// every model.
func TestCrossEntropyTwinParity(t *testing.T) {
	rowOpParity(t, func(batch, classes int) int { return batch * classes }, func(b *Builder, x *G.Node) *G.Node {
		rows, cols := x.Shape()[0], x.Shape()[1]
		tgt := b.Input("target", rows, cols)
		v := make([]float32, rows*cols)
		for i := 0; i < rows; i++ {
			if i%3 == 2 {
				for j := 0; j < cols; j++ {
					v[i*cols+j] = 1 / float32(cols)
				}
				continue
			}
			v[i*cols+(i*7)%cols] = 1
		}
		if err := tgt.Set(v); err != nil {
			panic(err)
		}
		return G.Must(b.CrossEntropy(G.Must(b.LogSoftmax(x)), tgt.Node))
	})
}
