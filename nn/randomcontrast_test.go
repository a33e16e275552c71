package nn

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// setInput copies v into an input of either type.
func setInput(in *graph.Input, v []float64) {
	switch d := in.Tensor.Data().(type) {
	case []float32:
		for i, x := range v {
			d[i] = float32(x)
		}
	case []float64:
		copy(d, v)
	}
}

// runContrast applies the contrast op to a batch of 2×2×2 images x, with
// one hand-picked factor per image and the output range [lo, hi], in a
// graph of type dt.
func runContrast(t *testing.T, dt tensor.Dtype, x, factors []float64, lo, hi float64) []float64 {
	t.Helper()
	batch := len(factors)
	b, err := graph.NewBuilder(dt, batch, true)
	if err != nil {
		t.Fatal(err)
	}
	in, f := b.Input("x", batch, 2, 2, 2), b.Input("c", batch, 1)
	setInput(in, x)
	setInput(f, factors)
	y, err := graph.AdjustContrast(in.Node, f.Node, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Compile(nil, nil, y)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	return graph.Float64s(m.Output(0))
}

// contrastImage is a hand-made 2×2 image of two channels, interleaved:
// channel 0 holds 0 2 4 6 (mean 3), channel 1 holds 10 10 10 30 (mean 15).
var contrastImage = []float64{0, 10, 2, 10, 4, 10, 6, 30}

// TestRandomContrastExact: (x − mean)·c + mean per image and channel,
// clipped to the value range (values in the cases).
func TestRandomContrastExact(t *testing.T) {
	cases := []struct {
		name   string
		c      float64
		lo, hi float64
		want   []float64
	}{
		// Channel 0 → −3 1 5 9 (the −3 clipped to 0), channel 1 → 5 5 5 45.
		{"c 2, Keras's range [0, 255]", 2, 0, 255, []float64{0, 5, 1, 5, 5, 5, 9, 45}},
		{"c 2, range [0, 40]", 2, 0, 40, []float64{0, 5, 1, 5, 5, 5, 9, 40}},
		{"c 2, range [-5, 255]", 2, -5, 255, []float64{-3, 5, 1, 5, 5, 5, 9, 45}},
		// Channel 0 → 1.5 2.5 3.5 4.5, channel 1 → 12.5 12.5 12.5 22.5.
		{"c ½", 0.5, 0, 255, []float64{1.5, 12.5, 2.5, 12.5, 3.5, 12.5, 4.5, 22.5}},
		{"c 0: every value its channel's mean", 0, 0, 255, []float64{3, 15, 3, 15, 3, 15, 3, 15}},
		{"c 1: the image", 1, 0, 255, contrastImage},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
			if got := runContrast(t, dt, contrastImage, []float64{c.c}, c.lo, c.hi); !sameValues(got, c.want) {
				t.Errorf("%s %v: %v, want %v", c.name, dt, got, c.want)
			}
		}
	}
	// A batch: each image about its own means with its own factor. The
	// second image is the first plus 100 (means 103 and 115) at c ½:
	// channel 0 → 101.5 102.5 103.5 104.5, channel 1 → 112.5 112.5
	// 112.5 122.5.
	second := make([]float64, len(contrastImage))
	for i, v := range contrastImage {
		second[i] = v + 100
	}
	want := []float64{0, 5, 1, 5, 5, 5, 9, 45, 101.5, 112.5, 102.5, 112.5, 103.5, 112.5, 104.5, 122.5}
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		if got := runContrast(t, dt, append(append([]float64(nil), contrastImage...), second...), []float64{2, 0.5}, 0, 255); !sameValues(got, want) {
			t.Errorf("batch %v: %v, want %v", dt, got, want)
		}
	}
}

// TestRandomContrastDraws: the layer's factors, read back from its output
// on an image whose values stay inside the range ((y − m)/(x − m) at a
// pixel away from the mean), are uniform in [1−lower, 1+upper].
func TestRandomContrastDraws(t *testing.T) {
	const n = 2000
	l := RandomContrast(0).WithRange(0.2, 0.6).WithValueRange(-1e3, 1e3)
	out := applyLayer(t, l, graph.Float64, true, []int{2, 2, 2}, repeatImage(contrastImage, n), 7)
	var cs []float64
	for i := range n {
		y := out[i*8 : (i+1)*8]
		// Pixel 0 of channel 0: x 0, mean 3.
		cs = append(cs, (y[0]-3)/(0-3))
		// Every other value agrees with that factor.
		for k, x := range contrastImage {
			m := []float64{3, 15}[k%2]
			if want := (x-m)*cs[i] + m; y[k] < want-1e-9 || y[k] > want+1e-9 {
				t.Fatalf("sample %d: value %d is %v, want %v for factor %v", i, k, y[k], want, cs[i])
			}
		}
	}
	checkUniform(t, "contrast factor", cs, 0.8, 1.6)

	// The feed's fill itself, over more draws.
	f := make([]float64, 10000)
	contrastFactors(0.2, 0.6)(rand.New(rand.NewSource(1)), f)
	checkUniform(t, "contrast factor (fill)", f, 0.8, 1.6)
}

// TestRandomContrastGradClipped: where the output is clipped its gradient
// is 0, and the channel's mean still passes the other outputs' gradient
// to it: the hand-made image at c 2, whose first value is clipped
// (−3 → 0), against central differences, and by hand for loss = Σ y:
// channel 0 has three unclipped outputs, so dx = 2·[0,1,1,1] + (1−2)·3/4
// = [−0.75, 1.25, 1.25, 1.25]; channel 1 has none clipped, so
// dx = 2 − 1 = 1 everywhere.
func TestRandomContrastGradClipped(t *testing.T) {
	b, err := graph.NewBuilder(graph.Float64, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	x, err := graph.NewParam("x", graph.Float64, true, 1, 2, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := x.SetFloat64s(contrastImage); err != nil {
		t.Fatal(err)
	}
	xn, err := b.Param(x)
	if err != nil {
		t.Fatal(err)
	}
	f := b.Input("c", 1, 1)
	setInput(f, []float64{2})
	y, err := graph.AdjustContrast(xn, f.Node, 0, 255)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(y))
	res, err := graph.GradCheck(b, loss, []*graph.Param{x}, 1e-6, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > gradTol {
		t.Errorf("contrast with clipping: %v", res)
	}
	// The same gradient by hand, from a fresh graph.
	b2, _ := graph.NewBuilder(graph.Float64, 1, true)
	xn2, _ := b2.Param(x)
	f2 := b2.Input("c", 1, 1)
	setInput(f2, []float64{2})
	y2, err := graph.AdjustContrast(xn2, f2.Node, 0, 255)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b2.Compile(G.Must(G.Sum(y2)), []*graph.Param{x})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	want := []float64{-0.75, 1, 1.25, 1, 1.25, 1, 1.25, 1}
	if got := graph.Float64s(m.Grad(0)); !sameValues(got, want) {
		t.Errorf("gradient %v, want %v", got, want)
	}
}
