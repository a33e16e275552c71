package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"os"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/approx"
)

// runLayer builds l for samples of shape in (float64) and runs it on the
// flat samples x, a batch of batch, returning its output row-major.
func runLayer(t *testing.T, l Layer, in []int, batch int, x []float64, set func()) []float64 {
	t.Helper()
	m := Sequential("m", l)
	if err := m.BuildShape(in, BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	if set != nil {
		set()
	}
	n := Shape(in).Size()
	rows := make([][]float64, batch)
	for i := range rows {
		rows[i] = x[i*n : (i+1)*n]
	}
	return runModel(t, m, false, rows)
}

func setParam(t *testing.T, p *graph.Param, v []float64) {
	t.Helper()
	if err := p.SetFloat64s(v); err != nil {
		t.Fatal(err)
	}
}

// TestConv2DHandWorked: a 4×4 image holding 1..16 row by row, a 2×2
// kernel [[1, 2], [3, 4]], stride 1, valid, bias 0.5. Output (i, j) is
// x(i,j) + 2x(i,j+1) + 3x(i+1,j) + 4x(i+1,j+1) + 0.5 with x(i,j) = 4i+j+1,
// which is 40i + 10j + 44.5.
func TestConv2DHandWorked(t *testing.T) {
	x := make([]float64, 16)
	for i := range x {
		x[i] = float64(i + 1)
	}
	l := Conv2D(1, 2, Linear)
	got := runLayer(t, l, []int{4, 4, 1}, 1, x, func() {
		setParam(t, l.Kernel, []float64{1, 2, 3, 4})
		setParam(t, l.Bias, []float64{0.5})
	})
	want := []float64{
		44.5, 54.5, 64.5,
		84.5, 94.5, 104.5,
		124.5, 134.5, 144.5,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("conv output %v, want %v", got, want)
	}
	if s := fmt.Sprint(l.Kernel.Shape()); s != "[2 2 1 1]" {
		t.Errorf("kernel shape %s, want [2 2 1 1] (kh, kw, cin, filters)", s)
	}
}

// TestMaxPooling2DHandWorked: 2×2 windows of a 4×4 image, and "same"
// pooling of a 3×3 image of negative values, where a padding of zeros
// would wrongly win.
func TestMaxPooling2DHandWorked(t *testing.T) {
	x := []float64{
		1, 5, 2, 0,
		3, 4, 8, 7,
		-1, -2, 6, 6,
		-3, 9, 6, 5,
	}
	got := runLayer(t, MaxPooling2D(2), []int{4, 4, 1}, 1, x, nil)
	if want := []float64{5, 8, 9, 6}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("valid: %v, want %v", got, want)
	}
	neg := []float64{
		-9, -8, -7,
		-6, -5, -4,
		-3, -2, -1,
	}
	got = runLayer(t, MaxPooling2D(2).WithPadding("same"), []int{3, 3, 1}, 1, neg, nil)
	if want := []float64{-5, -4, -2, -1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("same: %v, want %v", got, want)
	}
}

// TestConvReference compares Conv2D and MaxPooling2D with outputs that
// testdata/conv_reference.py computes by direct loops over the definition
// (asymmetric "same" padding, strides, several channels and filters).
func TestConvReference(t *testing.T) {
	raw, err := os.ReadFile("testdata/conv_reference.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Name       string    `json:"name"`
		Layer      string    `json:"layer"`
		Padding    string    `json:"padding"`
		InputShape []int     `json:"input_shape"`
		KernelSize []int     `json:"kernel_size"`
		PoolSize   []int     `json:"pool_size"`
		Strides    []int     `json:"strides"`
		Filters    int       `json:"filters"`
		X          []float64 `json:"x"`
		Kernel     []float64 `json:"kernel"`
		Bias       []float64 `json:"bias"`
		Want       []float64 `json:"want"`
	}
	if err := json.Unmarshal(raw, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) < 6 {
		t.Fatalf("%d cases", len(cases))
	}
	for _, c := range cases {
		in := c.InputShape[1:]
		var got []float64
		if c.Layer == "conv" {
			l := &Conv2DLayer{Filters: c.Filters, KernelSize: [2]int{c.KernelSize[0], c.KernelSize[1]},
				Strides: [2]int{c.Strides[0], c.Strides[1]}, Padding: c.Padding}
			got = runLayer(t, l, in, c.InputShape[0], c.X, func() {
				setParam(t, l.Kernel, c.Kernel)
				setParam(t, l.Bias, c.Bias)
			})
		} else {
			l := &MaxPooling2DLayer{PoolSize: [2]int{c.PoolSize[0], c.PoolSize[1]}, Strides: [2]int{c.Strides[0], c.Strides[1]}, Padding: c.Padding}
			got = runLayer(t, l, in, c.InputShape[0], c.X, nil)
		}
		if len(got) != len(c.Want) {
			t.Errorf("%s: %d outputs, want %d", c.Name, len(got), len(c.Want))
			continue
		}
		for i := range got {
			if math.Abs(got[i]-c.Want[i]) > 1e-12 {
				t.Errorf("%s: out[%d] = %v, want %v", c.Name, i, got[i], c.Want[i])
				break
			}
		}
	}
}

