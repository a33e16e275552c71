package nn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

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
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{NewLayerConfig("Dense", "d", DenseConfig{Units: 3, Activation: "swish"})}}, `unknown activation "swish"`},
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{NewLayerConfig("Dense", "d", DenseConfig{})}}, "units must be positive"},
		{ModelConfig{Name: "m", Input: Shape{4}, DType: "int8", Layers: []LayerConfig{NewLayerConfig("Dense", "d", DenseConfig{Units: 1})}}, `unsupported dtype "int8"`},
		{ModelConfig{Name: "m", Input: Shape{4}}, "no layers"},
		{ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{NewLayerConfig("Dense", "", DenseConfig{Units: 2})}}, "layer 0 has no name"},
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
	c := ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{NewLayerConfig("Dense", "d", DenseConfig{Units: 2}), {Type: "LSTM", Name: "c"}}}
	_, err1 := FromConfig(c)
	_, err2 := c.ParamCount()
	for i, err := range []error{err1, err2} {
		var u *UnknownLayerError
		if !errors.Is(err, ErrUnknownLayer) || !errors.As(err, &u) || u.Type != "LSTM" {
			t.Fatalf("call %d: error %v, want an *UnknownLayerError for LSTM", i, err)
		}
		if !slices.IsSorted(u.Known) || !slices.Equal(u.Known, RegisteredLayers()) {
			t.Errorf("call %d: known types %v, want the registered ones sorted", i, u.Known)
		}
		for _, w := range []string{`layer 1: unknown layer type "LSTM"`, "registered: Activation, ", "BatchNormalization, ", "Conv2D, ", "Dense, ", "Dropout, ", "Flatten, ", "MaxPooling2D, ", "Reshape, ", "nn.RegisterLayer"} {
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
		return NewLayerConfig("Dense", fmt.Sprintf("d%d", n), DenseConfig{Units: u})
	}
	cases := []struct {
		name string
		c    ModelConfig
		want int64
		err  string
	}{
		// 4·16+16 = 80; 4·16 = 64; 0; 16·3+3 = 51.
		{"built-ins", layers(dense(16), NewLayerConfig("BatchNormalization", "b", BatchNormConfig{Momentum: 0.99, Epsilon: 1e-3}), NewLayerConfig("Dropout", "x", DropoutConfig{Rate: 0.5}), dense(3)), 80 + 64 + 51, ""},
		{"activations only", layers(NewLayerConfig("Activation", "a", ActivationConfig{Activation: "relu"})), 0, ""},
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
	c := ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{scale, NewLayerConfig("Dense", "d", DenseConfig{Units: 16}), {Type: "TestScale", Name: "s2"}}}
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

// legacyLayerConfig is LayerConfig as it was before each layer had its own
// config struct: every built-in layer's fields in one flat struct. Files
// were written from it, so the JSON of a built-in layer's config must stay
// what encoding/json makes of this.
type legacyLayerConfig struct {
	Type        string             `json:"type"`
	Name        string             `json:"name"`
	Units       int                `json:"units,omitempty"`
	Activation  string             `json:"activation,omitempty"`
	Rate        float64            `json:"rate,omitempty"`
	Momentum    float64            `json:"momentum,omitempty"`
	Epsilon     float64            `json:"epsilon,omitempty"`
	Filters     int                `json:"filters,omitempty"`
	KernelSize  []int              `json:"kernel_size,omitempty"`
	PoolSize    []int              `json:"pool_size,omitempty"`
	Strides     []int              `json:"strides,omitempty"`
	Padding     string             `json:"padding,omitempty"`
	TargetShape []int              `json:"target_shape,omitempty"`
	Options     map[string]float64 `json:"options,omitempty"`
}

// encodeBoth returns v as json.Marshal writes it (HTML escaped) and as an
// Encoder with SetEscapeHTML(false) does.
func encodeBoth(t *testing.T, v any) [2]string {
	t.Helper()
	a, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return [2]string{string(a), strings.TrimSuffix(b.String(), "\n")}
}

// Every built-in layer's config encodes byte for byte as the flat struct
// did, escaped or not, names with quotes, HTML, control characters,
// U+2028 and invalid UTF-8 included; decoding that JSON and encoding it
// again gives the same bytes, and the decoded config equals the layer's.
func TestLayerConfigJSONUnchanged(t *testing.T) {
	hostile := "a\"<script>&\x1b\u2028"
	cases := []struct {
		layer Layer
		old   legacyLayerConfig
	}{
		// Invalid UTF-8 encodes as U+FFFD, so this one only encodes.
		{named(Act(ReLU), "bad\xff"), legacyLayerConfig{Type: "Activation", Name: "bad\xff", Activation: "relu"}},
		{named(Dense(10, ReLU), "dense"), legacyLayerConfig{Type: "Dense", Name: "dense", Units: 10, Activation: "relu"}},
		{named(Dense(3, Linear), hostile), legacyLayerConfig{Type: "Dense", Name: hostile, Units: 3, Activation: "linear"}},
		{named(Dense(0, Activation{}), "zero"), legacyLayerConfig{Type: "Dense", Name: "zero", Activation: "linear"}},
		{named(Act(Tanh), "a"), legacyLayerConfig{Type: "Activation", Name: "a", Activation: "tanh"}},
		{named(Dropout(0.25), "d"), legacyLayerConfig{Type: "Dropout", Name: "d", Rate: 0.25}},
		{named(Dropout(0), "d0"), legacyLayerConfig{Type: "Dropout", Name: "d0"}},
		{named(BatchNorm(), "bn"), legacyLayerConfig{Type: "BatchNormalization", Name: "bn", Momentum: 0.99, Epsilon: 1e-3}},
		{named(&BatchNormLayer{Epsilon: 1e-5}, "bn0"), legacyLayerConfig{Type: "BatchNormalization", Name: "bn0", Epsilon: 1e-5}},
		{named(Conv2D(8, 3, ReLU).WithStrides(2, 1).WithPadding("same"), "c"),
			legacyLayerConfig{Type: "Conv2D", Name: "c", Activation: "relu", Filters: 8, KernelSize: []int{3, 3}, Strides: []int{2, 1}, Padding: "same"}},
		{named(&Conv2DLayer{Filters: 2, KernelSize: [2]int{1, 5}}, ""),
			legacyLayerConfig{Type: "Conv2D", Activation: "linear", Filters: 2, KernelSize: []int{1, 5}, Strides: []int{0, 0}}},
		{named(MaxPooling2D(2), "p"), legacyLayerConfig{Type: "MaxPooling2D", Name: "p", PoolSize: []int{2, 2}, Strides: []int{2, 2}, Padding: "valid"}},
		{named(MaxPooling2D(3).WithStrides(1, 2).WithPadding("same"), "p2"),
			legacyLayerConfig{Type: "MaxPooling2D", Name: "p2", PoolSize: []int{3, 3}, Strides: []int{1, 2}, Padding: "same"}},
		{named(Flatten(), "f"), legacyLayerConfig{Type: "Flatten", Name: "f"}},
		{named(Reshape(28, -1, 1), "r"), legacyLayerConfig{Type: "Reshape", Name: "r", TargetShape: []int{28, -1, 1}}},
		{named(Reshape(), "r0"), legacyLayerConfig{Type: "Reshape", Name: "r0"}},
	}
	for _, c := range cases {
		lc := c.layer.(Configurer).Config()
		got, want := encodeBoth(t, lc), encodeBoth(t, c.old)
		if got != want {
			t.Errorf("%s %q: JSON %q, the flat struct's %q", c.old.Type, c.old.Name, got, want)
			continue
		}
		if lc.String() != want[1] {
			t.Errorf("%s %q: String %q, want %q", c.old.Type, c.old.Name, lc.String(), want[1])
		}
		for _, raw := range want {
			if !utf8.ValidString(c.old.Name) {
				break
			}
			var back LayerConfig
			if err := json.Unmarshal([]byte(raw), &back); err != nil {
				t.Errorf("%s: %v", raw, err)
				continue
			}
			if again := encodeBoth(t, back); again != want {
				t.Errorf("%s: decoded and encoded again as %q", raw, again)
			}
			if !back.Equal(lc) || !lc.Equal(back) {
				t.Errorf("%s: decoded as %v, not equal to the layer's %v", raw, back, lc)
			}
		}
	}
}

// A registered layer's settings are decoded strictly, whether the config
// comes from JSON (a file) or is made in Go and given to FromConfig: an
// unknown field, a value of the wrong type, or settings that are not an
// object are errors naming the layer's type and name.
func TestLayerSettingsStrict(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{`{"type":"Dense","name":"d","units":3,"exec":"rm -rf /"}`, `Dense "d": json: unknown field "exec"`},
		{`{"type":"Dense","name":"d","units":"3"}`, `Dense "d": json: cannot unmarshal string into Go struct field DenseConfig.units of type int`},
		{`{"type":"Dense","name":"d","units":3.5}`, `Dense "d": json: cannot unmarshal number 3.5`},
		{`{"type":"Flatten","name":"f","units":3}`, `Flatten "f": json: unknown field "units"`},
		{`{"type":"Conv2D","name":"c","filters":2,"kernel_size":3}`, `Conv2D "c": json: cannot unmarshal number into Go struct field Conv2DConfig.kernel_size`},
		{`{"type":"Dropout","name":"x","rate":null,"options":{"init":1}}`, `Dropout "x": json: unknown field "options"`},
		{`{"type":3,"name":"d"}`, "layer type: json: cannot unmarshal number"},
		{`{"type":"Dense","name":["d"]}`, "layer name: json: cannot unmarshal array"},
		{`["Dense"]`, "layer: not a JSON object"},
	} {
		var m ModelConfig
		err := json.Unmarshal([]byte(`{"name":"m","input":4,"layers":[`+c.raw+`]}`), &m)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.raw, err, c.want)
		}
	}
	// The same settings made in Go reach FromConfig undecoded.
	for _, c := range []struct {
		lc   LayerConfig
		want string
	}{
		{LayerConfig{Type: "Dense", Name: "d", Settings: json.RawMessage(`{"units":3,"exec":1}`)}, `layer 0: Dense "d": json: unknown field "exec"`},
		{LayerConfig{Type: "Dense", Name: "d", Settings: json.RawMessage(`{"units":true}`)}, `layer 0: Dense "d": json: cannot unmarshal bool`},
		{LayerConfig{Type: "Dense", Name: "d", Settings: json.RawMessage(`[3]`)}, `layer 0: Dense "d": settings are not a JSON object`},
		{LayerConfig{Type: "Dense", Name: "d", Settings: json.RawMessage(`{"units":3} {}`)}, `layer 0: Dense "d": data after the settings object`},
		{LayerConfig{Type: "MaxPooling2D", Name: "p", Settings: json.RawMessage(`{"pool_size":[2,2,2]}`)}, `layer 0: MaxPooling2D "p": pool size [2 2 2]: want (height, width)`},
	} {
		mc := ModelConfig{Name: "m", Input: Shape{4, 4, 1}, Layers: []LayerConfig{c.lc}}
		_, err1 := FromConfig(mc)
		_, err2 := mc.ParamCount()
		for _, err := range []error{err1, err2} {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.lc.Settings, err, c.want)
			}
		}
	}
	// The same JSON with its settings right decodes, so that the cases
	// above fail for their settings alone; an unregistered type keeps its
	// settings as written, for FromConfig to report the type.
	var m ModelConfig
	if err := json.Unmarshal([]byte(`{"name":"m","input":4,"layers":[{"type":"Dense","name":"d","units":3},{"type":"Flatten","name":"f"},{"type":"LSTM","name":"l","units":3,"x":[1, 2]}]}`), &m); err != nil {
		t.Fatal(err)
	}
	if s := string(m.Layers[2].Settings); s != `{"units":3,"x":[1,2]}` {
		t.Errorf("unregistered layer's settings %s", s)
	}
	if m.Layers[1].Settings != nil {
		t.Errorf("Flatten's settings %s, want none", m.Layers[1].Settings)
	}
}

