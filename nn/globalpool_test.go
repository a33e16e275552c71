package nn

import (
	"fmt"
	"math"
	"math/rand"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// globalLayers are the two layers under test, made afresh for each case.
var globalLayers = []struct {
	kind string
	make func() Layer
}{
	{"GlobalAveragePooling2D", func() Layer { return GlobalAveragePooling2D() }},
	{"GlobalMaxPooling2D", func() Layer { return GlobalMaxPooling2D() }},
}

// globalRun builds layer l for samples of shape[1:], runs it once on xs
// (shape (batch, h, w, c)) with the fused op or its twin, and returns the
// output and the input gradient of loss = Σ out ⊙ r (r: (batch, c)).
// poolResult is one run of a pooling layer: its output and the input
// gradient of Σ out ⊙ R.
type poolResult struct{ out, grad []float64 }

func globalRun(t *testing.T, name string, l Layer, dt tensor.Dtype, fused bool, shape []int, xs, r []float64) poolResult {
	t.Helper()
	if _, err := l.Build(shape[1:], dt, nil); err != nil {
		t.Fatalf("%s: build: %v", name, err)
	}
	x, err := graph.NewParam("x", dt, true, shape...)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := x.SetFloat64s(xs); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, err := graph.NewBuilder(dt, shape[0], true)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b.Fused = fused
	xn, err := b.Param(x)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	out, err := l.Forward(b, xn)
	if err != nil {
		t.Fatalf("%s: forward: %v", name, err)
	}
	if want := (tensor.Shape{shape[0], shape[3]}); !out.Shape().Eq(want) {
		t.Fatalf("%s: output node has shape %v, want %v", name, out.Shape(), want)
	}
	rn := b.Input("r", out.Shape()...)
	switch d := rn.Tensor.Data().(type) {
	case []float32:
		for i, v := range r {
			d[i] = float32(v)
		}
	case []float64:
		copy(d, r)
	}
	loss, err := G.Sum(G.Must(G.HadamardProd(out, rn.Node)))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	m, err := b.Compile(loss, []*graph.Param{x}, out)
	if err != nil {
		t.Fatalf("%s: compile: %v", name, err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatalf("%s: run: %v", name, err)
	}
	return poolResult{out: graph.Float64s(m.Output(0)), grad: graph.Float64s(m.Grad(0))}
}

// nhwc lays out per-sample, per-channel grids (grids[b][ch][i][j]) as a
// flat (batch, h, w, c) array.
func nhwc(grids [][][][]float64) []float64 {
	var out []float64
	for _, sample := range grids {
		h, w := len(sample[0]), len(sample[0][0])
		for i := 0; i < h; i++ {
			for j := 0; j < w; j++ {
				for ch := range sample {
					out = append(out, sample[ch][i][j])
				}
			}
		}
	}
	return out
}

// TestGlobalPoolingHandWorked runs both layers, fused and twin, float32
// and float64, on a (2, 2, 3, 2) input worked by hand. Every value is a
// small multiple of 1/2 and every expected number a sum of a few of them
// divided by 6, so float32 and float64 agree with the hand values to the
// last bit except where the division by 6 rounds (1/6, 1/3, 2/3), which
// is compared after rounding the hand value to the dtype.
//
// Sample 0: channel 0 [[1 5 2] [0 4 6]], channel 1 [[-1 -3 -2] [-6 -5 -4]].
// Sample 1: channel 0 [[3 3 1] [3 2 0]] (three tied maxima), channel 1
// [[0.5 1.5 2.5] [3.5 4.5 5.5]]. The loss weights r are [[1 2] [3 4]]
// (sample, channel).
//
// Averages: (1+5+2+0+4+6)/6 = 3, (−1−3−2−6−5−4)/6 = −3.5, (3+3+1+3+2+0)/6
// = 2, (0.5+1.5+2.5+3.5+4.5+5.5)/6 = 3. Their gradient is r/6 at every
// position of the channel: 1/6, 2/6, 3/6, 4/6.
//
// Maxima: 6 at (1, 2); −1 at (0, 0); 3, first at (0, 0) in row-major order
// though (0, 1) and (1, 0) tie with it; 5.5 at (1, 2). The gradient is r
// at that one position and 0 at every other: the ties at (0, 1) and (1,
// 0) of sample 1, channel 0, get nothing.
func TestGlobalPoolingHandWorked(t *testing.T) {
	xs := nhwc([][][][]float64{
		{{{1, 5, 2}, {0, 4, 6}}, {{-1, -3, -2}, {-6, -5, -4}}},
		{{{3, 3, 1}, {3, 2, 0}}, {{0.5, 1.5, 2.5}, {3.5, 4.5, 5.5}}},
	})
	r := []float64{1, 2, 3, 4}
	shape := []int{2, 2, 3, 2}
	sixth := func(v float64) [][]float64 { return [][]float64{{v / 6, v / 6, v / 6}, {v / 6, v / 6, v / 6}} }
	at := func(i, j int, v float64) [][]float64 {
		g := [][]float64{{0, 0, 0}, {0, 0, 0}}
		g[i][j] = v
		return g
	}
	cases := []struct {
		layer     int // index into globalLayers
		out, grad []float64
	}{
		{0, []float64{3, -3.5, 2, 3}, nhwc([][][][]float64{{sixth(1), sixth(2)}, {sixth(3), sixth(4)}})},
		{1, []float64{6, -1, 3, 5.5}, nhwc([][][][]float64{{at(1, 2, 1), at(0, 0, 2)}, {at(0, 0, 3), at(1, 2, 4)}})},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			for _, fused := range []bool{true, false} {
				name := fmt.Sprintf("%s/%v/fused=%v", globalLayers[c.layer].kind, dt, fused)
				got := globalRun(t, name, globalLayers[c.layer].make(), dt, fused, shape, xs, r)
				check := func(what string, got, want []float64) {
					if len(got) != len(want) {
						t.Fatalf("%s: %s has %d values, want %d", name, what, len(got), len(want))
					}
					for i := range want {
						w := want[i]
						if dt == tensor.Float32 {
							w = float64(float32(w))
						}
						if got[i] != w {
							t.Errorf("%s: %s[%d] = %v, want %v (all: %v)", name, what, i, got[i], w, got)
							return
						}
					}
				}
				check("output", got.out, c.out)
				check("input gradient", got.grad, c.grad)
			}
		}
	}
}

// TestGlobalMaxPoolTies: on data full of ties and with NaNs, the fused op
// gives what the scalar maxPool gives for one window over the whole
// image (the MaxPooling2D reference), output exactly (NaN where it is NaN), and sends each
// output's gradient to that window's first maximum in row-major order and
// nowhere else; a NaN at a channel's first position wins it, a later one
// loses. The twin matches ties too (the hand-worked test has one), but not
// NaNs (its select makes NaN·0), so it is left out here.
func TestGlobalMaxPoolTies(t *testing.T) {
	cases := []struct {
		name  string
		geom  [4]int
		nanAt []int // flat indices set to NaN
	}{
		{"ties only", [4]int{3, 4, 5, 3}, nil},
		{"ties c16", [4]int{2, 3, 3, 16}, nil},
		{"NaN first and later", [4]int{2, 3, 4, 2}, []int{0, 2*3*4*2/2 + 5}},
	}
	for _, c := range cases {
		for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
			name := fmt.Sprintf("%s/%v", c.name, dt)
			batch, h, w, ch := c.geom[0], c.geom[1], c.geom[2], c.geom[3]
			rng := rand.New(rand.NewSource(4))
			xs := make([]float64, batch*h*w*ch)
			for i := range xs {
				xs[i] = float64(rng.Intn(3) - 1)
			}
			for _, i := range c.nanAt {
				xs[i] = math.NaN()
			}
			r := randFloats(rng, batch*ch)
			got := globalRun(t, name, GlobalMaxPooling2D(), dt, true, c.geom[:], xs, r)
			// Per sample and channel, the first position (row-major) whose
			// value no later one exceeds takes the whole gradient.
			wantOut := make([]float64, batch*ch)
			wantGrad := make([]float64, len(xs))
			for bi := range batch {
				for k := range ch {
					at := bi * h * w * ch
					at += k
					for p := 1; p < h*w; p++ {
						if i := bi*h*w*ch + p*ch + k; xs[i] > xs[at] {
							at = i
						}
					}
					wantOut[bi*ch+k] = xs[at]
					wantGrad[at] += r[bi*ch+k]
				}
			}
			if dt == tensor.Float32 {
				for i := range wantGrad {
					wantGrad[i] = float64(float32(wantGrad[i]))
				}
			}
			for i := range wantOut {
				if math.IsNaN(got.out[i]) != math.IsNaN(wantOut[i]) || !math.IsNaN(wantOut[i]) && got.out[i] != wantOut[i] {
					t.Errorf("%s: output[%d] = %v, want %v", name, i, got.out[i], wantOut[i])
				}
			}
			for i := range wantGrad {
				if got.grad[i] != wantGrad[i] {
					t.Errorf("%s: gradient[%d] = %v, want %v", name, i, got.grad[i], wantGrad[i])
				}
			}
			// Independently of maxPool: each output's gradient lands on
			// exactly one input, the first equal to the output (or the
			// first position, for a NaN there).
			for b := 0; b < batch; b++ {
				for k := 0; k < ch; k++ {
					first := -1
					for p := 0; p < h*w; p++ {
						v := xs[(b*h*w+p)*ch+k]
						if v == got.out[b*ch+k] || (p == 0 && math.IsNaN(v)) {
							first = p
							break
						}
					}
					for p := 0; p < h*w; p++ {
						want := 0.0
						if p == first {
							want = r[b*ch+k]
							if dt == tensor.Float32 {
								want = float64(float32(want))
							}
						}
						if gv := got.grad[(b*h*w+p)*ch+k]; gv != want {
							t.Errorf("%s: sample %d channel %d position %d: gradient %v, want %v", name, b, k, p, gv, want)
						}
					}
				}
			}
			if len(c.nanAt) > 0 && !math.IsNaN(got.out[0]) {
				t.Errorf("%s: a NaN at the first position gave %v, want NaN", name, got.out[0])
			}
		}
	}
}

