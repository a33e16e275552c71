package graph

import (
	"math"
	"math/rand"
	"runtime"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// productGraph starts a float32 training graph of rows×cols input x and
// param w and returns it with x ⊙ w.
func productGraph(t *testing.T, w *Param, rows, cols int) (*Builder, *Input, *G.Node) {
	t.Helper()
	b, err := NewBuilder(Float32, rows, true)
	if err != nil {
		t.Fatal(err)
	}
	wn, err := b.Param(w)
	if err != nil {
		t.Fatal(err)
	}
	x := b.Input("x", rows, cols)
	h, err := G.HadamardProd(x.Node, wn)
	if err != nil {
		t.Fatal(err)
	}
	return b, x, h
}

// elementwiseGraph compiles loss = Σ ReLU(x ⊙ w + x) with the plain
// Gorgonia ReLU (a comparison and a product): element-wise ops only, as
// the resnet's standalone ReLU layers and Add merges are. With plain
// Reset the machine keeps no register (the old behaviour).
func elementwiseGraph(t *testing.T, w *Param, rows, cols int, plainReset bool) (*Machine, *Input) {
	t.Helper()
	b, x, h := productGraph(t, w, rows, cols)
	var err error
	if h, err = G.Add(h, x.Node); err != nil {
		t.Fatal(err)
	}
	if h, err = ReLUTwin(b, h); err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(h)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Compile(loss, []*Param{w})
	if err != nil {
		t.Fatal(err)
	}
	m.tape.probed = plainReset
	return m, x
}

// TestRewindKeepsElementwiseOutputs runs the element-wise graph on a
// machine that keeps the element-wise ops' registers from run to run and
// on one that Resets them all: the loss and the gradient must be the same
// bits on every batch, and after the first run the keeping machine must
// allocate less than two of the graph's tensors a run (the Sum's gradient,
// a Gorgonia repeatOp whose register is not kept, allocates one), where
// the other allocates every element-wise op's output again, five tensors
// or more (what made the resnet's 9 MB of garbage a step).
func TestRewindKeepsElementwiseOutputs(t *testing.T) {
	if !directTape {
		t.Skip("registers are kept only on the direct tape run")
	}
	const rows, cols = 16, 256
	w, err := NewParam("w", Float32, true, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(3))
	for i := range w.Size() {
		w.SetAt(i, rng.NormFloat64())
	}
	kept, xk := elementwiseGraph(t, w, rows, cols, false)
	plain, xp := elementwiseGraph(t, w, rows, cols, true)
	x := make([]float32, rows*cols)
	for step := 0; step < 4; step++ {
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		if err := xk.Set(x); err != nil {
			t.Fatal(err)
		}
		if err := xp.Set(x); err != nil {
			t.Fatal(err)
		}
		if err := kept.Run(nil); err != nil {
			t.Fatal(err)
		}
		if err := plain.Run(nil); err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(kept.Loss()) != math.Float64bits(plain.Loss()) {
			t.Fatalf("step %d: loss %v with kept registers, %v with Reset", step, kept.Loss(), plain.Loss())
		}
		gk, gp := kept.Grad(0).Data().([]float32), plain.Grad(0).Data().([]float32)
		for j := range gk {
			if math.Float32bits(gk[j]) != math.Float32bits(gp[j]) {
				t.Fatalf("step %d: gradient[%d] = %v with kept registers, %v with Reset", step, j, gk[j], gp[j])
			}
		}
	}
	if len(kept.tape.keep) == 0 {
		t.Fatal("no register kept for the element-wise ops")
	}
	tensorBytes := uint64(rows * cols * 4)
	perRun := func(m *Machine) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			if err := m.Run(nil); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		return (after.TotalAlloc - before.TotalAlloc) / 10
	}
	k, p := perRun(kept), perRun(plain)
	if k >= 2*tensorBytes || p < 5*tensorBytes {
		t.Errorf("%d bytes a run with kept registers (want under two %d-byte tensors), %d with Reset (want five or more)", k, tensorBytes, p)
	}
}

// TestRewindSliceGradientNotAccumulated: the gradient of a slice
// (Gorgonia's sliceIncrOp) adds into the tensor it is given in place of a
// fresh one, so its register must not be kept: the plain-Gorgonia convnet
// trained to other bits when it was (its im2col slices). The gradient of
// Σ (x ⊙ w)[:, 1:3] by w is x on columns 1 and 2 and 0 elsewhere, on every
// run.
func TestRewindSliceGradientNotAccumulated(t *testing.T) {
	const rows, cols = 3, 4
	w, err := NewParam("w", Float32, true, rows, cols)
	if err != nil {
		t.Fatal(err)
	}
	b, x, h := productGraph(t, w, rows, cols)
	if h, err = G.Slice(h, nil, G.S(1, 3)); err != nil {
		t.Fatal(err)
	}
	loss, err := G.Sum(h)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Compile(loss, []*Param{w})
	if err != nil {
		t.Fatal(err)
	}
	xs := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	if err := x.Set(xs); err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 2, 3, 0, 0, 6, 7, 0, 0, 10, 11, 0}
	for run := 1; run <= 3; run++ {
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		got := m.Grad(0)
		if !got.Shape().Eq(tensor.Shape{rows, cols}) {
			t.Fatalf("run %d: gradient shape %v", run, got.Shape())
		}
		for i, v := range got.Data().([]float32) {
			if v != want[i] {
				t.Fatalf("run %d: gradient %v, want %v", run, got.Data(), want)
			}
		}
	}
}
