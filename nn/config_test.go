package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

func TestConfigRoundTrip(t *testing.T) {
	m := Sequential("iris", Dense(64, ReLU), BatchNorm(), Dropout(0.5), Dense(3, Softmax), Act(Tanh))
	if err := m.Build(4, BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	c, err := m.Config()
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(c)
	var back ModelConfig
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	m2, err := FromConfig(back)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Summary() != m.Summary() {
		t.Errorf("rebuilt model's summary differs:\n%s\n%s", m2.Summary(), m.Summary())
	}
	c2, _ := m2.Config()
	raw2, _ := json.Marshal(c2)
	if string(raw) != string(raw2) {
		t.Errorf("config changed in the round trip:\n%s\n%s", raw, raw2)
	}
}

func TestFromConfigErrors(t *testing.T) {
	cases := []struct {
		c    ModelConfig
		want string
	}{
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{{Type: "LSTM", Name: "c"}}}, `unknown layer type "LSTM"`},
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 3, Activation: "swish"}}}, `unknown activation "swish"`},
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 0}}}, "units must be positive"},
		{ModelConfig{Name: "m", Input: Shape{4}, DType: "int8", Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 1}}}, `unsupported dtype "int8"`},
		{ModelConfig{Name: "m", Input: Shape{4}}, "no layers"},
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{{Type: "Dense", Units: 2}}}, "layer 0 has no name"},
	}
	for _, c := range cases {
		if _, err := FromConfig(c.c); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.c, err, c.want)
		}
	}
}

// An unregistered type is ErrUnknownLayer, names the type, and lists what
// is registered, from FromConfig and from ParamCount alike.
func TestUnknownLayerType(t *testing.T) {
	c := ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 2}, {Type: "LSTM", Name: "c"}}}
	_, err1 := FromConfig(c)
	_, err2 := c.ParamCount()
	for i, err := range []error{err1, err2} {
		var u *UnknownLayerError
		if !errors.Is(err, ErrUnknownLayer) || !errors.As(err, &u) || u.Type != "LSTM" {
			t.Fatalf("call %d: error %v, want an *UnknownLayerError for LSTM", i, err)
		}
		for _, w := range []string{`layer 1: unknown layer type "LSTM"`, "Activation, BatchNormalization, Conv2D, Dense, Dropout, Flatten, MaxPooling2D, Reshape", "nn.RegisterLayer"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("call %d: error %q does not say %q", i, err, w)
			}
		}
	}
}

