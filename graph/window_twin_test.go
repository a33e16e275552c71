package graph

import (
	"fmt"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/approx"
)

// The window ops' parity harness: patchesOp (op_conv.go) and poolOp
// (op_maxpool.go) each have a twin of Gorgonia primitives beside them
// (im2colTwin, MaxPoolTwin), as do the global pools (op_globalpool.go).
// Their parity tests (TestIm2colTwinParity, TestMaxPoolTwinParity,
// TestGlobalPoolTwinParity, beside each op) compare op and twin, value and
// input gradient, in float32 and float64, over the geometries below; the
// tests here check each twin's gradient against finite differences and
// both in a stack.

// twinGeom is one input and window geometry.
type twinGeom struct {
	batch, h, w, c int
	kh, kw, sh, sw int
	padding        string
}

func (g twinGeom) String() string {
	return fmt.Sprintf("in%dx%dx%dx%d/k%dx%d/s%dx%d/%s", g.batch, g.h, g.w, g.c, g.kh, g.kw, g.sh, g.sw, g.padding)
}

// window is the geometry as newWindow works it out.
func (g twinGeom) window(t *testing.T) Window {
	t.Helper()
	w, err := newWindow("twin test", g.String(), Shape{g.h, g.w, g.c}, [2]int{g.kh, g.kw}, [2]int{g.sh, g.sw}, g.padding)
	if err != nil {
		t.Fatalf("%v: %v", g, err)
	}
	return w
}

// twinGeoms covers kernels 3×3, 2×2, 1×1 and 3×2; strides 1, 2 and (2, 1);
// "valid" and "same" padding, with odd totals (the odd row or column goes
// below or right); 1 and 3 channels; batches 1 and 2; a single output row
// (Gorgonia drops one-element axes, which the twins put back); and the
// convnet's first convolution and pooling on 28×28×1 images.
var twinGeoms = []twinGeom{
	{1, 5, 5, 1, 3, 3, 1, 1, "valid"},
	{2, 5, 5, 3, 3, 3, 1, 1, "same"},  // padding 1 on every side
	{2, 6, 7, 3, 3, 3, 2, 2, "same"},  // rows: 0 above, 1 below; columns 1, 1
	{1, 6, 7, 1, 3, 3, 2, 2, "valid"}, // the last row and column are in no window
	{1, 6, 7, 1, 2, 2, 2, 2, "valid"},
	{2, 5, 5, 3, 2, 2, 2, 2, "same"},  // 1 below, 1 right: TF's odd padding
	{2, 6, 7, 3, 2, 2, 1, 1, "same"},  // 1 below, 1 right
	{1, 5, 5, 3, 2, 2, 1, 1, "valid"}, // stride 1, overlapping windows
	{2, 5, 5, 3, 1, 1, 1, 1, "valid"},
	{1, 6, 7, 1, 1, 1, 2, 2, "same"},
	{2, 6, 7, 3, 3, 2, 2, 1, "same"}, // rows 0/1, columns 0/1
	{1, 5, 5, 1, 3, 2, 2, 1, "valid"},
	{2, 3, 5, 2, 3, 2, 2, 1, "valid"},   // one output row
	{1, 5, 5, 3, 3, 3, 3, 3, "valid"},   // one output in all
	{2, 28, 28, 1, 3, 3, 1, 1, "valid"}, // the convnet's first Conv2D
	{2, 28, 28, 1, 2, 2, 2, 2, "valid"}, // a MaxPooling2D(2) on MNIST
}

// twinInputValues returns n distinct values in (−2, 2) in random order: no
// window holds a tie, so a max has one arg max and finite differences
// never cross a kink.
func twinInputValues(n int, seed int64) []float64 {
	rng := rand.New(rand.NewSource(seed))
	v := make([]float64, n)
	for i, p := range rng.Perm(n) {
		v[i] = 4*(float64(p)+0.5)/float64(n) - 2
	}
	return v
}

