package graph

import (
	"fmt"
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/approx"
)

// The parity tests' harness: each fused op's test (Test<Op>TwinParity, in
// its op_<op>_test.go) builds the op and its twin (in op_<op>.go) on the
// same params and inputs, runs both, and compares the forward values and
// every gradient, in float32 and float64, over the batch sizes and widths
// the issue lists and five kinds of input. The fused ops' kernels change with
// shape and density (sparse panels, narrow-layer kernels, BLAS), so the
// shapes and kinds are chosen to send every op down each of its paths.

var (
	parityBatches = []int{1, 3, 129, 513}
	parityWidths  = []int{1, 5, 10, 33, 65, 513, 784}
)

// parityKind is a kind of input: element (i, j) of a rows×cols matrix.
type parityKind struct {
	name string
	at   func(rng *rand.Rand, i, j int) float64
}

var parityKinds = []parityKind{
	{"dense", func(rng *rand.Rand, i, j int) float64 { return rng.NormFloat64() }},
	{"90%-zeros", func(rng *rand.Rand, i, j int) float64 {
		if rng.Float64() < 0.9 {
			return 0
		}
		return rng.Float64()
	}},
	{"zero-rows", func(rng *rand.Rand, i, j int) float64 {
		if i%2 == 0 {
			return 0
		}
		return rng.NormFloat64()
	}},
	{"negative", func(rng *rand.Rand, i, j int) float64 { return -0.01 - rng.Float64() }},
	{"±1e3", func(rng *rand.Rand, i, j int) float64 {
		return math.Copysign(1e3*(0.5+rng.Float64()), rng.NormFloat64())
	}},
}

// parityTol is the largest error allowed between the fused op and its twin,
// relative to the largest magnitude in the twin's tensor or to 1, whichever
// is larger (the incoming gradients are of order 1: where an op saturates,
// the true gradient is 0 and both compute rounding noise of that order). The
// two sum in different orders, the fused ops partly in float64, so the bound
// grows with n, the longest sum in the op: 4·n units of roundoff, and no
// less than 2e-5 (float32) or 1e-12 (float64).
func parityTol(dt tensor.Dtype, n int) float64 { return approx.Tol(dt == Float32, n) }

// parityParam is a param of kind k.
func parityParam(t *testing.T, name string, dt tensor.Dtype, rng *rand.Rand, k parityKind, rows, cols int) *Param {
	t.Helper()
	p, err := NewParam(name, dt, true, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			p.SetAt(i*cols+j, k.at(rng, i, j))
		}
	}
	return p
}

// parityResult is what one graph computed: its output, loss and gradients.
type parityResult struct {
	out   []float64
	loss  float64
	grads [][]float64
}