// TestGlobalPoolingGradCheck checks both layers, fused and twin, against
// central differences in float64 through a Sequential model: a Conv2D,
// the pooling and a Dense layer (input, kernel and bias gradients). The
// ops alone are checked in graph (TestGlobalPoolGradCheck).
func TestGlobalPoolingGradCheck(t *testing.T) {
	for _, gl := range globalLayers {
		for _, f := range []Fusion{FusionOn, FusionOff} {
			checkLayersFusion(t, fmt.Sprintf("%s conv-pool-dense, fusion %d", gl.kind, f), f, 3, []int{5, 4, 2}, true,
				Conv2D(3, 2, Tanh), gl.make(), Dense(2, Tanh))
		}
	}
}

// TestGlobalPoolingShapeErrors: an input that is not an image, (height,
// width, channels), is an error naming the layer and the shape, from
// Build and CountParams, and a node of another shape than the layer was
// built for is one from Forward; never a panic.
func TestGlobalPoolingShapeErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []int
		want string
	}{
		{"1-D", []int{64}, "input shape (None, 64) is 1-D, want (height, width, channels)"},
		{"2-D", []int{7, 7}, "input shape (None, 7, 7) is 2-D"},
		{"4-D", []int{2, 7, 7, 3}, "input shape (None, 2, 7, 7, 3) is 4-D"},
		{"empty", nil, "is 0-D"},
		{"zero width", []int{7, 0, 3}, "non-positive dimension"},
		{"negative channels", []int{7, 7, -1}, "non-positive dimension"},
	}
	kinds := []string{"globalaveragepooling2d", "globalmaxpooling2d"}
	for li, gl := range globalLayers {
		for _, c := range cases {
			name := gl.kind + "/" + c.name
			l := gl.make()
			l.SetName("gp")
			prefix := kinds[li] + ` "gp": `
			if _, err := l.Build(c.in, tensor.Float32, nil); err == nil || !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: Build error %v, want one containing %q and %q", name, err, prefix, c.want)
			}
			pc := l.(ParamCounter)
			if _, _, err := pc.CountParams(c.in); err == nil || !strings.Contains(err.Error(), prefix) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: CountParams error %v, want one containing %q and %q", name, err, prefix, c.want)
			}
		}
		// Forward before Build, and on a node of another shape.
		l := gl.make()
		l.SetName("gp")
		b, err := graph.NewBuilder(tensor.Float32, 2, true)
		if err != nil {
			t.Fatal(err)
		}
		x := b.Input("x", 2, 4, 4, 3).Node
		if _, err := l.Forward(b, x); err == nil || !strings.Contains(err.Error(), "not built") {
			t.Errorf("%s: Forward before Build: error %v, want \"not built\"", gl.kind, err)
		}
		if _, err := l.Build([]int{4, 5, 3}, tensor.Float32, nil); err != nil {
			t.Fatal(err)
		}
		want := kinds[li] + ` "gp": input has shape (2, 4, 4, 3), want (batch, 4, 5, 3)`
		if _, err := l.Forward(b, x); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Forward on the wrong shape: error %v, want %q", gl.kind, err, want)
		}
	}
}