// A config of settings JSON cannot hold, or that the flat form could not
// tell from the config's own type and name, does not encode (so Save
// fails), equals nothing, and says why when printed.
func TestNewLayerConfigRefuses(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings any
		want     string
	}{
		{"NaN", DropoutConfig{Rate: math.NaN()}, "unsupported value: NaN"},
		{"infinity", map[string]float64{"init": math.Inf(1)}, "unsupported value: +Inf"},
		{"not an object", 3, "not a JSON object"},
		{"nil", nil, "not a JSON object"},
		{"a name field", map[string]string{"Name": "x"}, `settings have a "Name" field`},
		{"a type field", struct {
			T string `json:"type"`
		}{"Dense"}, `settings have a "type" field`},
	} {
		lc := NewLayerConfig("Dropout", "x", c.settings)
		_, err := json.Marshal(ModelConfig{Name: "m", Input: Shape{1}, Layers: []LayerConfig{lc}})
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `Dropout "x"`) {
			t.Errorf("%s: encoding error %v, want %q naming the layer", c.name, err, c.want)
		}
		if lc.Equal(lc) {
			t.Errorf("%s: an unencodable config equals itself", c.name)
		}
		if s := lc.String(); !strings.Contains(s, c.want) {
			t.Errorf("%s: String %q does not say %q", c.name, s, c.want)
		}
	}
	// Hand-set settings with a reserved field do not encode either.
	lc := LayerConfig{Type: "Dense", Name: "d", Settings: json.RawMessage(`{"units":3,"NAME":"e"}`)}
	if _, err := json.Marshal(lc); err == nil || !strings.Contains(err.Error(), `settings have a "NAME" field`) {
		t.Errorf("settings naming the layer: %v", err)
	}
}