func TestRegisterLayerErrors(t *testing.T) {
	ok := func(LayerConfig) (Layer, error) { return Act(ReLU), nil }
	for _, c := range []struct {
		name     string
		typeName string
		f        func(LayerConfig) (Layer, error)
		want     string
	}{
		{"empty name", "", ok, "empty type name"},
		{"nil constructor", "NilMaker", nil, `RegisterLayer("NilMaker"): nil constructor`},
		{"built-in again", "Dense", ok, `RegisterLayer("Dense"): type already registered`},
	} {
		if err := RegisterLayer(c.typeName, c.f); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
	if slices.Contains(RegisteredLayers(), "NilMaker") {
		t.Error("a refused registration was recorded")
	}
	// A duplicate of a custom type is refused too, and the first
	// constructor stays. (Registered once per test binary: -count=2.)
	if !slices.Contains(RegisteredLayers(), "TestTwice") {
		if err := RegisterLayer("TestTwice", ok); err != nil {
			t.Fatal(err)
		}
	}
	if err := RegisterLayer("TestTwice", func(LayerConfig) (Layer, error) { return Dropout(0), nil }); err == nil {
		t.Error("second registration of TestTwice accepted")
	}
	l, err := newLayer(LayerConfig{Type: "TestTwice"})
	if err == nil || !strings.Contains(err.Error(), `made a layer of type "Activation"`) || l != nil {
		// ok's layer reports type Activation: FromConfig refuses it,
		// since saving it again would write another type.
		t.Errorf("constructor of the wrong type: layer %v, error %v", l, err)
	}
}

// scaleLayer is y = x·s with a trainable (1, in) s, for registry tests. It
// does not implement ParamCounter, so ParamCount builds it to count.
type scaleLayer struct {
	Named
	S *graph.Param
}

func (l *scaleLayer) Type() string { return "TestScale" }

// scaleBuilds counts scaleLayer builds, to show which ParamCount made.
var scaleBuilds int

func (l *scaleLayer) Build(in []int, dt tensor.Dtype, _ *rand.Rand) ([]int, error) {
	scaleBuilds++
	var err error
	l.S, err = graph.NewParam(l.Name()+"/s", dt, true, 1, in[0])
	return in, err
}
func (l *scaleLayer) Params() []*graph.Param { return []*graph.Param{l.S} }
func (l *scaleLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	s, err := b.Param(l.S)
	if err != nil {
		return nil, err
	}
	return G.BroadcastHadamardProd(x, s, nil, []byte{0})
}
func (l *scaleLayer) Config() LayerConfig { return LayerConfig{Type: l.Type(), Name: l.Name()} }

// countedScale is scaleLayer with ParamCounter.
type countedScale struct{ scaleLayer }

func (l *countedScale) Type() string                               { return "TestCountedScale" }
func (l *countedScale) CountParams(in []int) (int64, []int, error) { return int64(in[0]), in, nil }

func init() {
	for name, f := range map[string]LayerConstructor{
		"TestScale":        func(LayerConfig) (Layer, error) { return &scaleLayer{}, nil },
		"TestCountedScale": func(LayerConfig) (Layer, error) { return &countedScale{}, nil },
	} {
		if err := RegisterLayer(name, f); err != nil {
			panic(err)
		}
	}
}

func TestParamCount(t *testing.T) {
	layers := func(ls ...LayerConfig) ModelConfig { return ModelConfig{Name: "m", Input: Shape{4}, Layers: ls} }
	n := 0
	dense := func(u int) LayerConfig {
		n++
		return LayerConfig{Type: "Dense", Name: fmt.Sprintf("d%d", n), Units: u}
	}
	cases := []struct {
		name string
		c    ModelConfig
		want int64
		err  string
	}{
		// 4·16+16 = 80; 4·16 = 64; 0; 16·3+3 = 51.
		{"built-ins", layers(dense(16), LayerConfig{Type: "BatchNormalization", Name: "b", Momentum: 0.99, Epsilon: 1e-3}, LayerConfig{Type: "Dropout", Name: "x", Rate: 0.5}, dense(3)), 80 + 64 + 51, ""},
		{"activations only", layers(LayerConfig{Type: "Activation", Name: "a", Activation: "relu"}), 0, ""},
		// The custom layer has one s per feature: 4, then 16 after Dense(16).
		{"custom, built to count", layers(LayerConfig{Type: "TestScale", Name: "s"}, dense(16), LayerConfig{Type: "TestScale", Name: "s2"}), 4 + 80 + 16, ""},
		{"custom, counting itself", layers(LayerConfig{Type: "TestCountedScale", Name: "s"}), 4, ""},
		{"custom too wide to build", ModelConfig{Name: "m", Input: Shape{1 << 20}, Layers: []LayerConfig{{Type: "TestScale", Name: "s"}}}, 0,
			`TestScale "s": cannot count its params for 1048576 inputs: the layer does not implement nn.ParamCounter`},
		// A counting layer is trusted with any width up to the cap.
		{"custom counting, wide", ModelConfig{Name: "m", Input: Shape{1 << 30}, Layers: []LayerConfig{{Type: "TestCountedScale", Name: "s"}}}, 1 << 30, ""},
		{"dense overflow", ModelConfig{Name: "m", Input: Shape{100000}, Layers: []LayerConfig{dense(1000000000)}}, 0, "100000×1000000000 weights is too many"},
		{"dense units beyond the cap", layers(dense(1 << 41)), 0, "2199023255552 units is too many"},
		{"zero units", layers(dense(0)), 0, "units must be positive, got 0"},
		{"total beyond the cap", ModelConfig{Name: "m", Input: Shape{1 << 20}, Layers: []LayerConfig{dense(1 << 19), dense(1 << 20), dense(1 << 20)}}, 0, "more than 1099511627776 weights"},
		{"batchnorm beyond the cap", ModelConfig{Name: "m", Input: Shape{1 << 39}, Layers: []LayerConfig{{Type: "BatchNormalization", Name: "b"}}}, 0, "more than 1099511627776 weights"},
		{"input beyond the cap", ModelConfig{Name: "m", Input: Shape{1<<40 + 1}, Layers: []LayerConfig{dense(1)}}, 0, "input width 1099511627777"},
		{"bad dtype", ModelConfig{Name: "m", Input: Shape{2}, DType: "int8", Layers: []LayerConfig{dense(1)}}, 0, `unsupported dtype "int8"`},
	}
	for _, c := range cases {
		count, err := c.c.ParamCount()
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: count %d, error %v, want %q", c.name, count, err, c.err)
			}
			continue
		}
		if err != nil || count != c.want {
			t.Errorf("%s: count %d, error %v, want %d", c.name, count, err, c.want)
		}
		// The count is what building allocates.
		if c.c.Input.Size() > 1<<16 {
			continue
		}
		m, err := FromConfig(c.c)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var built int64
		for _, p := range m.Params() {
			built += int64(p.Size())
		}
		if built != count {
			t.Errorf("%s: ParamCount %d, the built model holds %d", c.name, count, built)
		}
	}
}