// TestGlobalPoolingConfig: Config, the registry (newLayer) and Config
// again give the same description; the layer made has the type and no
// params; CountParams is 0 params and (channels) out, as Build says; and
// the default name is Keras's (snake case of the type).
func TestGlobalPoolingConfig(t *testing.T) {
	names := []string{"global_average_pooling2d", "global_max_pooling2d"}
	for li, gl := range globalLayers {
		l := gl.make()
		if l.Type() != gl.kind {
			t.Errorf("%s: Type() = %q", gl.kind, l.Type())
		}
		if got := snake(l.Type()); got != names[li] {
			t.Errorf("%s: default name %q, want %q", gl.kind, got, names[li])
		}
		l.SetName("pool_7")
		c := l.(Configurer).Config()
		if want := (LayerConfig{Type: gl.kind, Name: "pool_7"}); !c.Equal(want) {
			t.Errorf("%s: Config() = %+v, want %+v", gl.kind, c, want)
		}
		back, err := newLayer(c)
		if err != nil {
			t.Fatalf("%s: newLayer: %v", gl.kind, err)
		}
		back.SetName(c.Name)
		if c2 := back.(Configurer).Config(); !c2.Equal(c) {
			t.Errorf("%s: round trip gave %+v, want %+v", gl.kind, c2, c)
		}
		for _, in := range [][]int{{7, 7, 64}, {1, 1, 3}, {14, 5, 1}} {
			n, out, err := back.(ParamCounter).CountParams(in)
			if err != nil || n != 0 || !Shape(out).Equal(Shape{in[2]}) {
				t.Errorf("%s: CountParams(%v) = %d, %v, %v; want 0, [%d], nil", gl.kind, in, n, out, err, in[2])
			}
			built, err := back.Build(in, tensor.Float32, nil)
			if err != nil || !Shape(built).Equal(Shape{in[2]}) {
				t.Errorf("%s: Build(%v) = %v, %v; want [%d]", gl.kind, in, built, err, in[2])
			}
			if p := back.Params(); len(p) != 0 {
				t.Errorf("%s: %d params, want none", gl.kind, len(p))
			}
		}
	}
	reg := RegisteredLayers()
	for _, gl := range globalLayers {
		found := false
		for _, n := range reg {
			found = found || n == gl.kind
		}
		if !found {
			t.Errorf("%s is not registered (registered: %v)", gl.kind, reg)
		}
	}
}

