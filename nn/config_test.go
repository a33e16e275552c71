package nn

import (
	"encoding/json"
	"strings"
	"testing"
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
		{ModelConfig{Name: "m", Input: 4, Layers: []LayerConfig{{Type: "Conv2D", Name: "c"}}}, `unknown layer type "Conv2D"`},
		{ModelConfig{Name: "m", Input: 4, Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 3, Activation: "swish"}}}, `unknown activation "swish"`},
		{ModelConfig{Name: "m", Input: 4, Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 0}}}, "units must be positive"},
		{ModelConfig{Name: "m", Input: 4, DType: "int8", Layers: []LayerConfig{{Type: "Dense", Name: "d", Units: 1}}}, `unsupported dtype "int8"`},
		{ModelConfig{Name: "m", Input: 4}, "no layers"},
		{ModelConfig{Name: "m", Input: 4, Layers: []LayerConfig{{Type: "Dense", Units: 2}}}, "layer 0 has no name"},
	}
	for _, c := range cases {
		if _, err := FromConfig(c.c); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.c, err, c.want)
		}
	}
}
