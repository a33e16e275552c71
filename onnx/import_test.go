package onnx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx/onnxtest"
)

// importBytes imports a file's bytes, failing the test on an error.
func importBytes(t testing.TB, b []byte, src string) *nn.Model {
	t.Helper()
	m, err := Import(bytes.NewReader(b), ImportOptions{Source: src})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestImportRoundTrip exports every layer case of the runtime test, imports
// the file and compares the imported model's Predict with the original's
// on the same random inputs: the same layers (names, types, activations,
// shapes, params, what feeds them), and
// the same bits (a relative error within 1e-6 is tolerated and logged, for
// a Normalization whose variance is the square of the file's standard
// deviation; none is measured).
func TestImportRoundTrip(t *testing.T) {
	// Cases whose layers do not come back one for one, the numbers
	// being the same: Dropout and the augmentations export as nothing,
	// a Reshape to one axis imports as a Flatten, and a shared Dense's
	// activation, written after each call, imports as an Activation
	// layer per call.
	// A LayerNormalization without γ written at opset 17 or later comes
	// back with a γ of ones, the op's Scale input being required.
	lossy := map[string]bool{"dropout": true, "dropout_only": true, "augmentations": true, "opset17": true, "opset21": true, "shared_layer": true,
		"layernorm_input_plain_opset17": true, "layernorm_no_gamma_opset17": true}
	const n = 5
	for i, c := range layerCases() {
		t.Run(c.name, func(t *testing.T) {
			m := c.build(t)
			b := exportBytes(t, m, Options{Opset: c.opset})
			got := importBytes(t, b, c.name+".onnx")
			if fmt.Sprint(got.InputNames(), got.InputShapes()) != fmt.Sprint(m.InputNames(), m.InputShapes()) {
				t.Errorf("inputs %v %v, want %v %v", got.InputNames(), got.InputShapes(), m.InputNames(), m.InputShapes())
			}
			if fmt.Sprint(got.OutputNames(), got.OutputShapes()) != fmt.Sprint(m.OutputNames(), m.OutputShapes()) {
				t.Errorf("outputs %v %v, want %v %v", got.OutputNames(), got.OutputShapes(), m.OutputNames(), m.OutputShapes())
			}
			// The same layers, names, shapes and param counts: the
			// activations fused back into their Dense and Conv2D, an
			// Add divided by its count an Average again.
			if g, w := layerSig(t, got), layerSig(t, m); g != w && !lossy[c.name] {
				t.Errorf("layers:\n%s\nwant:\n%s", g, w)
			}
			xs := randomInputs(m, n, int64(200+i))
			want := predict(t, m, xs, n)
			have := predict(t, got, xs, n)
			var worst errs
			same := true
			for k := range want {
				for j := range want[k] {
					same = same && math.Float32bits(want[k][j]) == math.Float32bits(have[k][j])
				}
				e := measure(have[k], want[k])
				worst.rel, worst.norm = math.Max(worst.rel, e.rel), math.Max(worst.norm, e.norm)
			}
			if !same {
				t.Logf("%-34s not bit-identical: relative %.2e, of the largest %.2e", c.name, worst.rel, worst.norm)
				// A LayerNormalization comes back computing the
				// same float32 ops in the same order, whichever
				// form the file has it in.
				if strings.HasPrefix(c.name, "layernorm") {
					t.Error("a LayerNormalization model, exported and imported, predicts other bits")
				}
			}
			if worst.rel > 1e-6 {
				t.Errorf("relative error %.3g > 1e-6", worst.rel)
			}
		})
	}
}

// fixture is a file written by testdata/gen_fixtures.py: inputs and the
// outputs PyTorch computed for them.
type fixture struct {
	Producer string
	Inputs   map[string]fixtureTensor
	Outputs  map[string]fixtureTensor
}

type fixtureTensor struct {
	Dims []int
	Data []float32
}

func readFixture(t testing.TB, name string) ([]byte, fixture) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".onnx"))
	if err != nil {
		t.Fatal(err)
	}
	j, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(j, &f); err != nil {
		t.Fatal(err)
	}
	return b, f
}

// nchwToNHWC reorders a batch of channels-first images (dims n, c, h, w)
// to channels last.
func nchwToNHWC(x []float32, dims []int) []float32 {
	n, c, h, w := dims[0], dims[1], dims[2], dims[3]
	out := make([]float32, len(x))
	for b := 0; b < n; b++ {
		for ch := 0; ch < c; ch++ {
			for i := 0; i < h; i++ {
				for j := 0; j < w; j++ {
					out[((b*h+i)*w+j)*c+ch] = x[((b*c+ch)*h+i)*w+j]
				}
			}
		}
	}
	return out
}