// TestGradCheckConv checks the gradients of the new layers, with respect
// to the input and every param, by finite differences in float64.
// Smooth activations keep the differences away from ReLU's kink; random
// inputs make ties in a pooling window improbable.
func TestGradCheckConv(t *testing.T) {
	cases := []struct {
		name   string
		in     []int
		layers func() []Layer
	}{
		{"conv valid", []int{4, 4, 1}, func() []Layer { return []Layer{Conv2D(2, 2, Linear)} }},
		{"conv same stride 2 tanh", []int{5, 4, 2}, func() []Layer {
			return []Layer{Conv2D(3, 3, Tanh).WithPadding("same").WithStrides(2, 2)}
		}},
		{"conv valid stride 1x2 sigmoid", []int{5, 6, 2}, func() []Layer {
			return []Layer{Conv2D(2, 3, Sigmoid).WithStrides(1, 2)}
		}},
		{"maxpool valid", []int{4, 5, 2}, func() []Layer { return []Layer{MaxPooling2D(2)} }},
		{"maxpool same", []int{5, 3, 2}, func() []Layer { return []Layer{MaxPooling2D(2).WithPadding("same")} }},
		{"maxpool overlapping", []int{5, 5, 1}, func() []Layer { return []Layer{MaxPooling2D(3).WithStrides(1, 1)} }},
		{"flatten", []int{3, 2, 2}, func() []Layer { return []Layer{Flatten(), Dense(2, Tanh)} }},
		{"reshape", []int{12}, func() []Layer { return []Layer{Reshape(3, -1, 2), Conv2D(2, 2, Tanh)} }},
		{"small convnet", []int{6, 6, 2}, func() []Layer {
			return []Layer{Conv2D(3, 3, Tanh).WithPadding("same"), MaxPooling2D(2), BatchNorm(), Conv2D(2, 2, Linear), Flatten(), Dense(3, Softmax)}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkLayersShape(t, c.name, 2, c.in, true, c.layers()...) })
	}
}

// TestConvFusedAndTwinAgree: the convolution's product runs on
// graph.Builder.Dense, fused or as its plain-Gorgonia twin; both give the
// same outputs.
func TestConvFusedAndTwinAgree(t *testing.T) {
	mk := func() *Model {
		return Sequential("m", Conv2D(4, 3, ReLU).WithPadding("same"), MaxPooling2D(2), Flatten(), Dense(3, Softmax))
	}
	rng := rand.New(rand.NewSource(5))
	x := make([][]float64, 3)
	for i := range x {
		x[i] = make([]float64, 6*6*2)
		for j := range x[i] {
			x[i][j] = rng.NormFloat64()
		}
	}
	var outs [2][]float64
	for i, f := range []Fusion{FusionOn, FusionOff} {
		m := mk()
		if err := m.BuildShape([]int{6, 6, 2}, BuildOptions{Seed: 2, DType: graph.Float64, Fusion: f}); err != nil {
			t.Fatal(err)
		}
		outs[i] = runModel(t, m, false, x)
	}
	for i := range outs[0] {
		if math.Abs(outs[0][i]-outs[1][i]) > 1e-12 {
			t.Fatalf("out[%d]: fused %v, twin %v", i, outs[0][i], outs[1][i])
		}
	}
}