// ParamCountWithin stops after the layer that passes the limit: later
// layers are neither counted nor built.
func TestParamCountWithin(t *testing.T) {
	scale := LayerConfig{Type: "TestScale", Name: "s1"}
	c := ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{scale, {Type: "Dense", Name: "d", Units: 16}, {Type: "TestScale", Name: "s2"}}}
	for _, tc := range []struct {
		limit  int64
		want   int64
		builds int
	}{
		{3, 4, 1},       // the first scale's 4 pass 3
		{10, 4 + 80, 1}, // the dense layer's 80 pass 10: s2 is not built
		{100, 100, 2},   // all counted, 100 is not above 100
		{1 << 40, 100, 2},
	} {
		scaleBuilds = 0
		n, err := c.ParamCountWithin(tc.limit)
		if err != nil || n != tc.want || scaleBuilds != tc.builds {
			t.Errorf("limit %d: count %d (%v) after %d builds, want %d after %d", tc.limit, n, err, scaleBuilds, tc.want, tc.builds)
		}
	}
}

// Options survive JSON, and a nil and an empty map are the same config.
func TestLayerConfigOptions(t *testing.T) {
	c := LayerConfig{Type: "TestScale", Name: "s", Options: map[string]float64{"init": 0.5, "k": 3}}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back LayerConfig
	if err := json.Unmarshal(raw, &back); err != nil || !back.Equal(c) {
		t.Errorf("%s came back as %+v (%v)", raw, back, err)
	}
	if string(raw) != `{"type":"TestScale","name":"s","options":{"init":0.5,"k":3}}` {
		t.Errorf("JSON %s", raw)
	}
	plain := LayerConfig{Type: "Dense", Name: "d", Units: 3}
	if !plain.Equal(LayerConfig{Type: "Dense", Name: "d", Units: 3, Options: map[string]float64{}}) {
		t.Error("nil and empty Options differ")
	}
	if c.Equal(LayerConfig{Type: "TestScale", Name: "s", Options: map[string]float64{"init": 0.5, "k": 4}}) {
		t.Error("different Options are equal")
	}
	// A file written before Options existed has none, and its JSON is
	// unchanged by the new field.
	if raw, _ := json.Marshal(plain); string(raw) != `{"type":"Dense","name":"d","units":3}` {
		t.Errorf("built-in layer JSON %s", raw)
	}
}