// Equal compares what the settings make: field order, spacing, a default
// written out or left out and an activation's case do not matter; a
// setting, the type or the name does.
func TestLayerConfigEqual(t *testing.T) {
	raw := func(typ, name, s string) LayerConfig {
		return LayerConfig{Type: typ, Name: name, Settings: json.RawMessage(s)}
	}
	conv := Conv2D(8, 3, ReLU)
	conv.SetName("c")
	for _, c := range []struct {
		a, b LayerConfig
		want bool
	}{
		{raw("Dense", "d", `{"units":3,"activation":"relu"}`), raw("Dense", "d", `{ "activation" : "relu", "units" : 3 }`), true},
		{raw("Dense", "d", `{"units":3}`), raw("Dense", "d", `{"units":3,"activation":"linear"}`), true},
		{raw("Dense", "d", `{"units":3,"activation":"ReLU"}`), raw("Dense", "d", `{"units":3,"activation":"relu"}`), true},
		{raw("Dense", "d", `{"units":3}`), raw("Dense", "d", `{"units":4}`), false},
		{raw("Dense", "d", `{"units":3}`), raw("Dense", "e", `{"units":3}`), false},
		{raw("Dense", "d", `{"units":3}`), raw("Activation", "d", `{"units":3}`), false},
		{conv.Config(), raw("Conv2D", "c", `{"filters":8,"kernel_size":[3,3],"padding":"valid","activation":"relu"}`), true},
		{conv.Config(), raw("Conv2D", "c", `{"filters":8,"kernel_size":[3,3],"strides":[2,2],"padding":"valid","activation":"relu"}`), false},
		{raw("Flatten", "f", ``), raw("Flatten", "f", `{}`), true},
		// Settings the layer refuses are compared as its config struct
		// encodes them.
		{raw("Dense", "d", `{"activation":"swish","units":1}`), raw("Dense", "d", `{"units":1,"activation":"swish"}`), true},
		{raw("Dense", "d", `{"activation":"swish"}`), raw("Dense", "d", `{"activation":"gelu"}`), false},
		// An unregistered type's settings are compared as compact JSON.
		{raw("LSTM", "l", `{"units": 3}`), raw("LSTM", "l", `{"units":3}`), true},
		{raw("LSTM", "l", `{"units":3}`), raw("LSTM", "l", `{"units":4}`), false},
		{raw("LSTM", "l", `[3]`), raw("LSTM", "l", `[3] `), false},
	} {
		if got := c.a.Equal(c.b); got != c.want || c.b.Equal(c.a) != got {
			t.Errorf("%v.Equal(%v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

// A settings type must be a JSON object without "type" or "name" fields,
// or the flat form could not hold it.
func TestRegisterLayerSettingsType(t *testing.T) {
	act := func(any) (Layer, error) { return Act(ReLU), nil }
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"int", RegisterLayer("TestInt", func(int) (Layer, error) { return act(nil) }), "settings type int: want a struct or a map with string keys"},
		{"pointer", RegisterLayer("TestPtr", func(*DenseConfig) (Layer, error) { return act(nil) }), "settings type *nn.DenseConfig: want a struct"},
		{"int keys", RegisterLayer("TestIntKeys", func(map[int]float64) (Layer, error) { return act(nil) }), "want a struct or a map with string keys"},
		{"Name field", RegisterLayer("TestNameField", func(struct{ Name string }) (Layer, error) { return act(nil) }), `field Name is encoded as "Name"`},
		{"type tag", RegisterLayer("TestTypeTag", func(struct {
			Kind string `json:"type,omitempty"`
		}) (Layer, error) {
			return act(nil)
		}), `field Kind is encoded as "type"`},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, c.err, c.want)
		}
	}
	for _, n := range RegisteredLayers() {
		if strings.HasPrefix(n, "TestInt") || strings.HasPrefix(n, "TestPtr") || strings.HasSuffix(n, "Field") || strings.HasSuffix(n, "Tag") {
			t.Errorf("refused type %s was registered", n)
		}
	}
}