// twinResult is what one graph computed: its output and the loss's
// gradient with respect to the input.
type twinResult struct {
	out, grad []float64
}

// twinBuild builds a graph over x, a param holding xs of the given shape,
// applies build to its node and takes loss = Σ out ⊙ R for R drawn from
// seed. It returns the builder, the param, the output and the loss.
func twinBuild(t *testing.T, name string, dt tensor.Dtype, shape []int, xs []float64, seed int64,
	build func(x *G.Node) (*G.Node, error)) (*Builder, *Param, *G.Node, *G.Node) {
	t.Helper()
	return twinBuildB(t, name, dt, shape, xs, seed, func(_ *Builder, x *G.Node) (*G.Node, error) { return build(x) })
}

// twinBuildB is twinBuild for a build that adds params or ops through the
// builder.
func twinBuildB(t *testing.T, name string, dt tensor.Dtype, shape []int, xs []float64, seed int64,
	build func(b *Builder, x *G.Node) (*G.Node, error)) (*Builder, *Param, *G.Node, *G.Node) {
	t.Helper()
	x, err := NewParam("x", dt, true, shape...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := x.SetFloat64s(xs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, err := NewBuilder(dt, shape[0], true)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	xn, err := b.Param(x)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := build(b, xn)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	r := b.Input("r", out.Shape()...)
	rng := rand.New(rand.NewSource(seed))
	rv := make([]float32, r.Tensor.Shape().TotalSize())
	for i := range rv {
		rv[i] = float32(rng.NormFloat64())
	}
	if err := r.Set(rv); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	loss, err := G.Sum(G.Must(G.HadamardProd(out, r.Node)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b, x, out, loss
}

// twinRun runs twinBuild's graph once and returns its output and gradient.
func twinRun(t *testing.T, name string, dt tensor.Dtype, shape []int, xs []float64, seed int64,
	build func(x *G.Node) (*G.Node, error)) twinResult {
	t.Helper()
	return twinRunB(t, name, dt, shape, xs, seed, func(_ *Builder, x *G.Node) (*G.Node, error) { return build(x) })
}

// twinRunB is twinRun for a build that adds inputs or ops through the
// builder (or chooses its ops: b.Fused).
func twinRunB(t *testing.T, name string, dt tensor.Dtype, shape []int, xs []float64, seed int64,
	build func(b *Builder, x *G.Node) (*G.Node, error)) twinResult {
	t.Helper()
	b, x, out, loss := twinBuildB(t, name, dt, shape, xs, seed, build)
	m, err := b.Compile(loss, []*Param{x}, out)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return twinResult{out: Float64s(m.Output(0)), grad: Float64s(m.Grad(0))}
}

// twinCompare fails the test where the op's result departs from the
// twin's; n is the longest sum either computes.
func twinCompare(t *testing.T, name string, dt tensor.Dtype, n int, op, twin twinResult) {
	t.Helper()
	tol := parityTol(dt, n)
	if e := approx.RelErr(op.out, twin.out); !(e <= tol) {
		t.Errorf("%s: outputs of op and twin differ by %.3g (relative), tolerance %.3g", name, e, tol)
	}
	if e := approx.RelErr(op.grad, twin.grad); !(e <= tol) {
		t.Errorf("%s: input gradients of op and twin differ by %.3g (relative), tolerance %.3g", name, e, tol)
	}
}

// twinCase runs one op and its twin on one geometry and compares them.
func twinCase(t *testing.T, kind string, dt tensor.Dtype, gc twinGeom, seed int64,
	op func(g Window, batch int) G.Op, twin func(*G.Node, Window) (*G.Node, error)) {
	t.Helper()
	name := fmt.Sprintf("%s/%v/%v", kind, dt, gc)
	g := gc.window(t)
	shape := []int{gc.batch, gc.h, gc.w, gc.c}
	xs := twinInputValues(gc.batch*gc.h*gc.w*gc.c, seed)
	got := twinRun(t, name, dt, shape, xs, seed+1, func(x *G.Node) (*G.Node, error) {
		return G.ApplyOp(op(g, gc.batch), x)
	})
	want := twinRun(t, name, dt, shape, xs, seed+1, func(x *G.Node) (*G.Node, error) { return twin(x, g) })
	if len(want.out) == 0 || len(want.grad) != len(xs) {
		t.Fatalf("%s: twin gave %d outputs and %d gradients", name, len(want.out), len(want.grad))
	}
	// Both copy values; an input's gradient sums at most kh·kw terms.
	twinCompare(t, name, dt, g.kh*g.kw, got, want)
}

// The twins' gradients against central differences in float64, on
// geometries with strides, odd "same" padding and a single output row.
func TestWindowTwinsGradCheck(t *testing.T) {
	geoms := []twinGeom{
		{2, 6, 7, 3, 3, 3, 2, 2, "same"},
		{1, 6, 7, 1, 3, 2, 2, 1, "same"},
		{2, 5, 5, 1, 2, 2, 2, 2, "same"},
		{1, 3, 5, 2, 3, 2, 2, 1, "valid"},
		{1, 5, 5, 3, 2, 2, 1, 1, "valid"},
	}
	twins := []struct {
		kind string
		fn   func(*G.Node, Window) (*G.Node, error)
	}{{"im2col", im2colTwin}, {"maxpool", MaxPoolTwin}}
	for _, tw := range twins {
		for i, gc := range geoms {
			name := fmt.Sprintf("%s/%v", tw.kind, gc)
			g := gc.window(t)
			shape := []int{gc.batch, gc.h, gc.w, gc.c}
			xs := twinInputValues(gc.batch*gc.h*gc.w*gc.c, int64(70+i))
			b, x, _, loss := twinBuild(t, name, tensor.Float64, shape, xs, int64(90+i), func(x *G.Node) (*G.Node, error) {
				return tw.fn(x, g)
			})
			res, err := GradCheck(b, loss, []*Param{x}, 1e-6, 1)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.MaxRelErr > gradTol || res.Checked != len(xs) {
				t.Errorf("%s: %v, want max rel err ≤ %g over %d elements", name, res, gradTol, len(xs))
			}
		}
	}
}

// Hand-computed values: both twins on a 1×2×3×1 image with a 2×2 window,
// "same" padding (one row below, one column right).
func TestWindowTwinsValues(t *testing.T) {
	gc := twinGeom{1, 2, 3, 1, 2, 2, 1, 1, "same"}
	xs := []float64{1, 2, 3, 4, 5, 6}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		g := gc.window(t)
		cols := twinRun(t, "im2col values", dt, []int{1, 2, 3, 1}, xs, 1, func(x *G.Node) (*G.Node, error) { return im2colTwin(x, g) })
		wantCols := []float64{
			1, 2, 4, 5,
			2, 3, 5, 6,
			3, 0, 6, 0,
			4, 5, 0, 0,
			5, 6, 0, 0,
			6, 0, 0, 0,
		}
		if approx.RelErr(cols.out, wantCols) != 0 {
			t.Errorf("im2col twin %v: got %v, want %v", dt, cols.out, wantCols)
		}
		neg := []float64{-1, -2, -3, -4, -5, -6} // the zero padding must not win
		pool := twinRun(t, "maxpool values", dt, []int{1, 2, 3, 1}, neg, 1, func(x *G.Node) (*G.Node, error) { return MaxPoolTwin(x, g) })
		wantPool := []float64{-1, -2, -3, -4, -5, -6}
		if approx.RelErr(pool.out, wantPool) != 0 {
			t.Errorf("maxpool twin %v: got %v, want %v", dt, pool.out, wantPool)
		}
	}
}

// twinStack builds, on a (2, 7, 6, 2) input, a convolution and a max
// pooling as the Conv2D and MaxPooling2D layers chain them: im2col, the
// builder's dense product with bias and ReLU (fused or its twin, as fused
// says), the copying reshape to (batch, oh, ow, filters), and pooling; with
// twins, the window ops are the twins. Downstream of the twins sit ops the
// tape machine may run in place, which is where an aliased value would be
// overwritten. It returns the builder, the params (input, kernel, bias),
// the output and the loss Σ out ⊙ R.
func twinStack(t *testing.T, name string, dt tensor.Dtype, fused, twins bool) (*Builder, []*Param, *G.Node, *G.Node) {
	t.Helper()
	const batch, filters = 2, 4
	cg, err := newWindow("conv", name, Shape{7, 6, 2}, [2]int{3, 3}, [2]int{1, 1}, "same")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	pg, err := newWindow("pool", name, Shape{cg.oh, cg.ow, filters}, [2]int{2, 2}, [2]int{2, 2}, "same")
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rng := rand.New(rand.NewSource(3))
	k, err := NewParam("kernel", dt, true, cg.PatchLen(), filters)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	bias, err := NewParam("bias", dt, true, 1, filters)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, p := range []*Param{k, bias} {
		for i := 0; i < p.Size(); i++ {
			p.SetAt(i, 0.4*rng.NormFloat64())
		}
	}
	xs := twinInputValues(batch*7*6*2, 8)
	b, x, out, loss := twinBuildB(t, name, dt, []int{batch, 7, 6, 2}, xs, 4, func(b *Builder, x *G.Node) (*G.Node, error) {
		b.Fused = fused
		var cols *G.Node
		var err error
		if twins {
			cols, err = im2colTwin(x, cg)
		} else {
			cols, err = G.ApplyOp(&patchesOp{g: cg, batch: batch, dt: dt}, x)
		}
		if err != nil {
			return nil, err
		}
		kn, err := b.Param(k)
		if err != nil {
			return nil, err
		}
		bn, err := b.Param(bias)
		if err != nil {
			return nil, err
		}
		z, err := b.Dense(cols, kn, bn, true)
		if err != nil {
			return nil, err
		}
		if z, err = Reshape(z, batch, cg.oh, cg.ow, filters); err != nil {
			return nil, err
		}
		if twins {
			return MaxPoolTwin(z, pg)
		}
		return G.ApplyOp(&poolOp{g: pg, batch: batch, dt: dt}, z)
	})
	return b, []*Param{x, k, bias}, out, loss
}

// The twins inside a convolution and pooling stack: the same output and
// gradients (input, kernel, bias) as the custom ops, with the fused dense
// op and with its twin, and gradients that pass finite differences.
func TestWindowTwinsInStack(t *testing.T) {
	run := func(name string, dt tensor.Dtype, fused, twins bool) [][]float64 {
		b, params, out, loss := twinStack(t, name, dt, fused, twins)
		m, err := b.Compile(loss, params, out)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer m.Close()
		if err := m.Run(nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		res := [][]float64{Float64s(m.Output(0))}
		for i := range params {
			res = append(res, Float64s(m.Grad(i)))
		}
		return res
	}
	what := []string{"output", "input gradient", "kernel gradient", "bias gradient"}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, fused := range []bool{true, false} {
			name := fmt.Sprintf("%v/fused-dense=%v", dt, fused)
			ops, twins := run(name+"/ops", dt, fused, false), run(name+"/twins", dt, fused, true)
			// The longest sums: a kernel gradient over 2·7·6 positions.
			tol := parityTol(dt, 2*7*6*2)
			for i := range ops {
				if e := approx.RelErr(ops[i], twins[i]); !(e <= tol) {
					t.Errorf("%s: %s of ops and twins differ by %.3g (relative), tolerance %.3g", name, what[i], e, tol)
				}
			}
		}
	}
	name := "float64 twins, dense twin"
	b, params, _, loss := twinStack(t, name, tensor.Float64, false, true)
	res, err := GradCheck(b, loss, params, 1e-6, 1)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.MaxRelErr > gradTol || res.Checked != 2*7*6*2+9*2*4+4 {
		t.Errorf("%s: %v, want max rel err ≤ %g", name, res, gradTol)
	}
}