// TestConvShapeErrors: bad shapes and settings are errors naming the
// layer, from Build and from CountParams alike.
func TestConvShapeErrors(t *testing.T) {
	cases := []struct {
		name string
		in   []int
		l    Layer
		want string
	}{
		{"kernel larger than input", []int{2, 5, 1}, named(Conv2D(4, 3, ReLU), "c"), `conv2d "c": window 3x3 is larger than its 2x5 input`},
		{"zero filters", []int{5, 5, 1}, named(Conv2D(0, 3, ReLU), "c"), `conv2d "c": filters must be positive, got 0`},
		{"negative filters", []int{5, 5, 1}, named(Conv2D(-2, 3, ReLU), "c"), `conv2d "c": filters must be positive, got -2`},
		{"zero stride", []int{5, 5, 1}, named(Conv2D(2, 3, ReLU).WithStrides(0, 1), "c"), `conv2d "c": strides [0 1] must be positive`},
		{"negative pool stride", []int{5, 5, 1}, named(MaxPooling2D(2).WithStrides(2, -1), "p"), `maxpooling2d "p": strides [2 -1] must be positive`},
		{"zero kernel", []int{5, 5, 1}, named(Conv2D(2, 0, ReLU), "c"), `conv2d "c": window size [0 0] must be positive`},
		{"pool larger than input", []int{1, 4, 3}, named(MaxPooling2D(2), "p"), `maxpooling2d "p": window 2x2 is larger than its 1x4 input`},
		{"conv on flat input", []int{784}, named(Conv2D(2, 3, ReLU), "c"), `conv2d "c": input shape (None, 784) is 1-D, want (height, width, channels)`},
		{"bad padding", []int{5, 5, 1}, named(Conv2D(2, 3, ReLU).WithPadding("full"), "c"), `conv2d "c": padding "full"`},
		{"reshape wrong size", []int{10}, named(Reshape(3, 3), "r"), `reshape "r": cannot reshape (None, 10) (10 elements) to [3 3]`},
		{"reshape two free", []int{12}, named(Reshape(-1, -1), "r"), `reshape "r": target shape [-1 -1]: dimension 1 is -1`},
	}
	for _, c := range cases {
		_, err := c.l.Build(c.in, graph.Float32, rand.New(rand.NewSource(1)))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Build error %v, want %q", c.name, err, c.want)
		}
		if _, _, err := c.l.(ParamCounter).CountParams(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: CountParams error %v, want %q", c.name, err, c.want)
		}
	}
	// A Dense straight after a convolution, without Flatten.
	m := Sequential("m", Conv2D(2, 3, ReLU), Dense(10, Softmax))
	err := m.BuildShape([]int{8, 8, 1}, BuildOptions{})
	if want := `layer 1: dense "dense": input shape (None, 6, 6, 2) is 3-D, want 1-D (add a Flatten before it)`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("dense after conv: %v, want %q", err, want)
	}
}

// kerasConvnet is Keras's MNIST convnet example.
func kerasConvnet() *Model {
	return Sequential("convnet",
		Conv2D(32, 3, ReLU), MaxPooling2D(2),
		Conv2D(64, 3, ReLU), MaxPooling2D(2),
		Conv2D(128, 3, ReLU), Flatten(), Dense(10, Softmax))
}