// BenchmarkGlobalAveragePooling2D times one forward and backward run of
// the fused op and of its twin, float32, on a batch of 64 of two shapes a
// convnet's last feature maps take.
func BenchmarkGlobalAveragePooling2D(b *testing.B) {
	for _, geom := range [][3]int{{7, 7, 64}, {14, 14, 32}} {
		for _, fused := range []bool{true, false} {
			b.Run(fmt.Sprintf("64x%dx%dx%d/fused=%v", geom[0], geom[1], geom[2], fused), func(b *testing.B) {
				const batch = 64
				shape := []int{batch, geom[0], geom[1], geom[2]}
				l := GlobalAveragePooling2D()
				if _, err := l.Build(shape[1:], tensor.Float32, nil); err != nil {
					b.Fatal(err)
				}
				x, err := graph.NewParam("x", tensor.Float32, true, shape...)
				if err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewSource(1))
				for i := 0; i < x.Size(); i++ {
					x.SetAt(i, rng.NormFloat64())
				}
				gb, err := graph.NewBuilder(tensor.Float32, batch, true)
				if err != nil {
					b.Fatal(err)
				}
				gb.Fused = fused
				xn, err := gb.Param(x)
				if err != nil {
					b.Fatal(err)
				}
				out, err := l.Forward(gb, xn)
				if err != nil {
					b.Fatal(err)
				}
				loss, err := G.Sum(out)
				if err != nil {
					b.Fatal(err)
				}
				m, err := gb.Compile(loss, []*graph.Param{x})
				if err != nil {
					b.Fatal(err)
				}
				defer m.Close()
				b.SetBytes(int64(4 * x.Size()))
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if err := m.Run(nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
