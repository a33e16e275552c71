package graph

import (
	"fmt"
	"math"
	"math/rand"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/approx"
)

// convCase is one convolution geometry for the fused op's tests.
type convCase struct {
	name    string
	in      []int // h, w, c
	filters int
	kernel  [2]int
	strides [2]int
	padding string
	act     Activation
	batch   int
}

// convCases cover strides 2, "same" padding with an odd total (one more
// row below / column right), 1 and 3 input channels, batch 1 and 5,
// kernels 1×1 (the direct path, and with stride 2 the im2col one) and
// 3×2, and each activation kind the op handles (ReLU folded in, linear,
// another applied after it).
var convCases = []convCase{
	{"3x2 same stride 2 c3 b5 relu", []int{5, 6, 3}, 4, [2]int{3, 2}, [2]int{2, 2}, "same", actReLU, 5},
	{"3x2 same stride 1 c1 b1 linear", []int{4, 5, 1}, 3, [2]int{3, 2}, [2]int{1, 1}, "same", actLinear, 1},
	{"3x3 valid c1 b5 relu", []int{7, 6, 1}, 5, [2]int{3, 3}, [2]int{1, 1}, "valid", actReLU, 5},
	{"3x3 valid stride 2x1 c3 b1 tanh", []int{7, 6, 3}, 2, [2]int{3, 3}, [2]int{2, 1}, "valid", actTanh, 1},
	{"1x1 direct c3 b5 relu", []int{3, 4, 3}, 4, [2]int{1, 1}, [2]int{1, 1}, "valid", actReLU, 5},
	{"1x1 stride 2 same c1 b5 linear", []int{5, 5, 1}, 2, [2]int{1, 1}, [2]int{2, 2}, "same", actLinear, 5},
	{"2x2 same stride 2 c3 b5 softmax", []int{5, 3, 3}, 3, [2]int{2, 2}, [2]int{2, 2}, "same", actSoftmax, 5},
}

func (c convCase) layer() *Conv2DLayer {
	return &Conv2DLayer{Filters: c.filters, KernelSize: c.kernel, Strides: c.strides, Padding: c.padding, Act: c.act}
}

// convRun is the outcome of two runs of one graph: per run, the output
// and the gradients of Σ out ⊙ R with respect to x (when asked), the
// kernel and the bias (when the layer has one).
type convRun struct {
	out   [2][]float64
	grads [2][][]float64
}