// TestKerasConvnetSummary: Keras's summary of the same model shows these
// shapes and 104,202 params.
func TestKerasConvnetSummary(t *testing.T) {
	m := kerasConvnet()
	if err := m.BuildShape([]int{28, 28, 1}, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	s := m.Summary()
	for _, w := range []string{
		"conv2d (Conv2D)", "(None, 26, 26, 32)", "320",
		"max_pooling2d (MaxPooling2D)", "(None, 13, 13, 32)",
		"conv2d_1 (Conv2D)", "(None, 11, 11, 64)", "18,496",
		"max_pooling2d_1", "(None, 5, 5, 64)",
		"conv2d_2 (Conv2D)", "(None, 3, 3, 128)", "73,856",
		"flatten (Flatten)", "(None, 1152)",
		"dense (Dense)", "(None, 10)", "11,530",
		"Total params: 104,202 (407.04 KB)",
	} {
		if !strings.Contains(s, w) {
			t.Errorf("summary lacks %q:\n%s", w, s)
		}
	}
	if m.InputWidth() != 784 || m.OutputWidth() != 10 {
		t.Errorf("widths %d → %d, want 784 → 10", m.InputWidth(), m.OutputWidth())
	}
	// Its description rebuilds the same model, and counts its params
	// without building it.
	c, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), `"input":[28,28,1]`) || !strings.Contains(string(raw), `"kernel_size":[3,3]`) {
		t.Errorf("config JSON %s", raw)
	}
	var back ModelConfig
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if n, err := back.ParamCount(); err != nil || n != 104202 {
		t.Errorf("ParamCount %d, %v; want 104202", n, err)
	}
	m2, err := FromConfig(back)
	if err != nil {
		t.Fatal(err)
	}
	if s2 := m2.Summary(); s2 != s {
		t.Errorf("rebuilt summary:\n%s\nwant:\n%s", s2, s)
	}
	c2, _ := m2.Config()
	for i := range c.Layers {
		if !c.Layers[i].Equal(c2.Layers[i]) {
			t.Errorf("layer %d: %+v, rebuilt %+v", i, c.Layers[i], c2.Layers[i])
		}
	}
}

