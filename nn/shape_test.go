package nn

import (
	"encoding/json"
	"math"
	"math/rand"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
)

// TestShapeJSON: a 1-D input is written as the plain number older files
// hold, N-d shapes as arrays, and both read back.
func TestShapeJSON(t *testing.T) {
	cases := []struct {
		s    Shape
		json string
	}{
		{Shape{784}, "784"},
		{Shape{28, 28, 1}, "[28,28,1]"},
		{Shape{6, 4}, "[6,4]"},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.s)
		if err != nil || string(b) != c.json {
			t.Errorf("%v: marshal %s, %v; want %s", []int(c.s), b, err, c.json)
		}
		var back Shape
		if err := json.Unmarshal([]byte(c.json), &back); err != nil || !back.Equal(c.s) {
			t.Errorf("%s: unmarshal %v, %v; want %v", c.json, []int(back), err, []int(c.s))
		}
	}
	var mc ModelConfig
	if err := json.Unmarshal([]byte(`{"name":"m","input":4,"dtype":"float32","layers":[{"type":"Dense","name":"d","units":2}]}`), &mc); err != nil || !mc.Input.Equal(Shape{4}) {
		t.Errorf("old file: input %v, %v; want [4]", []int(mc.Input), err)
	}
	if err := json.Unmarshal([]byte(`{"input":"x"}`), &mc); err == nil {
		t.Error("a string input loaded")
	}
}

// TestShapeErrorsNameTheLayer: shapes a layer cannot take are errors that
// name it, never panics.
func TestShapeErrorsNameTheLayer(t *testing.T) {
	cases := []struct {
		name string
		in   []int
		l    Layer
		want string
	}{
		{"dense after 3-D", []int{4, 4, 2}, named(Dense(3, ReLU), "d"), `dense "d": input shape (None, 4, 4, 2) is 3-D, want 1-D (add a Flatten before it)`},
		{"batchnorm zero dim", []int{4, 0}, named(BatchNorm(), "bn"), `batchnorm "bn": input shape [4 0] has a non-positive dimension`},
		{"dropout empty", []int{}, named(Dropout(0.1), "dr"), `dropout "dr": empty input shape`},
	}
	for _, c := range cases {
		m := Sequential("m", c.l)
		err := m.BuildShape(c.in, BuildOptions{})
		if c.name == "dropout empty" || c.name == "batchnorm zero dim" {
			// The model checks its own input first.
			if err == nil || !strings.Contains(err.Error(), `model "m"`) {
				t.Errorf("%s: model error %v", c.name, err)
			}
			_, err = c.l.Build(c.in, graph.Float32, nil)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
		if pc, ok := c.l.(ParamCounter); ok {
			if _, _, err := pc.CountParams(c.in); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: CountParams error %v, want %q", c.name, err, c.want)
			}
		}
	}
}

// TestBatchNormPerChannel: over (batch, 2, 2) samples BatchNorm has one
// gamma, beta and moving statistic per channel (the last axis), each
// channel normalised over the batch and the positions, as Keras's axis=-1.
func TestBatchNormPerChannel(t *testing.T) {
	bn := BatchNorm()
	m := Sequential("m", bn)
	if err := m.BuildShape([]int{2, 2}, BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	if got := bn.Gamma.Shape(); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("gamma shape %v, want [1 2]", got)
	}
	// Two samples of ((a0, b0), (a1, b1)): channel a holds 1, 3, 5, 7
	// (mean 4, biased variance 5), channel b holds 2, 2, 2, 10 (mean 4,
	// variance 12).
	x := [][]float64{{1, 2, 3, 2}, {5, 2, 7, 10}}
	out := runModel(t, m, true, x)
	want := []float64{-3, -2, -1, -2, 1, -2, 3, 6}
	for i := range want {
		v := 5.0
		if i%2 == 1 {
			v = 12
		}
		want[i] /= sqrt(v + 1e-3)
		if !near(out[i], want[i], 1e-12) {
			t.Errorf("out[%d] = %v, want %v", i, out[i], want[i])
		}
	}
	// Moving mean 0.99·0 + 0.01·4 per channel.
	if a, b := bn.MovingMean.At(0), bn.MovingMean.At(1); !near(a, 0.04, 1e-15) || !near(b, 0.04, 1e-15) {
		t.Errorf("moving mean %v %v, want 0.04 0.04", a, b)
	}
	if a, b := bn.MovingVariance.At(0), bn.MovingVariance.At(1); !near(a, 0.99+0.05, 1e-12) || !near(b, 0.99+0.12, 1e-12) {
		t.Errorf("moving variance %v %v, want 1.04 1.11", a, b)
	}
	if s := m.Summary(); !strings.Contains(s, "(None, 2, 2)") || !strings.Contains(s, "Total params: 8") {
		t.Errorf("summary:\n%s", s)
	}
	info, err := m.Describe()
	if err != nil || !Shape(info[0].Input).Equal(Shape{2, 2}) || !Shape(info[0].Output).Equal(Shape{2, 2}) {
		t.Errorf("describe %+v, %v", info, err)
	}
}