// parityRun builds a graph with build (which returns the op's output and
// the scalar to differentiate, and may add inputs it fills itself), fused
// or not, differentiates it with respect to wrt and runs it once.
func parityRun(t *testing.T, dt tensor.Dtype, batch int, fused bool, wrt []*Param,
	build func(b *Builder) (out, loss *G.Node)) parityResult {
	t.Helper()
	b, err := NewBuilder(dt, batch, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = fused
	out, loss := build(b)
	m, err := b.Compile(loss, wrt, out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	r := parityResult{loss: m.Loss()}
	if o := m.Output(0); o != nil {
		r.out = Float64s(o)
	} else { // a scalar: the loss itself
		r.out = []float64{r.loss}
	}
	for i := range wrt {
		r.grads = append(r.grads, Float64s(m.Grad(i)))
	}
	return r
}

// parityWeights returns the builder's Σ out ⊙ R for R drawn from seed: the
// same R in both graphs, so every element of out gets its own gradient.
func parityWeights(b *Builder, out *G.Node, seed int64) *G.Node {
	r := b.Input("r", out.Shape()...)
	rng := rand.New(rand.NewSource(seed))
	vals := make([]float32, r.Tensor.Shape().TotalSize())
	for i := range vals {
		vals[i] = float32(rng.NormFloat64())
	}
	if err := r.Set(vals); err != nil {
		panic(err)
	}
	return G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
}

// parityCompare fails the test where the fused result departs from the twin's.
// n is the longest sum the op computes (see parityTol).
func parityCompare(t *testing.T, dt tensor.Dtype, n int, fused, twin parityResult, names ...string) {
	t.Helper()
	tol := parityTol(dt, n)
	if len(fused.out) != len(twin.out) {
		t.Fatalf("output sizes differ: fused %d, twin %d", len(fused.out), len(twin.out))
	}
	if e := approx.RelErr(fused.out, twin.out); !(e <= tol) {
		t.Errorf("output: fused and twin differ by %.3g (relative to the largest), tolerance %.3g", e, tol)
	}
	if d := math.Abs(fused.loss - twin.loss); !(d <= tol*math.Max(1, math.Abs(twin.loss))) {
		t.Errorf("loss: fused %.9g, twin %.9g", fused.loss, twin.loss)
	}
	for i := range twin.grads {
		if e := approx.RelErr(fused.grads[i], twin.grads[i]); !(e <= tol) {
			t.Errorf("gradient of %s: fused and twin differ by %.3g (relative to the largest), tolerance %.3g", names[i], e, tol)
		}
	}
}

// parityShapes calls fn for every batch size and every width, each width
// once as the input width per batch size, the output width cycling, with
// two kinds of input per shape, cycling too: every kind meets every batch
// size and most widths without the whole cross product (which took minutes).
func parityShapes(fn func(batch, in, units int, kinds []parityKind)) {
	s := 0
	for bi, batch := range parityBatches {
		for wi, in := range parityWidths {
			k := len(parityKinds)
			fn(batch, in, parityWidths[(wi+bi+1)%len(parityWidths)],
				[]parityKind{parityKinds[s%k], parityKinds[(s+2)%k]})
			s++
		}
	}
}

var parityDtypes = []tensor.Dtype{Float32, Float64}

// float32s returns p's values as float32.
func float32s(p *Param) []float32 {
	v := make([]float32, p.Size())
	for i := range v {
		v[i] = float32(p.At(i))
	}
	return v
}

// copyInto copies p's values into d exactly, whatever d's type.
func copyInto(d *tensor.Dense, p *Param) {
	switch v := d.Data().(type) {
	case []float32:
		for i := range v {
			v[i] = float32(p.At(i))
		}
	case []float64:
		for i := range v {
			v[i] = p.At(i)
		}
	}
}

// rowOpParity checks a row-wise op (built by op from the builder and a
// logits node) fused against its twin over every batch size, width and
// input kind; sum(batch, classes) is the longest sum the op computes.
func rowOpParity(t *testing.T, sum func(batch, classes int) int, op func(b *Builder, x *G.Node) *G.Node) {
	n := 0
	for _, dt := range parityDtypes {
		parityShapes(func(batch, classes, _ int, kinds []parityKind) {
			for ki, k := range kinds {
				n++
				t.Run(fmt.Sprintf("%v/batch%d/classes%d/%s", dt, batch, classes, k.name), func(t *testing.T) {
					rng := rand.New(rand.NewSource(int64(n)))
					x := parityParam(t, "x", dt, rng, k, batch, classes)
					build := func(b *Builder) (*G.Node, *G.Node) {
						y := op(b, G.Must(b.Param(x)))
						if y.IsScalar() {
							return y, y
						}
						return y, parityWeights(b, y, int64(ki))
					}
					parityCompare(t, dt, sum(batch, classes), parityRun(t, dt, batch, true, []*Param{x}, build), parityRun(t, dt, batch, false, []*Param{x}, build), "x")
				})
			}
		})
	}
}

// perRow: a row-wise op sums along one row.
func perRow(batch, classes int) int { return classes }