// TestConvGlorotLimit: the kernel is uniform on ±sqrt(6/(fanIn+fanOut))
// with fan-in kh·kw·cin and fan-out kh·kw·filters, as Keras; the bias 0.
func TestConvGlorotLimit(t *testing.T) {
	l := Conv2D(64, 3, ReLU)
	if _, err := l.Build([]int{13, 13, 32}, graph.Float64, rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	limit := math.Sqrt(6 / float64(9*32+9*64))
	var maxAbs float64
	for _, v := range l.Kernel.Float64s() {
		maxAbs = math.Max(maxAbs, math.Abs(v))
	}
	if maxAbs > limit || maxAbs < 0.99*limit {
		t.Errorf("max |w| = %v, want just under %v", maxAbs, limit)
	}
	for _, v := range l.Bias.Float64s() {
		if v != 0 {
			t.Fatalf("bias %v, want 0", v)
		}
	}
}

// TestConv2DWithoutBiasHandWorked: the image of TestConv2DHandWorked (x(i,
// j) = 4i+j+1) and the kernel [[2, 0], [0, -1]], no bias: output (i, j) is
// 2x(i,j) − x(i+1,j+1) = 4i+j−4, negative in the first row, so that ReLU
// shows too. Fused and twin alike; the layer has the kernel alone.
func TestConv2DWithoutBiasHandWorked(t *testing.T) {
	x := make([][]float64, 1)
	for i := 0; i < 16; i++ {
		x[0] = append(x[0], float64(i+1))
	}
	for _, c := range []struct {
		act  Activation
		want []float64
	}{
		{Linear, []float64{-4, -3, -2, 0, 1, 2, 4, 5, 6}},
		{ReLU, []float64{0, 0, 0, 0, 1, 2, 4, 5, 6}},
	} {
		for _, f := range []Fusion{FusionOn, FusionOff} {
			l := Conv2D(1, 2, c.act).WithoutBias()
			m := Sequential("m", l)
			if err := m.BuildShape([]int{4, 4, 1}, BuildOptions{DType: graph.Float64, Fusion: f}); err != nil {
				t.Fatal(err)
			}
			setParam(t, l.Kernel, []float64{2, 0, 0, -1})
			// Compared as numbers: the twin's ReLU, x ⊙ [x > 0], gives −0
			// where the fused op gives +0.
			if got := runModel(t, m, false, x); approx.Close(got, c.want, 0) != nil {
				t.Errorf("%s, fusion %d: output %v, want %v", c.act.Name(), f, got, c.want)
			}
			if ps := l.Params(); len(ps) != 1 || ps[0] != l.Kernel || l.Bias != nil {
				t.Errorf("%s, fusion %d: params %v, want the kernel alone", c.act.Name(), f, ps)
			}
			n, _, err := l.CountParams([]int{4, 4, 1})
			if err != nil || n != 4 {
				t.Errorf("CountParams %d, %v; want 4", n, err)
			}
			if s := m.Summary(); !strings.Contains(s, "Total params: 4 (") {
				t.Errorf("summary counts a bias:\n%s", s)
			}
		}
	}
}

// TestConvWithoutBiasFusedAndTwinAgree: a Conv-BN block (convolution
// without bias, BatchNormalization, ReLU) and a strided one ending in
// tanh, fused and as plain-Gorgonia twins, give the same output and
// gradients of Σ out ⊙ R for every param in training, in float64; and the
// gradients pass finite differences either way.
func TestConvWithoutBiasFusedAndTwinAgree(t *testing.T) {
	stacks := map[string]func() []Layer{
		"conv-bn-relu": func() []Layer {
			return []Layer{Conv2D(4, 3, Linear).WithoutBias().WithPadding("same"), BatchNorm(), Act(ReLU), Flatten(), Dense(3, Softmax)}
		},
		"strided relu then tanh": func() []Layer {
			return []Layer{Conv2D(3, 2, ReLU).WithoutBias().WithStrides(2, 1), Conv2D(2, 2, Tanh).WithoutBias()}
		},
	}
	in := []int{6, 5, 2}
	rng := rand.New(rand.NewSource(9))
	x := make([]float64, 3*Shape(in).Size())
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for name, layers := range stacks {
		var runs [2][][]float64
		for i, f := range []Fusion{FusionOn, FusionOff} {
			m := Sequential("m", layers()...)
			if err := m.BuildShape(in, BuildOptions{Seed: 4, DType: graph.Float64, Fusion: f}); err != nil {
				t.Fatal(err)
			}
			for _, p := range m.Params() {
				if strings.HasPrefix(p.Name, "conv2d") && strings.HasSuffix(p.Name, "/bias") {
					t.Fatalf("%s: param %s", name, p.Name)
				}
			}
			b, err := graph.NewBuilder(graph.Float64, 3, true)
			if err != nil {
				t.Fatal(err)
			}
			xin := b.Input("x", 3, Shape(in).Size())
			copy(xin.Tensor.Data().([]float64), x)
			out, err := m.Forward(b, xin.Node)
			if err != nil {
				t.Fatal(err)
			}
			if fused := convOpIn(out); fused != (f == FusionOn) {
				t.Fatalf("%s, fusion %d: a convOp in the graph: %v", name, f, fused)
			}
			r := b.Input("r", out.Shape()...)
			rd := r.Tensor.Data().([]float64)
			for j := range rd {
				rd[j] = float64(j%7) - 3
			}
			loss := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
			mc, err := b.Compile(loss, m.Trainable(), out)
			if err != nil {
				t.Fatal(err)
			}
			if err := mc.Run(rand.New(rand.NewSource(1))); err != nil {
				t.Fatal(err)
			}
			runs[i] = [][]float64{graph.Float64s(mc.Output(0))}
			for j := range m.Trainable() {
				runs[i] = append(runs[i], graph.Float64s(mc.Grad(j)))
			}
			mc.Close()
		}
		for j := range runs[0] {
			if err := approx.Close(runs[1][j], runs[0][j], 1e-12); err != nil {
				t.Errorf("%s: %s of the twins: %v", name, map[bool]string{true: "output", false: fmt.Sprintf("gradient %d", j-1)}[j == 0], err)
			}
		}
	}
	for _, f := range []Fusion{FusionOn, FusionOff} {
		checkLayersFusion(t, fmt.Sprintf("conv-bn without bias, fusion %d", f), f, 2, []int{5, 4, 2}, true,
			Conv2D(3, 3, Linear).WithoutBias().WithPadding("same").WithStrides(2, 1), BatchNorm(), Act(Tanh), Conv2D(2, 2, Sigmoid).WithoutBias())
	}
}

// TestConv2DUseBiasConfig: use_bias is written only when false, at the end
// of the layer's settings; such a file loads a layer without bias, counted
// and built alike, and describing it again gives the same JSON. A file
// saying use_bias true is the layer with a bias; a use_bias that is not a
// boolean is refused.
func TestConv2DUseBiasConfig(t *testing.T) {
	m := Sequential("m", Conv2D(4, 3, ReLU).WithoutBias(), BatchNorm(), Conv2D(2, 2, Linear), Flatten(), Dense(2, Softmax))
	if err := m.BuildShape([]int{6, 6, 1}, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`{"type":"Conv2D","name":"conv2d","activation":"relu","filters":4,"kernel_size":[3,3],"strides":[1,1],"padding":"valid","use_bias":false}`,
		`{"type":"Conv2D","name":"conv2d_1","activation":"linear","filters":2,"kernel_size":[2,2],"strides":[1,1],"padding":"valid"}`,
	} {
		if !strings.Contains(string(raw), w) {
			t.Errorf("config JSON %s lacks %s", raw, w)
		}
	}
	var back ModelConfig
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	// 3·3·1·4 kernel (4×4×4 out), 4·4 batchnorm, 2·2·4·2 + 2 conv (3×3×2
	// out), 18·2 + 2 dense.
	const want = 36 + 16 + 34 + 38
	if n, err := back.ParamCount(); err != nil || n != want {
		t.Errorf("ParamCount %d, %v; want %d", n, err, want)
	}
	m2, err := FromConfig(back)
	if err != nil {
		t.Fatal(err)
	}
	var built int64
	for _, p := range m2.Params() {
		built += int64(p.Size())
	}
	if l := m2.Layers[0].(*Conv2DLayer); !l.NoBias || l.Bias != nil || built != want || m2.Layers[2].(*Conv2DLayer).NoBias {
		t.Errorf("loaded: first conv NoBias %v, bias %v; second NoBias %v; %d params, want %d",
			l.NoBias, l.Bias, m2.Layers[2].(*Conv2DLayer).NoBias, built, want)
	}
	c2, _ := m2.Config()
	if raw2, _ := json.Marshal(c2); string(raw2) != string(raw) {
		t.Errorf("config changed in the round trip:\n%s\n%s", raw, raw2)
	}
	withBias := Conv2D(4, 3, ReLU)
	withBias.SetName("conv2d")
	for _, tc := range []struct {
		settings string
		noBias   bool
		err      string
	}{
		{`{"filters":4,"kernel_size":[3,3],"activation":"relu","padding":"valid","use_bias":true}`, false, ""},
		{`{"filters":4,"kernel_size":[3,3],"activation":"relu","padding":"valid","use_bias":false}`, true, ""},
		{`{"filters":4,"kernel_size":[3,3],"use_bias":"no"}`, false, "Conv2DConfig.use_bias of type bool"},
		{`{"filters":4,"kernel_size":[3,3],"use_bias":0}`, false, "Conv2DConfig.use_bias of type bool"},
	} {
		var lc LayerConfig
		err := json.Unmarshal([]byte(`{"type":"Conv2D","name":"conv2d",`+tc.settings[1:]), &lc)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), `Conv2D "conv2d"`) {
				t.Errorf("%s: error %v, want %q naming the layer", tc.settings, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.settings, err)
		}
		l, err := newLayer(lc)
		if err != nil {
			t.Fatalf("%s: %v", tc.settings, err)
		}
		if got := l.(*Conv2DLayer).NoBias; got != tc.noBias || lc.Equal(withBias.Config()) == tc.noBias {
			t.Errorf("%s: NoBias %v, equal to the layer with a bias %v", tc.settings, got, lc.Equal(withBias.Config()))
		}
	}
}

// convOpIn reports whether n is the fused convolution's node (graph's
// convOp, whose name is conv<kh>x<kw>(x,K)…) or is computed from one.
func convOpIn(n *G.Node) bool {
	seen := map[*G.Node]bool{}
	var walk func(n *G.Node) bool
	walk = func(n *G.Node) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		if op := n.Op(); op != nil && strings.HasPrefix(op.String(), "conv") && strings.Contains(op.String(), "(x,K)") {
			return true
		}
		children := n.Graph().From(n.ID())
		for children.Next() {
			if walk(children.Node().(*G.Node)) {
				return true
			}
		}
		return false
	}
	return walk(n)
}