// TestGradCheckNd: BatchNorm and Dropout over image-shaped samples.
func TestGradCheckNd(t *testing.T) {
	checkLayersShape(t, "batchnorm 3-D", 3, []int{2, 3, 2}, true, BatchNorm())
	checkLayersShape(t, "batchnorm 3-D inference", 3, []int{2, 3, 2}, false, BatchNorm())
	checkLayersShape(t, "dropout 3-D", 3, []int{2, 3, 2}, true, Dropout(0.3))
}

func sqrt(x float64) float64 { return math.Sqrt(x) }

// runModel runs a float64 model on flat samples x (one training or
// inference step, committed) and returns its output, row-major.
func runModel(t *testing.T, m *Model, training bool, x [][]float64) []float64 {
	t.Helper()
	b, err := graph.NewBuilder(graph.Float64, len(x), training)
	if err != nil {
		t.Fatal(err)
	}
	in := b.Input("x", len(x), len(x[0]))
	d := in.Tensor.Data().([]float64)
	for i, r := range x {
		copy(d[i*len(r):], r)
	}
	out, err := m.Forward(b, in.Node)
	if err != nil {
		t.Fatal(err)
	}
	mc, err := b.Compile(nil, nil, out)
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Close()
	if err := mc.Run(rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	if err := mc.Commit(); err != nil {
		t.Fatal(err)
	}
	return append([]float64(nil), mc.Output(0).Data().([]float64)...)
}

// TestShapeRankCap: a shape read from JSON may have at most MaxRank
// dimensions, and printing a longer one stays short (it printed every
// dimension, with a quadratic +=, taking seconds for 100,000).
func TestShapeRankCap(t *testing.T) {
	var s Shape
	if err := s.UnmarshalJSON([]byte("[1,1,1,1,1,1,1,1]")); err != nil || len(s) != MaxRank {
		t.Errorf("%d dimensions: %v, %v", MaxRank, s, err)
	}
	if err := s.UnmarshalJSON([]byte("[1,1,1,1,1,1,1,1,1]")); err == nil || !strings.Contains(err.Error(), "9 dimensions, at most 8") {
		t.Errorf("9 dimensions: %v, want a refusal", err)
	}
	long := make([]int, 1_000_000)
	for i := range long {
		long[i] = 1
	}
	got := ShapeString(long)
	if want := "(None, 1, 1, 1, 1, 1, 1, 1, 1, … 1000000 dimensions in all)"; got != want {
		t.Errorf("ShapeString of a million dimensions = %q, want %q", got, want)
	}
	if got, want := ShapeString([]int{28, 28, 1}), "(None, 28, 28, 1)"; got != want {
		t.Errorf("ShapeString = %q, want %q", got, want)
	}
	if err := checkShape("model", "m", long); err == nil || len(err.Error()) > 100 {
		t.Errorf("checkShape of a million dimensions: %v, want a short refusal", err)
	}
}
