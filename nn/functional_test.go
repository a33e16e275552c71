package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// must fails the test on a tensor carrying an error.
func must(t *testing.T, x *Tensor) *Tensor {
	t.Helper()
	if x.Err() != nil {
		t.Fatal(x.Err())
	}
	return x
}

// runModel feeds one float64 batch per input (rows × size, row-major) to a
// built model in a fresh inference graph and returns each output's values.
func runGraph(t *testing.T, m *Model, batch int, xs ...[]float64) [][]float64 {
	t.Helper()
	b, err := graph.NewBuilder(m.DType(), batch, false)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []*G.Node
	for i, s := range m.InputShapes() {
		in := b.Input(fmt.Sprintf("x%d", i), batch, Shape(s).Size())
		switch d := in.Tensor.Data().(type) {
		case []float64:
			copy(d, xs[i])
		case []float32:
			for j, v := range xs[i] {
				d[j] = float32(v)
			}
		}
		nodes = append(nodes, in.Node)
	}
	outs, err := m.ForwardInputs(b, nodes)
	if err != nil {
		t.Fatal(err)
	}
	mach, err := b.Compile(nil, nil, outs...)
	if err != nil {
		t.Fatal(err)
	}
	defer mach.Close()
	if err := mach.Run(rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	res := make([][]float64, len(outs))
	for i := range outs {
		switch d := mach.Output(i).Data().(type) {
		case []float64:
			res[i] = append([]float64(nil), d...)
		case []float32:
			for _, v := range d {
				res[i] = append(res[i], float64(v))
			}
		}
	}
	return res
}

// setParams gives every param of m the values 0.1, 0.2, ... in order, times
// sign flips, so that hand calculations have round numbers.
func setParams(t *testing.T, m *Model, vals map[string][]float64) {
	t.Helper()
	for _, p := range m.Params() {
		v, ok := vals[p.Name]
		if !ok {
			continue
		}
		if err := p.SetFloat64s(v); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMergesHandWorked(t *testing.T) {
	// Two samples of three features each, per input.
	a := []float64{1, -2, 3, 0.5, 4, -1}
	b := []float64{2, -3, 3, -0.5, 5, 1}
	c := []float64{0, 1, -6, 1, 1, 1}
	for _, tc := range []struct {
		name  string
		layer *MergeLayer
		in    [][]float64
		want  []float64
		shape []int
	}{
		{"Add", Add(), [][]float64{a, b, c}, []float64{3, -4, 0, 1, 10, 1}, []int{3}},
		{"Subtract", Subtract(), [][]float64{a, b}, []float64{-1, 1, 0, 1, -1, -2}, []int{3}},
		{"Multiply", Multiply(), [][]float64{a, b, c}, []float64{0, 6, -54, -0.25, 20, -1}, []int{3}},
		{"Average", Average(), [][]float64{a, b, c}, []float64{1, -4.0 / 3, 0, 1.0 / 3, 10.0 / 3, 1.0 / 3}, []int{3}},
		{"Maximum", Maximum(), [][]float64{a, b, c}, []float64{2, 1, 3, 1, 5, 1}, []int{3}},
		{"Concatenate", Concatenate(-1), [][]float64{a, b}, []float64{1, -2, 3, 2, -3, 3, 0.5, 4, -1, -0.5, 5, 1}, []int{6}},
	} {
		var ins []*Tensor
		for i := range tc.in {
			ins = append(ins, Input(fmt.Sprintf("in%d", i), 3))
		}
		out := must(t, Call(tc.layer, ins...))
		if !reflect.DeepEqual(out.Shape(), tc.shape) {
			t.Errorf("%s: output shape %v, want %v", tc.name, out.Shape(), tc.shape)
		}
		m, err := NewModel(tc.name, ins, []*Tensor{out})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Init(BuildOptions{DType: graph.Float64}); err != nil {
			t.Fatal(err)
		}
		got := runGraph(t, m, 2, tc.in...)[0]
		for i := range tc.want {
			if math.Abs(got[i]-tc.want[i]) > 1e-15 {
				t.Errorf("%s: output %v, want %v", tc.name, got, tc.want)
				break
			}
		}
	}
}

func TestConcatenateImageAxes(t *testing.T) {
	// Two 1×2×2 images and one 1×2×1: joined on channels (−1 or 3) they
	// make 1×2×5 with each pixel's channels side by side; on the width (2)
	// the pixels of one row follow each other.
	x := Input("x", 1, 2, 2)
	y := Input("y", 1, 2, 2)
	z := Input("z", 1, 2, 1)
	xv := []float64{1, 2, 3, 4}
	yv := []float64{5, 6, 7, 8}
	zv := []float64{9, 10}
	for _, tc := range []struct {
		axis  int
		in    []*Tensor
		vals  [][]float64
		shape []int
		want  []float64
	}{
		{-1, []*Tensor{x, y, z}, [][]float64{xv, yv, zv}, []int{1, 2, 5}, []float64{1, 2, 5, 6, 9, 3, 4, 7, 8, 10}},
		{3, []*Tensor{x, y, z}, [][]float64{xv, yv, zv}, []int{1, 2, 5}, []float64{1, 2, 5, 6, 9, 3, 4, 7, 8, 10}},
		{2, []*Tensor{x, y}, [][]float64{xv, yv}, []int{1, 4, 2}, []float64{1, 2, 3, 4, 5, 6, 7, 8}},
		{1, []*Tensor{x, y}, [][]float64{xv, yv}, []int{2, 2, 2}, []float64{1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		out := must(t, Call(Concatenate(tc.axis), tc.in...))
		if !reflect.DeepEqual(out.Shape(), tc.shape) {
			t.Fatalf("axis %d: shape %v, want %v", tc.axis, out.Shape(), tc.shape)
		}
		m, err := NewModel("cat", tc.in, []*Tensor{out})
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Init(BuildOptions{DType: graph.Float64}); err != nil {
			t.Fatal(err)
		}
		if got := runGraph(t, m, 1, tc.vals...)[0]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("axis %d: %v, want %v", tc.axis, got, tc.want)
		}
	}
}

// residual is a small residual model: x → Dense(3, relu) → Dense(3) →
// Add(x, ·) → ReLU → Dense(2, softmax).
func residual(t *testing.T) (*Model, *DenseLayer, *DenseLayer) {
	t.Helper()
	x := Input("x", 3)
	d1, d2 := Dense(3, ReLU), Dense(3, Linear)
	h := Call(d2, Call(d1, x))
	y := Call(Act(ReLU), Call(Add(), x, h))
	out := must(t, Call(Dense(2, Softmax), y))
	m, err := NewModel("residual", []*Tensor{x}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	return m, d1, d2
}

func TestResidualBlockByHand(t *testing.T) {
	m, _, _ := residual(t)
	if err := m.Init(BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(m.OutputNames(), ","); got != "dense_2" {
		t.Errorf("output names %q", got)
	}
	setParams(t, m, map[string][]float64{
		"dense/kernel":   {1, 0, 0, 0, 1, 0, 0, 0, 1}, // identity
		"dense/bias":     {0, 0, -1},
		"dense_1/kernel": {2, 0, 0, 0, 2, 0, 0, 0, 2}, // doubles
		"dense_1/bias":   {0, 1, 0},
		"dense_2/kernel": {1, 0, 0, 1, 0, 0}, // logits (y0, y1)
		"dense_2/bias":   {0, 0},
	})
	// x = (1, -2, 3): relu(x + (0,0,-1)) = (1, 0, 2); doubled plus (0,1,0)
	// = (2, 1, 4); plus x = (3, -1, 7); relu = (3, 0, 7); logits (3, 0);
	// softmax = (e³, 1)/(e³ + 1).
	got := runGraph(t, m, 1, []float64{1, -2, 3})[0]
	e3 := math.Exp(3)
	want := []float64{e3 / (e3 + 1), 1 / (e3 + 1)}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-15 {
			t.Fatalf("residual forward %v, want %v", got, want)
		}
	}
}

func TestSequentialIsAFunctionalChain(t *testing.T) {
	// The same layers as a Sequential and as calls on an Input draw the same
	// initial weights from the same seed and compute the same outputs.
	seq := Sequential("s", Dense(8, ReLU), Dense(3, Softmax))
	if err := seq.Build(4, BuildOptions{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	x := Input("", 4)
	out := must(t, Call(Dense(3, Softmax), Call(Dense(8, ReLU), x)))
	fn, err := NewModel("f", []*Tensor{x}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := fn.Init(BuildOptions{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	for i, p := range seq.Params() {
		q := fn.Params()[i]
		if p.Name != q.Name || !reflect.DeepEqual(p.Value.Data(), q.Value.Data()) {
			t.Fatalf("param %d: %s and %s differ", i, p.Name, q.Name)
		}
	}
	in := []float64{0.5, -1, 2, 0.25, 1, 1, -3, 0}
	a, b := runGraph(t, seq, 2, in)[0], runGraph(t, fn, 2, in)[0]
	if !reflect.DeepEqual(a, b) {
		t.Errorf("outputs differ: %v and %v", a, b)
	}
	if fn.InputNames()[0] != "input_layer" {
		t.Errorf("unnamed input is %q, want Keras's input_layer", fn.InputNames()[0])
	}
}

func TestSharedLayerCountsOnceAndGetsBothGradients(t *testing.T) {
	a, b := Input("a", 3), Input("b", 3)
	shared := Dense(2, Tanh)
	out := must(t, Call(Dense(1, Linear), Call(Concatenate(-1), Call(shared, a), Call(shared, b))))
	m, err := NewModel("siamese", []*Tensor{a, b}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 3 {
		t.Fatalf("layers %d, want 3 (the shared Dense once)", len(m.Layers))
	}
	if err := m.Init(BuildOptions{Seed: 2, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, p := range m.Params() {
		n += p.Size()
	}
	if want := (3*2 + 2) + (4*1 + 1); n != want {
		t.Errorf("params %d, want %d", n, want)
	}
	s := m.Summary()
	for _, want := range []string{"Connected to", "a (InputLayer)", "dense (Dense)", "a[0][0],", "b[0][0]", "dense[0][0],", "dense[1][0]", "Total params: 13"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	checkModel(t, "siamese", m, 3)
}

func TestFunctionalGradCheck(t *testing.T) {
	x := Input("x", 4)
	h1 := Call(Dense(4, Tanh), x)
	h2 := Call(Dense(4, Sigmoid), x)
	h := Call(Add(), Call(Multiply(), h1, h2), Call(Subtract(), h1, x), Call(Average(), h2, x), Call(Maximum(), h1, h2, x))
	out := must(t, Call(Dense(3, Softmax), Call(Concatenate(-1), h, h1)))
	m, err := NewModel("merges", []*Tensor{x}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(BuildOptions{Seed: 4, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	checkModel(t, "merges", m, 5)
}

// checkModel compares a float64 model's gradients (inputs and trainable
// params) with finite differences through a random projection of its
// outputs.
func checkModel(t *testing.T, name string, m *Model, batch int) {
	t.Helper()
	rng := rand.New(rand.NewSource(7))
	for _, p := range m.Trainable() {
		for i := 0; i < p.Size(); i++ {
			p.SetAt(i, p.At(i)+0.3*rng.NormFloat64())
		}
	}
	b, err := graph.NewBuilder(graph.Float64, batch, true)
	if err != nil {
		t.Fatal(err)
	}
	var xs []*G.Node
	wrt := []*graph.Param{}
	for i, s := range m.InputShapes() {
		x, err := graph.NewParam(fmt.Sprintf("x%d", i), graph.Float64, true, batch, Shape(s).Size())
		if err != nil {
			t.Fatal(err)
		}
		for j := 0; j < x.Size(); j++ {
			x.SetAt(j, rng.NormFloat64())
		}
		xn, err := b.Param(x)
		if err != nil {
			t.Fatal(err)
		}
		xs, wrt = append(xs, xn), append(wrt, x)
	}
	outs, err := m.ForwardInputs(b, xs)
	if err != nil {
		t.Fatal(err)
	}
	var loss *G.Node
	for i, out := range outs {
		r := b.Input(fmt.Sprintf("r%d", i), out.Shape()...)
		rd := r.Tensor.Data().([]float64)
		for j := range rd {
			rd[j] = rng.NormFloat64()
		}
		l := G.Must(G.Sum(G.Must(G.HadamardProd(out, r.Node))))
		if loss == nil {
			loss = l
		} else {
			loss = G.Must(G.Add(loss, l))
		}
	}
	res, err := graph.GradCheck(b, loss, append(wrt, m.Trainable()...), 1e-6, 11)
	if err != nil {
		t.Fatal(err)
	}
	if res.MaxRelErr > gradTol || res.Checked == 0 {
		t.Errorf("%s: %v, want max rel err ≤ %g", name, res, gradTol)
	}
}

func TestFunctionalErrors(t *testing.T) {
	x, y := Input("x", 4), Input("y", 5)
	other := Input("other", 4)
	for _, tc := range []struct {
		name string
		make func() (*Model, error)
		want []string
	}{
		{"merge shape mismatch", func() (*Model, error) {
			return NewModel("m", []*Tensor{x, y}, []*Tensor{Call(named(Add(), "sum"), x, y)})
		}, []string{`add "sum"`, "(None, 5)", "(None, 4)"}},
		{"concatenate disagreeing axes", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Concatenate(1), Call(Reshape(2, 2), x), Call(Reshape(4, 1), x))})
		}, []string{"Concatenate", "(None, 4, 1)", "(None, 2, 2)"}},
		{"concatenate bad axis", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Concatenate(2), x, x)})
		}, []string{"axis 2", "out of range"}},
		{"subtract three", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Subtract(), x, x, x)})
		}, []string{"exactly 2 inputs, got 3"}},
		{"merge of one", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Add(), x)})
		}, []string{"at least 2 inputs, got 1"}},
		{"dense on two", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Dense(2, ReLU), x, x)})
		}, []string{"Dense takes one input, got 2"}},
		{"layer shape", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Conv2D(2, 3, ReLU), x)})
		}, []string{"Conv2D", "(None, 4)"}},
		{"tensor from another graph", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(Add(), x, other)})
		}, []string{`input "other"`, "not among the model's inputs"}},
		{"unused input", func() (*Model, error) {
			return NewModel("m", []*Tensor{x, y}, []*Tensor{Call(Dense(1, Linear), x)})
		}, []string{`input 1 ("y" (None, 5)) leads to no output`}},
		{"shared layer two shapes", func() (*Model, error) {
			d := named(Dense(2, ReLU), "d")
			return NewModel("m", []*Tensor{x, y}, []*Tensor{Call(Add(), Call(d, x), Call(d, y))})
		}, []string{`dense "d"`, "(None, 4)", "(None, 5)", "shared"}},
		{"two layers one name", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(named(Dense(4, ReLU), "d"), Call(named(Dense(4, ReLU), "d"), x))})
		}, []string{`named "d"`}},
		{"input given twice", func() (*Model, error) {
			return NewModel("m", []*Tensor{x, x}, []*Tensor{x})
		}, []string{"input 1 is given twice"}},
		{"output as input", func() (*Model, error) {
			h := Call(Dense(2, ReLU), x)
			return NewModel("m", []*Tensor{h}, []*Tensor{h})
		}, []string{"not an Input"}},
		{"bad input shape", func() (*Model, error) {
			z := Input("z", 0, 3)
			return NewModel("m", []*Tensor{z}, []*Tensor{Call(Flatten(), z)})
		}, []string{"non-positive"}},
		{"nil layer", func() (*Model, error) {
			return NewModel("m", []*Tensor{x}, []*Tensor{Call(nil, x)})
		}, []string{"nil layer"}},
	} {
		_, err := tc.make()
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", tc.name, err, w)
			}
		}
	}
}