// runConvPath builds layer l's convolution with forward (the fused op or
// the im2col path) on x, a param or (xData) an input, and runs the
// training machine twice on the two data sets xs, returning the outputs
// and gradients of each run. The machine's buffers are thus reused by the
// second run, on other data.
func runConvPath(t *testing.T, l *Conv2DLayer, c convCase, dt tensor.Dtype, xData bool, xs [2][]float64, r []float64,
	forward func(*Conv2DLayer, *Builder, *G.Node) (*G.Node, error)) convRun {
	t.Helper()
	b, err := NewBuilder(dt, c.batch, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = true
	shape := append([]int{c.batch}, c.in...)
	var xn *G.Node
	var xp *Param
	var xin *Input
	if xData {
		xin = b.Input("x", shape...)
		xn = xin.Node
	} else {
		if xp, err = NewParam("x", dt, true, shape...); err != nil {
			t.Fatal(err)
		}
		if xn, err = b.Param(xp); err != nil {
			t.Fatal(err)
		}
	}
	out, err := forward(l, b, xn)
	if err != nil {
		t.Fatal(err)
	}
	rin := b.Input("r", out.Shape()...)
	if err := rin.Set(toF32(r)); err != nil {
		t.Fatal(err)
	}
	if dt == Float64 { // exact values, not rounded to float32
		copy(rin.Tensor.Data().([]float64), r)
	}
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, rin.Node))))
	wrt := l.Params()
	if !xData {
		wrt = append([]*Param{xp}, wrt...)
	}
	m, err := b.Compile(loss, wrt, out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	var res convRun
	for run, x := range xs {
		if xData {
			if err := xin.Set(toF32(x)); err != nil {
				t.Fatal(err)
			}
			if dt == Float64 {
				copy(xin.Tensor.Data().([]float64), x)
			}
		} else if err := xp.SetFloat64s(x); err != nil {
			t.Fatal(err)
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		res.out[run] = floats(m.Output(0))
		for i := range wrt {
			res.grads[run] = append(res.grads[run], floats(m.Grad(i)))
		}
	}
	return res
}

func toF32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

func floats(d *tensor.Dense) []float64 {
	switch v := d.Data().(type) {
	case []float32:
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	case []float64:
		return append([]float64(nil), v...)
	}
	return nil
}

func randFloats(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// TestConvFusedMatchesIm2col: the fused op gives the im2col path's output
// and every gradient (input, kernel, bias), in float32 and float64, on the
// first run and on a second run with other data (so the reused buffers are
// rewritten, not stale), with x a param and with x data (the input gradient
// left out), with a bias and without (NoBias: the op takes no bias and
// gives no bias gradient).
func TestConvFusedMatchesIm2col(t *testing.T) {
	for _, c := range convCases {
		for _, dt := range []tensor.Dtype{Float32, Float64} {
			for _, xData := range []bool{false, true} {
				for _, noBias := range []bool{false, true} {
					name := fmt.Sprintf("%s %v xData=%v noBias=%v", c.name, dt, xData, noBias)
					t.Run(name, func(t *testing.T) { convFusedMatchesIm2col(t, name, c, dt, xData, noBias) })
				}
			}
		}
	}
}

func convFusedMatchesIm2col(t *testing.T, name string, c convCase, dt tensor.Dtype, xData, noBias bool) {
	l := c.layer()
	l.NoBias = noBias
	if _, err := l.Build(c.in, dt, rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	if noBias != (l.Bias == nil) || len(l.Params()) != 2-btoi(noBias) {
		t.Fatalf("%s: bias %v, params %d", name, l.Bias, len(l.Params()))
	}
	rng := rand.New(rand.NewSource(2))
	// Non-zero biases: a zero bias would hide a missing one.
	if l.Bias != nil {
		if err := l.Bias.SetFloat64s(randFloats(rng, c.filters)); err != nil {
			t.Fatal(err)
		}
	}
	n := c.batch * Shape(c.in).Size()
	xs := [2][]float64{randFloats(rng, n), randFloats(rng, n)}
	r := randFloats(rng, c.batch*l.g.oh*l.g.ow*c.filters)
	fused := runConvPath(t, l, c, dt, xData, xs, r, (*Conv2DLayer).forwardFused)
	ref := runConvPath(t, l, c, dt, xData, xs, r, (*Conv2DLayer).forwardIm2col)
	tol := 1e-12
	if dt == Float32 {
		tol = 2e-6
	}
	for run := range 2 {
		if err := approx.Close(fused.out[run], ref.out[run], tol); err != nil {
			t.Errorf("%s: run %d output: %v", name, run+1, err)
		}
		if len(fused.grads[run]) != len(ref.grads[run]) {
			t.Fatalf("%s: %d gradients, want %d", name, len(fused.grads[run]), len(ref.grads[run]))
		}
		for i := range fused.grads[run] {
			if err := approx.Close(fused.grads[run][i], ref.grads[run][i], tol); err != nil {
				t.Errorf("%s: run %d gradient %d: %v", name, run+1, i, err)
			}
		}
	}
	// The second run's data differs: equal outputs would mean a stale
	// buffer was returned.
	if approx.Close(fused.out[1], fused.out[0], 1e-3) == nil {
		t.Errorf("%s: runs 1 and 2 gave the same output", name)
	}
	// x (a param), the kernel and the bias, less those not there.
	if want := 3 - btoi(xData) - btoi(noBias); len(fused.grads[0]) != want {
		t.Errorf("%s: %d gradients, want %d", name, len(fused.grads[0]), want)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestConvFusedGradCheck checks the fused op's gradients (input, kernel,
// bias) against central differences in float64 for every case, with a bias
// and without.
func TestConvFusedGradCheck(t *testing.T) {
	for _, c := range convCases {
		for _, noBias := range []bool{false, true} {
			name := fmt.Sprintf("%s noBias=%v", c.name, noBias)
			t.Run(name, func(t *testing.T) { convFusedGradCheck(t, c, noBias) })
		}
	}
}

func convFusedGradCheck(t *testing.T, c convCase, noBias bool) {
	l := c.layer()
	l.NoBias = noBias
	if _, err := l.Build(c.in, Float64, rand.New(rand.NewSource(3))); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(4))
	if l.Bias != nil {
		if err := l.Bias.SetFloat64s(randFloats(rng, c.filters)); err != nil {
			t.Fatal(err)
		}
	}
	x, err := NewParam("x", Float64, true, append([]int{c.batch}, c.in...)...)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.SetFloat64s(randFloats(rng, x.Size())); err != nil {
		t.Fatal(err)
	}
	b, err := NewBuilder(Float64, c.batch, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = true
	xn, err := b.Param(x)
	if err != nil {
		t.Fatal(err)
	}
	out, err := l.forwardFused(b, xn)
	if err != nil {
		t.Fatal(err)
	}
	op, ok := fusedConvIn(out)
	if !ok {
		t.Fatalf("%s: the fused path built no convOp", c.name)
	}
	if op.hasBias == noBias || op.Arity() != 3-btoi(noBias) {
		t.Fatalf("%s noBias=%v: the op has a bias %v, arity %d", c.name, noBias, op.hasBias, op.Arity())
	}
	r := b.Input("r", out.Shape()...)
	copy(r.Tensor.Data().([]float64), randFloats(rng, out.Shape().TotalSize()))
	loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
	res, err := GradCheck(b, loss, append([]*Param{x}, l.Params()...), 1e-6, 11)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > gradTol || res.Checked == 0 {
		t.Errorf("%s noBias=%v: %v, want max rel err ≤ %g", c.name, noBias, res, gradTol)
	}
}

// fusedConvIn reports whether n is a convOp's node or is computed from one
// through reshapes and an activation (the graph forwardFused builds).
func fusedConvIn(n *G.Node) (*convOp, bool) {
	seen := map[*G.Node]bool{}
	var walk func(n *G.Node) (*convOp, bool)
	walk = func(n *G.Node) (*convOp, bool) {
		if seen[n] {
			return nil, false
		}
		seen[n] = true
		if op, ok := n.Op().(*convOp); ok {
			return op, true
		}
		children := n.Graph().From(n.ID())
		for children.Next() {
			if op, ok := walk(children.Node().(*G.Node)); ok {
				return op, true
			}
		}
		return nil, false
	}
	return walk(n)
}

// TestConvFusedSkipsDataGradient: on data (directly, reshaped from flat
// rows, as a model's first layer gets it, or rescaled as by nn's Rescaling
// layer before it, as cmd/images puts one) the fused op reports x as not
// differentiable and builds no input gradient; on a param, or on rescaled
// data times a trainable param, it does.
func TestConvFusedSkipsDataGradient(t *testing.T) {
	c := convCases[0]
	l := c.layer()
	if _, err := l.Build(c.in, Float32, rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	b, err := NewBuilder(Float32, c.batch, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = true
	flat := b.Input("x", c.batch, Shape(c.in).Size())
	x, err := Reshape(flat.Node, append([]int{c.batch}, c.in...)...)
	if err != nil {
		t.Fatal(err)
	}
	y, err := l.forwardFused(b, x)
	if err != nil {
		t.Fatal(err)
	}
	if op := y.Op().(*convOp); op.needDx {
		t.Errorf("conv on reshaped data: needDx set")
	}
	// Rescaled as nn's Rescaling layer does it: x·scale + offset, constants.
	scaled := G.Must(G.Add(G.Must(G.Mul(x, b.Const(1.0/255))), b.Const(-1)))
	y1, err := l.forwardFused(b, scaled)
	if err != nil {
		t.Fatal(err)
	}
	if op := y1.Op().(*convOp); op.needDx {
		t.Errorf("conv on rescaled data: needDx set")
	}
	p, err := NewParam("p", Float32, true, append([]int{c.batch}, c.in...)...)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := b.Param(p)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := l.forwardFused(b, pn)
	if err != nil {
		t.Fatal(err)
	}
	if op := y2.Op().(*convOp); !op.needDx {
		t.Errorf("conv on a param: needDx not set")
	}
	y3, err := l.forwardFused(b, G.Must(G.HadamardProd(scaled, pn)))
	if err != nil {
		t.Fatal(err)
	}
	if op := y3.Op().(*convOp); !op.needDx {
		t.Errorf("conv on rescaled data times a trainable param: needDx not set")
	}
}

// TestConvReLUPoolFold: a fused max pooling of a fused ReLU convolution
// takes the ReLU's derivative into its gradient, and the convolution then
// builds no ReLU gradient of its own. The gradients (input, kernel, bias)
// equal those of the unfused graph (patchesOp, the dense twin, poolOp), on
// two runs with different data, and pass a finite-difference check.
func TestConvReLUPoolFold(t *testing.T) {
	in := []int{6, 7, 3}
	const batch = 3
	build := func(dt tensor.Dtype, fused bool) (*Builder, *G.Node, []*Param, *Param) {
		conv := Conv2D(4, 3, actReLU).WithPadding("same")
		pool := MaxPooling2D(2).WithPadding("same")
		out, err := conv.Build(in, dt, rand.New(rand.NewSource(1)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Build(out, dt, nil); err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewSource(2))
		if err := conv.Bias.SetFloat64s(randFloats(rng, 4)); err != nil {
			t.Fatal(err)
		}
		b, err := NewBuilder(dt, batch, true)
		if err != nil {
			t.Fatal(err)
		}
		b.Fused = fused
		x, err := NewParam("x", dt, true, append([]int{batch}, in...)...)
		if err != nil {
			t.Fatal(err)
		}
		xn, err := b.Param(x)
		if err != nil {
			t.Fatal(err)
		}
		y, err := conv.Forward(b, xn)
		if err != nil {
			t.Fatal(err)
		}
		z, err := pool.Forward(b, y)
		if err != nil {
			t.Fatal(err)
		}
		r := b.Input("r", z.Shape()...)
		rd := randFloats(rng, z.Shape().TotalSize())
		if err := r.Set(toF32(rd)); err != nil {
			t.Fatal(err)
		}
		if dt == Float64 {
			copy(r.Tensor.Data().([]float64), rd)
		}
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(z, r.Node))))
		return b, loss, []*Param{x, conv.Kernel, conv.Bias}, x
	}
	rng := rand.New(rand.NewSource(3))
	n := batch * Shape(in).Size()
	xs := [2][]float64{randFloats(rng, n), randFloats(rng, n)}
	for _, dt := range []tensor.Dtype{Float32, Float64} {
		var grads [2][2][][]float64 // [fused?][run]
		for i, fused := range []bool{true, false} {
			b, loss, wrt, x := build(dt, fused)
			m, err := b.Compile(loss, wrt)
			if err != nil {
				t.Fatal(err)
			}
			if fused {
				for _, nd := range b.G.AllNodes() {
					if op, ok := nd.Op().(*convGradOp); ok && op.kind == convGradReLU {
						t.Errorf("%v: the fused graph still has the conv's ReLU gradient", dt)
					}
				}
			}
			for run, v := range xs {
				if err := x.SetFloat64s(v); err != nil {
					t.Fatal(err)
				}
				if err := m.Run(nil); err != nil {
					t.Fatal(err)
				}
				for k := range wrt {
					grads[i][run] = append(grads[i][run], floats(m.Grad(k)))
				}
			}
			m.Close()
		}
		tol := 1e-12
		if dt == Float32 {
			tol = 2e-6
		}
		for run := range 2 {
			for k := range grads[0][run] {
				if err := approx.Close(grads[0][run][k], grads[1][run][k], tol); err != nil {
					t.Errorf("%v run %d gradient %d: %v", dt, run+1, k, err)
				}
			}
		}
	}
	b, loss, wrt, x := build(Float64, true)
	if err := x.SetFloat64s(xs[0]); err != nil {
		t.Fatal(err)
	}
	res, err := GradCheck(b, loss, wrt, 1e-6, 11)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > gradTol || res.Checked == 0 {
		t.Errorf("fused conv+pool: %v, want max rel err ≤ %g", res, gradTol)
	}
}

// TestConvFusedInference: in a graph without the backward pass the fused
// op's outputs equal the im2col path's, on two runs with different data.
func TestConvFusedInference(t *testing.T) {
	for _, c := range convCases {
		for _, dt := range []tensor.Dtype{Float32, Float64} {
			name := fmt.Sprintf("%s %v", c.name, dt)
			l := c.layer()
			if _, err := l.Build(c.in, dt, rand.New(rand.NewSource(1))); err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewSource(5))
			n := c.batch * Shape(c.in).Size()
			xs := [2][]float64{randFloats(rng, n), randFloats(rng, n)}
			var outs [2][2][]float64 // [fused?][run]
			for i, forward := range []func(*Conv2DLayer, *Builder, *G.Node) (*G.Node, error){(*Conv2DLayer).forwardFused, (*Conv2DLayer).forwardIm2col} {
				b, err := NewBuilder(dt, c.batch, false)
				if err != nil {
					t.Fatal(err)
				}
				b.Fused = true
				x := b.Input("x", append([]int{c.batch}, c.in...)...)
				out, err := forward(l, b, x.Node)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := fusedConvIn(out); i == 0 && !ok {
					t.Fatalf("%s: the fused path built no convOp", name)
				}
				m, err := b.Compile(nil, nil, out)
				if err != nil {
					t.Fatal(err)
				}
				for run, v := range xs {
					if dt == Float64 {
						copy(x.Tensor.Data().([]float64), v)
					} else if err := x.Set(toF32(v)); err != nil {
						t.Fatal(err)
					}
					if err := m.Run(nil); err != nil {
						t.Fatal(err)
					}
					outs[i][run] = floats(m.Output(0))
				}
				m.Close()
			}
			tol := 1e-12
			if dt == Float32 {
				tol = 2e-6
			}
			for run := range 2 {
				if err := approx.Close(outs[0][run], outs[1][run], tol); err != nil {
					t.Errorf("%s: run %d: %v", name, run+1, err)
				}
			}
		}
	}
}

// TestConvPoolSameBitsAcrossGOMAXPROCS: the fused convolution's and
// pooling's outputs and gradients are the same bits at GOMAXPROCS 1 and 2:
// their tasks depend on the shapes only, and partial sums are added in
// task order.
func TestConvPoolSameBitsAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	in := []int{12, 12, 3}
	const batch = 16
	rng := rand.New(rand.NewSource(8))
	xv := randFloats(rng, batch*Shape(in).Size())
	var res [2][]uint32
	for i, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		conv := Conv2D(8, 3, actReLU)
		pool := MaxPooling2D(2)
		conv2 := Conv2D(16, 3, actReLU)
		out, err := conv.Build(in, Float32, rand.New(rand.NewSource(1)))
		if err != nil {
			t.Fatal(err)
		}
		if out, err = pool.Build(out, Float32, nil); err != nil {
			t.Fatal(err)
		}
		if _, err = conv2.Build(out, Float32, rand.New(rand.NewSource(2))); err != nil {
			t.Fatal(err)
		}
		b, err := NewBuilder(Float32, batch, true)
		if err != nil {
			t.Fatal(err)
		}
		b.Fused = true
		x, err := NewParam("x", Float32, true, append([]int{batch}, in...)...)
		if err != nil {
			t.Fatal(err)
		}
		if err := x.SetFloat64s(xv); err != nil {
			t.Fatal(err)
		}
		y, err := b.Param(x)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []Layer{conv, pool, conv2} {
			if y, err = l.Forward(b, y); err != nil {
				t.Fatal(err)
			}
		}
		r := b.Input("r", y.Shape()...)
		if err := r.Set(toF32(randFloats(rand.New(rand.NewSource(9)), y.Shape().TotalSize()))); err != nil {
			t.Fatal(err)
		}
		loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, r.Node))))
		wrt := []*Param{x, conv.Kernel, conv.Bias, conv2.Kernel, conv2.Bias}
		m, err := b.Compile(loss, wrt, y)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		vals := [][]float32{m.Output(0).Data().([]float32)}
		for k := range wrt {
			vals = append(vals, m.Grad(k).Data().([]float32))
		}
		for _, v := range vals {
			for _, f := range v {
				res[i] = append(res[i], math.Float32bits(f))
			}
		}
		m.Close()
	}
	if len(res[0]) != len(res[1]) {
		t.Fatalf("%d values at GOMAXPROCS 1, %d at 2", len(res[0]), len(res[1]))
	}
	for j := range res[0] {
		if res[0][j] != res[1][j] {
			t.Fatalf("value %d: %#x at GOMAXPROCS 1, %#x at 2", j, res[0][j], res[1][j])
		}
	}
}

func TestIm2colTwinParity(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for i, gc := range twinGeoms {
			twinCase(t, "im2col", dt, gc, int64(10+i), func(g Window, batch int) G.Op {
				return &patchesOp{g: g, batch: batch, dt: dt}
			}, im2colTwin)
		}
	}
}