// fixtureInputs are the fixture's inputs in the model's order, channels
// last.
func fixtureInputs(t testing.TB, m *nn.Model, f fixture) ([][]float32, int) {
	t.Helper()
	var xs [][]float32
	n := 0
	for _, name := range m.InputNames() {
		in, ok := f.Inputs[name]
		if !ok {
			t.Fatalf("the fixture has no input %q", name)
		}
		x := in.Data
		if len(in.Dims) == 4 {
			x = nchwToNHWC(x, in.Dims)
		}
		xs = append(xs, x)
		n = in.Dims[0]
	}
	return xs, n
}

// torchTolerance is how close gradgraph's float32 Predict must be to
// PyTorch's outputs, relative to each output's largest magnitude: both
// compute in float32 but sum products (and BatchNorm's terms) in
// different orders, as ONNX Runtime does against gradgraph's export.
const torchTolerance = 1e-5

// TestImportTorchFixtures imports the PyTorch-exported fixtures and
// compares gradgraph's Predict on their inputs with PyTorch's outputs.
func TestImportTorchFixtures(t *testing.T) {
	for _, c := range []struct {
		name    string
		inputs  string // the model's inputs and shapes
		outputs string
		layers  string // the layer types, in order
	}{
		{"torch_mlp", "[features] [[4]]", "[probabilities] [[3]]", "Dense Dense BatchNormalization Activation Dense"},
		{"torch_cnn", "[image] [[28 28 1]]", "[log_probabilities] [[10]]", "Conv2D BatchNormalization Activation MaxPooling2D Conv2D MaxPooling2D Flatten Dense"},
		{"torch_two_inputs", "[x y] [[4] [3]]", "[score] [[2]]", "Dense Dense Add Activation Concatenate Dense"},
		// Three channels: the input (batch, 3, 10, 10) taken as (10, 10, 3),
		// AdaptiveMaxPool2d(1) exported as a MaxPool over the whole 4×4.
		{"torch_rgb", "[image] [[10 10 3]]", "[logits] [[3]]", "Conv2D Conv2D MaxPooling2D GlobalAveragePooling2D MaxPooling2D Flatten Concatenate Dense"},
		// nn.LayerNorm over the channels between two permutes (ConvNeXt's),
		// over a flattened channels-first image (γ and β reordered), and
		// without γ and β: the ops it is made of at opset 13, the
		// LayerNormalization op at 17 (the last with γ 1 and β 0 there).
		{"torch_layernorm_opset13", "[image] [[5 5 3]]", "[logits] [[3]]", "Conv2D LayerNormalization Activation Flatten LayerNormalization Dense LayerNormalization Dense"},
		{"torch_layernorm_opset17", "[image] [[5 5 3]]", "[logits] [[3]]", "Conv2D LayerNormalization Activation Flatten LayerNormalization Dense LayerNormalization Dense"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, f := readFixture(t, c.name)
			m := importBytes(t, b, c.name+".onnx")
			if got := fmt.Sprint(m.InputNames(), " ", m.InputShapes()); got != c.inputs {
				t.Errorf("inputs %s, want %s", got, c.inputs)
			}
			if got := fmt.Sprint(m.OutputNames(), " ", m.OutputShapes()); got != c.outputs {
				t.Errorf("outputs %s, want %s", got, c.outputs)
			}
			var types []string
			for _, l := range m.Layers {
				types = append(types, l.Type())
			}
			if got := fmt.Sprint(types); got != "["+c.layers+"]" {
				t.Errorf("layers %s, want [%s]", got, c.layers)
			}
			xs, n := fixtureInputs(t, m, f)
			got := predict(t, m, xs, n)
			for k, name := range m.OutputNames() {
				want := f.Outputs[name]
				e := measure(got[k], want.Data)
				t.Logf("%s %s: relative %.2e, of the largest %.2e", c.name, name, e.rel, e.norm)
				if e.norm > torchTolerance {
					t.Errorf("output %q: error %.3g of the largest value > %.0e (%s)", name, e.norm, torchTolerance, e.worst)
				}
			}
		})
	}
}

// layerSig lists a model's layers as Describe gives them, with the
// activation of a Dense or Conv2D (a sequential model's first layer is fed
// by its input, which Describe leaves unnamed).
func layerSig(t testing.TB, m *nn.Model) string {
	t.Helper()
	infos, err := m.Describe()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for i, li := range infos {
		if li.Type == "InputLayer" {
			continue
		}
		act := ""
		switch l := m.Layers[i-(len(infos)-len(m.Layers))].(type) {
		case *nn.DenseLayer:
			act = l.Act.Name()
		case *nn.Conv2DLayer:
			act = l.Act.Name()
		}
		in := li.Inbound
		if len(in) == 0 {
			in = m.InputNames()
		}
		fmt.Fprintf(&b, "%s %s %s %v→%v %d params, from %v\n", li.Name, li.Type, act, li.Inputs, li.Output, li.Params, in)
	}
	return b.String()
}