func TestErrorCarriesThroughCalls(t *testing.T) {
	x := Input("x", 4)
	bad := Call(Add(), x, Input("y", 5))
	later := Call(Dense(3, ReLU), Call(Act(ReLU), bad))
	if later.Err() == nil || later.Err() != bad.Err() {
		t.Fatalf("a later call's error %v is not the first one %v", later.Err(), bad.Err())
	}
	if !strings.Contains(later.String(), "error") {
		t.Errorf("String of a failed tensor: %s", later)
	}
}

func TestFunctionalConfigRoundTrip(t *testing.T) {
	a, b := Input("a", 3), Input("b", 3)
	shared := Dense(2, Tanh)
	ha, hb := Call(shared, a), Call(shared, b)
	diff := Call(Subtract(), ha, hb)
	out1 := Call(Dense(1, Sigmoid), Call(Concatenate(-1), ha, hb, diff))
	out2 := must(t, Call(Dense(2, Softmax), diff))
	m, err := NewModel("two_heads", []*Tensor{a, b}, []*Tensor{must(t, out1), out2})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(BuildOptions{Seed: 9, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	c, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back ModelConfig
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	m2, err := FromConfig(back)
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	c2, err := m2.Config()
	if err != nil {
		t.Fatal(err)
	}
	js2, _ := json.Marshal(c2)
	if string(js) != string(js2) {
		t.Errorf("config changed on a round trip:\n%s\n%s", js, js2)
	}
	for i, p := range m.Params() {
		if err := m2.Params()[i].SetFloat64s(p.Value.Data().([]float64)); err != nil {
			t.Fatal(err)
		}
	}
	in1, in2 := []float64{1, 2, 3, -1, 0, 1}, []float64{0.5, -0.5, 2, 1, 1, 1}
	if x, y := runGraph(t, m, 2, in1, in2), runGraph(t, m2, 2, in1, in2); !reflect.DeepEqual(x, y) {
		t.Errorf("loaded model computes %v, the original %v", y, x)
	}
	n, err := back.ParamCount()
	if err != nil {
		t.Fatal(err)
	}
	if want := int64(3*2 + 2 + 6*1 + 1 + 2*2 + 2); n != want {
		t.Errorf("ParamCount %d, want %d", n, want)
	}
	if !strings.Contains(string(js), `"nodes":[{"layer":"dense","inputs":[{"name":"a"}]},{"layer":"dense","inputs":[{"name":"b"}]}`) {
		t.Errorf("the shared layer's calls are not in the file as expected:\n%s", js)
	}
}

func TestFunctionalConfigErrors(t *testing.T) {
	x := Input("x", 3)
	h := Call(Dense(3, ReLU), x)
	out := must(t, Call(Dense(2, Softmax), Call(Add(), x, h)))
	m, err := NewModel("m", []*Tensor{x}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	good, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	clone := func() ModelConfig {
		var c ModelConfig
		js, _ := json.Marshal(good)
		if err := json.Unmarshal(js, &c); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		edit func(c *ModelConfig)
		want string
	}{
		{"cycle", func(c *ModelConfig) { c.Nodes[0].Inputs = []TensorRef{{Name: "dense_1"}} }, "dangling reference or a cycle"},
		{"dangling", func(c *ModelConfig) { c.Nodes[1].Inputs[1] = TensorRef{Name: "dense", Call: 1} }, "dense[1][0]"},
		{"unknown layer", func(c *ModelConfig) { c.Nodes[1].Layer = "nope" }, `layer "nope", which the model does not have`},
		{"unknown output", func(c *ModelConfig) { c.Outputs[0] = TensorRef{Name: "ghost"} }, "output 0 is ghost[0][0]"},
		{"merge given one input", func(c *ModelConfig) { c.Nodes[1].Inputs = c.Nodes[1].Inputs[:1] }, "at least 2 inputs, got 1"},
		{"dense given two inputs", func(c *ModelConfig) { c.Nodes[0].Inputs = append(c.Nodes[0].Inputs, c.Nodes[0].Inputs[0]) }, "takes one input, got 2"},
		{"unused layer", func(c *ModelConfig) {
			c.Layers = append(c.Layers, LayerConfig{Type: "Flatten", Name: "spare"})
		}, `layer "spare" is never called`},
		{"layers out of order", func(c *ModelConfig) { c.Layers[0], c.Layers[1] = c.Layers[1], c.Layers[0] }, "but the calls use"},
		{"duplicate layer names", func(c *ModelConfig) { c.Layers[1].Name = c.Layers[0].Name }, "two layers are named"},
		{"input with a layer's name", func(c *ModelConfig) { c.Inputs[0].Name = "dense" }, "has a layer's name"},
		{"duplicate inputs", func(c *ModelConfig) { c.Inputs = append(c.Inputs, c.Inputs[0]) }, "two inputs are named"},
		{"unused input", func(c *ModelConfig) { c.Inputs = append(c.Inputs, InputConfig{Name: "extra", Shape: []int{2}}) }, "leads to no output"},
		{"wrong input shape", func(c *ModelConfig) { c.Inputs[0].Shape = []int{4} }, "(None, 4)"},
		{"no calls", func(c *ModelConfig) { c.Nodes = nil }, "needs inputs, calls and outputs"},
		{"both forms", func(c *ModelConfig) { c.Input = Shape{3} }, "both a Sequential input shape and a graph"},
	} {
		c := clone()
		tc.edit(&c)
		_, err := FromConfig(c)
		if err == nil {
			t.Errorf("%s: FromConfig gave no error", tc.name)
		} else if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: FromConfig: %q lacks %q", tc.name, err, tc.want)
		}
		if _, err := c.ParamCount(); err == nil {
			t.Errorf("%s: ParamCount gave no error", tc.name)
		}
	}
}

// deepConfig is a functional model of n calls: a chain of Activation
// layers with an Add joining every tenth call to the one ten before.
func deepConfig(tb testing.TB, n int) ModelConfig {
	tb.Helper()
	x := Input("x", 8)
	h := x
	var back []*Tensor
	for i := 0; i < n; i++ {
		if i%10 == 9 && len(back) >= 10 {
			h = Call(Add(), h, back[len(back)-10])
		} else {
			h = Call(Act(Tanh), h)
		}
		back = append(back, h)
	}
	m, err := NewModel("deep", []*Tensor{x}, []*Tensor{h})
	if err != nil {
		tb.Fatal(err)
	}
	if err := m.Init(BuildOptions{}); err != nil {
		tb.Fatal(err)
	}
	c, err := m.Config()
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestDeepGraphLoads(t *testing.T) {
	c := deepConfig(t, 1000)
	if len(c.Nodes) != 1000 || len(c.Layers) != 1000 {
		t.Fatalf("%d calls and %d layers, want 1000 each", len(c.Nodes), len(c.Layers))
	}
	m, err := FromConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.nodes) != 1000 {
		t.Errorf("loaded %d calls", len(m.nodes))
	}
}

func BenchmarkFromConfig1000(b *testing.B) {
	c := deepConfig(b, 1000)
	js, err := json.Marshal(c)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var c ModelConfig
		if err := json.Unmarshal(js, &c); err != nil {
			b.Fatal(err)
		}
		if _, err := c.ParamCount(); err != nil {
			b.Fatal(err)
		}
		if _, err := FromConfig(c); err != nil {
			b.Fatal(err)
		}
	}
}

func TestModelCalledAsLayerSharesWeights(t *testing.T) {
	in := Input("features", 4)
	encoder, err := NewModel("encoder", []*Tensor{in}, []*Tensor{Call(Dense(3, Tanh), in)})
	if err != nil {
		t.Fatal(err)
	}
	if err := encoder.Init(BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	before := append([]float64(nil), encoder.Params()[0].Value.Data().([]float64)...)
	a, b := Input("a", 4), Input("b", 4)
	enc := encoder.AsLayer()
	out := must(t, Call(named(Dense(1, Sigmoid), "score"), Call(Subtract(), Call(enc, a), Call(enc, b))))
	m, err := NewModel("siamese", []*Tensor{a, b}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(BuildOptions{Seed: 2, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	if got := encoder.Params()[0].Value.Data().([]float64); !reflect.DeepEqual(got, before) {
		t.Error("building the outer model re-initialised the built encoder")
	}
	if len(m.Params()) != 4 || m.Params()[0] != encoder.Params()[0] {
		t.Errorf("outer params %d, want the encoder's 2 (shared, once) and the score's 2", len(m.Params()))
	}
	if s := m.Summary(); !strings.Contains(s, "encoder (Functional)") || !strings.Contains(s, "Total params: 19") {
		t.Errorf("summary:\n%s", s)
	}
	// The outer model computes score(enc(a) − enc(b)) with the encoder's
	// own weights: check against the encoder run alone.
	xa, xb := []float64{1, 0, -1, 2}, []float64{0.5, 0.5, 0, -1}
	ea, eb := runGraph(t, encoder, 1, xa)[0], runGraph(t, encoder, 1, xb)[0]
	k, bias := m.Params()[2].Value.Data().([]float64), m.Params()[3].Value.Data().([]float64)
	z := bias[0]
	for i := range ea {
		z += (ea[i] - eb[i]) * k[i]
	}
	if got, want := runGraph(t, m, 1, xa, xb)[0][0], 1/(1+math.Exp(-z)); math.Abs(got-want) > 1e-14 {
		t.Errorf("siamese output %v, want %v", got, want)
	}
	checkModel(t, "siamese encoder", m, 3)
	if _, err := encoder.AsLayer().OutputShape([][]int{{5}}); err == nil || !strings.Contains(err.Error(), "(None, 5)") {
		t.Errorf("encoder on the wrong shape: %v", err)
	}
	if _, err := m.Config(); err != nil {
		t.Errorf("describing a model holding a model: %v", err)
	}
}

func TestMergeConfigFromFiles(t *testing.T) {
	for _, tc := range []struct {
		js   string
		want string // error; "" for none
	}{
		{`{"type":"Concatenate","name":"c","axis":-1}`, ""},
		{`{"type":"Concatenate","name":"c","axis":2}`, ""},
		{`{"type":"Add","name":"a"}`, ""},
		{`{"type":"Concatenate","name":"c"}`, "no axis"},
		{`{"type":"Concatenate","name":"c","axis":99}`, "not an axis"},
		{`{"type":"Concatenate","name":"c","axis":1.5}`, "Concatenate"},
		{`{"type":"Add","name":"a","axis":1}`, "takes no axis"},
		{`{"type":"Maximum","name":"m","colour":1}`, "colour"},
		{`{"type":"GlobalAveragePooling2D","name":"g","keepdims":true}`, "keepdims"},
	} {
		var c LayerConfig
		err := json.Unmarshal([]byte(tc.js), &c)
		var l Layer
		if err == nil {
			if l, err = newLayer(c); err == nil {
				l.SetName(c.Name) // as FromConfig does
			}
		}
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.js, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want one containing %q", tc.js, err, tc.want)
		case tc.want == "":
			back, _ := json.Marshal(l.(Configurer).Config())
			if string(back) != tc.js {
				t.Errorf("%s: saved again as %s", tc.js, back)
			}
		}
	}
}

func TestNestedModelConfigRoundTrip(t *testing.T) {
	// A Sequential encoder and a functional head, both called as layers of
	// a siamese model, saved and loaded with their weights.
	enc := Sequential("encoder", named(Dense(3, Tanh), "enc_dense"), named(Dense(2, Linear), "enc_out"))
	if err := enc.Build(4, BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	hin := Input("pair", 2)
	head, err := NewModel("head", []*Tensor{hin}, []*Tensor{Call(named(Dense(1, Sigmoid), "head_dense"), hin)})
	if err != nil {
		t.Fatal(err)
	}
	a, b := Input("a", 4), Input("b", 4)
	e := enc.AsLayer()
	out := must(t, Call(head.AsLayer(), Call(Subtract(), Call(e, a), Call(e, b))))
	m, err := NewModel("siamese", []*Tensor{a, b}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(BuildOptions{Seed: 2, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	c, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back ModelConfig
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := back.Walk(func(LayerConfig) error { n++; return nil }); err != nil || n != 6 {
		t.Errorf("Walk saw %d layers (%v), want 6: 3 outer, 2 in the encoder, 1 in the head", n, err)
	}
	want := int64(4*3 + 3 + 3*2 + 2 + 2*1 + 1)
	if k, err := back.ParamCount(); err != nil || k != want {
		t.Errorf("ParamCount %d, %v; want %d", k, err, want)
	}
	m2, err := FromConfig(back)
	if err != nil {
		t.Fatalf("%v\n%s", err, js)
	}
	c2, _ := m2.Config()
	if js2, _ := json.Marshal(c2); string(js2) != string(js) {
		t.Errorf("config changed on a round trip:\n%s\n%s", js, js2)
	}
	if len(m2.Params()) != len(m.Params()) {
		t.Fatalf("loaded %d params, want %d", len(m2.Params()), len(m.Params()))
	}
	for i, p := range m.Params() {
		if m2.Params()[i].Name != p.Name {
			t.Errorf("param %d is %s, want %s", i, m2.Params()[i].Name, p.Name)
		}
		if err := m2.Params()[i].SetFloat64s(p.Value.Data().([]float64)); err != nil {
			t.Fatal(err)
		}
	}
	x1, x2 := []float64{1, 2, 3, 4}, []float64{0, -1, 0.5, 2}
	if y1, y2 := runGraph(t, m, 1, x1, x2), runGraph(t, m2, 1, x1, x2); !reflect.DeepEqual(y1, y2) {
		t.Errorf("loaded model computes %v, the original %v", y2, y1)
	}
	// An outer layer may not take a name used inside a model it calls.
	x := Input("x", 4)
	_, err = NewModel("clash", []*Tensor{x}, []*Tensor{Call(named(Dense(2, ReLU), "enc_out"), Call(enc.AsLayer(), x))})
	if err == nil || !strings.Contains(err.Error(), `has the name of a layer of model "encoder"`) {
		t.Errorf("a name used inside a called model: %v", err)
	}
}

func TestTensorStringAndWithName(t *testing.T) {
	x := Input("x", 4)
	h := Call(Dense(3, ReLU), x)
	if s := h.String(); s != "<Tensor of Dense, shape=(None, 3)>" {
		t.Errorf("unnamed call's tensor prints %q", s)
	}
	out := Call(WithName(Dense(2, Softmax), "probs"), h)
	if s := out.String(); s != "<Tensor name=probs, shape=(None, 2)>" {
		t.Errorf("named call's tensor prints %q", s)
	}
	if _, err := NewModel("m", []*Tensor{x}, []*Tensor{out}); err != nil {
		t.Fatal(err)
	}
	if s := h.String(); s != "<Tensor name=dense, shape=(None, 3)>" {
		t.Errorf("after NewModel the tensor prints %q", s)
	}
}