// rawScale is scaleLayer registered with a func(LayerConfig), the older
// form: its setting is in Options.
type rawScale struct {
	scaleLayer
	init float64
}

func (l *rawScale) Type() string { return "TestRawScale" }

func (l *rawScale) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), Options: map[string]float64{"init": l.init}}
}

func init() {
	if err := RegisterLayer("TestRawScale", func(c LayerConfig) (Layer, error) {
		return &rawScale{init: c.Options["init"]}, nil
	}); err != nil {
		panic(err)
	}
}

// A constructor of the whole LayerConfig gets its settings in Options, as
// before layers had config structs, and the JSON is what it was; any other
// setting is refused, from a file or from Go.
func TestRegisterLayerRaw(t *testing.T) {
	const saved = `{"type":"TestRawScale","name":"s","options":{"init":2}}`
	for _, c := range []struct{ raw, want string }{
		{`{"type":"TestRawScale","name":"s","options":{ "init": 2 }}`, ""},
		{`{"type":"TestRawScale","name":"s","options":{"init":2},"z":1}`, `TestRawScale "s": json: unknown field "z"`},
		{`{"type":"TestRawScale","name":"s","options":{"init":"2"}}`, `TestRawScale "s": options: json: cannot unmarshal string`},
	} {
		var m ModelConfig
		err := json.Unmarshal([]byte(`{"name":"m","input":4,"layers":[`+c.raw+`]}`), &m)
		if c.want != "" {
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: error %v, want %q", c.raw, err, c.want)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		model, err := FromConfig(m)
		if err != nil {
			t.Fatalf("%s: %v", c.raw, err)
		}
		l := model.Layers[0].(*rawScale)
		if l.init != 2 || !m.Layers[0].Equal(l.Config()) || l.Config().String() != saved || m.Layers[0].String() != saved {
			t.Errorf("%s: loaded init %v, config %v, decoded %v", c.raw, l.init, l.Config(), m.Layers[0])
		}
	}
	// Made in Go, a setting outside Options is refused by FromConfig.
	for _, lc := range []LayerConfig{
		{Type: "TestRawScale", Name: "s", Settings: json.RawMessage(`{"z":1}`)},
		{Type: "TestRawScale", Name: "s", Settings: json.RawMessage(`{"options":{"init":1}}`), Options: map[string]float64{"init": 1}},
	} {
		_, err := FromConfig(ModelConfig{Name: "m", Input: Shape{4}, Layers: []LayerConfig{lc}})
		if err == nil || !strings.Contains(err.Error(), `layer 0: TestRawScale "s"`) {
			t.Errorf("%v: error %v", lc, err)
		}
	}
	// Nil and empty Options are the same config; different ones are not.
	a := LayerConfig{Type: "TestRawScale", Name: "s"}
	if !a.Equal(LayerConfig{Type: "TestRawScale", Name: "s", Options: map[string]float64{}}) ||
		a.Equal(LayerConfig{Type: "TestRawScale", Name: "s", Options: map[string]float64{"init": 1}}) {
		t.Error("Options compared wrongly")
	}
}