// TestImportTutorialModels: the three tutorial models (Iris, the MNIST
// MLP and convnet), exported and imported, predict the same bits on 32
// random samples, and keep their layers.
func TestImportTutorialModels(t *testing.T) {
	for _, c := range []struct {
		name   string
		in     []int
		layers func() []nn.Layer
	}{
		{"iris", []int{4}, irisLayers},
		{"mnist_dense", []int{784}, dense512Layers},
		{"mnist_convnet", []int{28, 28, 1}, convnetLayers},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := seq(c.name, c.in, c.layers()...)(t)
			got := importBytes(t, exportBytes(t, m, Options{}), c.name+".onnx")
			const n = 32
			xs := randomInputs(m, n, 5)
			want, have := predict(t, m, xs, n), predict(t, got, xs, n)
			for j := range want[0] {
				if math.Float32bits(want[0][j]) != math.Float32bits(have[0][j]) {
					t.Fatalf("output %d: %v, the original %v", j, have[0][j], want[0][j])
				}
			}
			if g, w := layerSig(t, got), layerSig(t, m); c.name != "iris" && g != w {
				t.Errorf("layers:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

// TestImportElementwiseActivations: Elu and LeakyRelu (as max(x, alpha·x))
// on hand-worked values, float32.
func TestImportElementwiseActivations(t *testing.T) {
	x := []float32{-2, -0.5, 0, 3, -1000}
	for _, c := range []struct {
		node node
		want []float32
	}{
		{node{op: "Elu", name: "elu", in: []string{"x"}, out: []string{"y"}},
			[]float32{float32(math.Exp(-2) - 1), float32(math.Exp(-0.5) - 1), 0, 3, -1}},
		{node{op: "LeakyRelu", name: "leaky", in: []string{"x"}, out: []string{"y"}, attrs: []attr{floatAttr("alpha", 0.1)}},
			[]float32{-2 * float32(0.1), -0.5 * float32(0.1), 0, 3, -1000 * float32(0.1)}},
		{node{op: "LeakyRelu", name: "leaky_default", in: []string{"x"}, out: []string{"y"}},
			[]float32{-2 * float32(0.01), -0.5 * float32(0.01), 0, 3, -1000 * float32(0.01)}},
	} {
		t.Run(c.node.op+"/"+c.node.name, func(t *testing.T) {
			m := importBytes(t, tiny{inDims: []int64{5}, nodes: []node{c.node}}.bytes(), c.node.name)
			got := predict(t, m, [][]float32{x}, 1)[0]
			for i := range c.want {
				if math.Abs(float64(got[i]-c.want[i])) > 1e-7*math.Max(1, math.Abs(float64(c.want[i]))) {
					t.Errorf("%s(%v) = %v, want %v", c.node.op, x[i], got[i], c.want[i])
				}
			}
		})
	}
}

// TestImportedReexportMatchesRuntime closes the loop: each PyTorch fixture,
// imported then exported by gradgraph (channels last now), runs in ONNX
// Runtime on the fixture's inputs (made channels last) and gives PyTorch's
// outputs within torchTolerance of the largest; the ONNX checker accepts
// the files.
func TestImportedReexportMatchesRuntime(t *testing.T) {
	rt := onnxtest.Need(t)
	dir := t.TempDir()
	names := []string{"torch_mlp", "torch_cnn", "torch_two_inputs", "torch_rgb", "torch_layernorm_opset13", "torch_layernorm_opset17"}
	var jobs []onnxtest.Job
	var models []*nn.Model
	var fixtures []fixture
	var paths []string
	for _, name := range names {
		b, f := readFixture(t, name)
		m := importBytes(t, b, name+".onnx")
		xs, n := fixtureInputs(t, m, f)
		p := exportTo(t, m, dir, name, Options{})
		jobs = append(jobs, job(m, p, xs, n))
		models, fixtures, paths = append(models, m), append(fixtures, f), append(paths, p)
	}
	res, err := rt.Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		if res[i].Error != "" {
			t.Fatalf("%s: ONNX Runtime: %s", name, res[i].Error)
		}
		for _, out := range models[i].OutputNames() {
			e := measure(res[i].Outputs[out].Data, fixtures[i].Outputs[out].Data)
			t.Logf("%s %s: relative %.2e, of the largest %.2e", name, out, e.rel, e.norm)
			if e.norm > torchTolerance {
				t.Errorf("%s %s: error %.3g of the largest value > %.0e (%s)", name, out, e.norm, torchTolerance, e.worst)
			}
		}
	}
	checkFiles(t, paths)
}

// TestImportPatterns: small hand-made files of the patterns other
// exporters write, each with the layers it must become and its outputs on
// x = (1, -2, 3, 0.5) worked out by hand.
func TestImportPatterns(t *testing.T) {
	w := []float32{1, 2, 3, 0, -1, 1, 0.5, 0.5, 0, 2, 0, -1} // (4, 3) row-major
	wt := make([]float32, 12)                                // its transpose, (3, 4)
	for i := 0; i < 4; i++ {
		for j := 0; j < 3; j++ {
			wt[j*4+i] = w[i*3+j]
		}
	}
	// x·W = (1·1 − 2·0 + 3·0.5 + 0.5·2, 1·2 + 2·1 + 3·0.5 + 0, 1·3 − 2·1 + 0 − 0.5) = (3.5, 5.5, 0.5)
	xw := []float64{3.5, 5.5, 0.5}
	b := []float32{-4, 1, 0.25}
	x := []float32{1, -2, 3, 0.5}
	add := func(a, c []float64) []float64 {
		out := make([]float64, len(a))
		for i := range a {
			out[i] = a[i] + c[i]
		}
		return out
	}
	relu := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, e := range v {
			out[i] = math.Max(e, 0)
		}
		return out
	}
	xb := add(xw, []float64{-4, 1, 0.25})
	// Layer normalisation of x: μ = 2.5/4 = 0.625, deviations (0.375,
	// −2.625, 2.375, −0.125), σ² = (0.140625 + 6.890625 + 5.640625 +
	// 0.015625)/4 = 3.171875; ε = 0.001; then γ and β.
	gamma, beta := []float32{2, 0.5, -1, 1}, []float32{0.1, 0, -0.2, 1}
	layerNorm := func(g, b []float32) []float64 {
		out := []float64{0.375, -2.625, 2.375, -0.125}
		for i := range out {
			out[i] /= math.Sqrt(3.171875 + 0.001)
			if g != nil {
				out[i] *= float64(g[i])
			}
			if b != nil {
				out[i] += float64(b[i])
			}
		}
		return out
	}
	affine := func(mul, add []string) func([]node) []node {
		return func(ns []node) []node {
			ns[6].out[0] = "n"
			return append(ns, node{op: "Mul", name: "gamma", in: mul, out: []string{"h2"}}, node{op: "Add", name: "beta", in: add, out: []string{"y"}})
		}
	}
	normGB := normFile(affine([]string{"n", "g"}, []string{"h2", "b"}))
	normGB.inits = append(normGB.inits, floatInit("g", []int64{4}, gamma...), floatInit("b", []int64{1, 4}, beta...))
	// Mul(d, d) for the square, the axes an input (opset 18), γ first.
	normMul := normFile(func(ns []node) []node {
		ns[2] = node{op: "Mul", name: "square", in: []string{"d", "d"}, out: []string{"s"}}
		for _, i := range []int{0, 3} {
			ns[i].attrs, ns[i].in = nil, append(ns[i].in, "last")
		}
		ns[6].out[0] = "n"
		return append(ns, node{op: "Mul", name: "gamma", in: []string{"g", "n"}, out: []string{"y"}})
	})
	normMul.opset = 18
	normMul.inits = append(normMul.inits, floatInit("g", []int64{4}, gamma...), int64Init("last", 1))
	lnOp := func(axis int, in ...string) tiny {
		n := node{op: "LayerNormalization", name: "ln", in: in, out: []string{"y"}, attrs: []attr{intAttr("axis", axis), floatAttr("epsilon", 0.001)}}
		return tiny{opset: 17, inits: []msg{floatInit("g", []int64{4}, gamma...), floatInit("b", []int64{4}, beta...)}, nodes: []node{n}}
	}
	for _, c := range []struct {
		name   string
		file   tiny
		layers string
		want   []float64
	}{
		{"MatMul, Add, Relu", tiny{inits: []msg{floatInit("W", []int64{4, 3}, w...), floatInit("B", []int64{3}, b...)}, nodes: []node{
			{op: "MatMul", name: "mm", in: []string{"x", "W"}, out: []string{"h"}},
			{op: "Add", name: "add", in: []string{"B", "h"}, out: []string{"z"}},
			{op: "Relu", name: "relu", in: []string{"z"}, out: []string{"y"}},
		}}, "Dense(relu)", relu(xb)},
		{"Gemm transB alpha beta", tiny{inits: []msg{floatInit("W", []int64{3, 4}, wt...), floatInit("B", []int64{1, 3}, b...)}, nodes: []node{
			{op: "Gemm", name: "fc", in: []string{"x", "W", "B"}, out: []string{"y"}, attrs: []attr{intAttr("transB", 1), floatAttr("alpha", 2), floatAttr("beta", 0.5)}},
		}}, "Dense(linear)", []float64{2*3.5 - 2, 2*5.5 + 0.5, 2*0.5 + 0.125}},
		{"scalar Mul and Add", tiny{inits: []msg{floatInit("s", nil, 0.5), floatInit("o", []int64{1}, -1)}, nodes: []node{
			{op: "Mul", name: "mul", in: []string{"x", "s"}, out: []string{"h"}},
			{op: "Add", name: "add", in: []string{"h", "o"}, out: []string{"y"}},
		}}, "Rescaling", []float64{-0.5, -2, 0.5, -0.75}},
		{"Sub and Div per feature", tiny{inits: []msg{floatInit("m", []int64{4}, 1, 0, -1, 0.5), floatInit("d", []int64{1, 4}, 2, 4, 0.5, 1)}, nodes: []node{
			{op: "Sub", name: "centre", in: []string{"x", "m"}, out: []string{"h"}},
			{op: "Div", name: "scale", in: []string{"h", "d"}, out: []string{"y"}},
		}}, "Normalization", []float64{0, -0.5, 8, 0}},
		{"Sum and Mean", tiny{inits: []msg{floatInit("W", []int64{4, 3}, w...)}, nodes: []node{
			{op: "MatMul", name: "a", in: []string{"x", "W"}, out: []string{"h1"}},
			{op: "MatMul", name: "b", in: []string{"x", "W"}, out: []string{"h2"}},
			{op: "Relu", name: "r", in: []string{"h2"}, out: []string{"h3"}},
			{op: "Sum", name: "sum", in: []string{"h1", "h2", "h3"}, out: []string{"s"}},
			{op: "Mean", name: "mean", in: []string{"s", "h1"}, out: []string{"y"}},
		}}, "Dense(linear) Activation Add Average", []float64{(3*3.5 + 3.5) / 2, (3*5.5 + 5.5) / 2, (3*0.5 + 0.5) / 2}},
		{"LayerNorm written out, as PyTorch below opset 17", normFile(nil), "LayerNormalization(0.001 γ false β false)", layerNorm(nil, nil)},
		{"LayerNorm written out, Mul γ, Add β", normGB, "LayerNormalization(0.001 γ true β true)", layerNorm(gamma, beta)},
		{"LayerNorm written out, Mul(d, d), axes input, γ first", normMul, "LayerNormalization(0.001 γ true β false)", layerNorm(gamma, nil)},
		{"LayerNorm written out, β alone", func() tiny {
			f := normFile(func(ns []node) []node {
				ns[6].out[0] = "n"
				return append(ns, node{op: "Add", name: "beta", in: []string{"n", "b"}, out: []string{"y"}})
			})
			f.inits = append(f.inits, floatInit("b", []int64{4}, beta...))
			return f
		}(), "LayerNormalization(0.001 γ false β true)", layerNorm(nil, beta)},
		{"LayerNormalization op", lnOp(-1, "x", "g", "b"), "LayerNormalization(0.001 γ true β true)", layerNorm(gamma, beta)},
		{"LayerNormalization op, axis 1, no B", lnOp(1, "x", "g"), "LayerNormalization(0.001 γ true β false)", layerNorm(gamma, nil)},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := importBytes(t, c.file.bytes(), c.name)
			var types []string
			for _, l := range m.Layers {
				s := l.Type()
				if d, ok := l.(*nn.DenseLayer); ok {
					s += "(" + d.Act.Name() + ")"
				}
				if n, ok := l.(*nn.LayerNormalizationLayer); ok {
					s += fmt.Sprintf("(%v γ %v β %v)", n.Epsilon, n.Scale, n.Center)
				}
				types = append(types, s)
			}
			if got := strings.Join(types, " "); got != c.layers {
				t.Errorf("layers %q, want %q", got, c.layers)
			}
			got := predict(t, m, [][]float32{x}, 1)[0]
			for i, w := range c.want {
				if math.Abs(float64(got[i])-w) > 1e-6*math.Max(1, math.Abs(w)) {
					t.Errorf("output %d: %v, want %v", i, got[i], w)
				}
			}
		})
	}
}
