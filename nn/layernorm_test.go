package nn

import (
	"encoding/json"
	"math"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
)

// setRow sets a (1, n) param's values.
func setRow(t *testing.T, p *graph.Param, v ...float64) {
	t.Helper()
	if err := p.SetFloat64s(v); err != nil {
		t.Fatal(err)
	}
}

// TestLayerNormalizationExact checks three samples worked by hand:
// row 1 has μ = 3, deviations (−2, −1, 0, 3), σ² = 14/4 = 3.5, so with
// ε = 0.001 it divides by √3.501 = 1.871096...; row 2 is constant (σ² = 0:
// the output is β alone, ε keeps it finite); row 3 has μ = 0.375 and
// σ² = 1.171875. γ = (2, 0.5, 1, −1), β = (0.1, 0, −0.2, 1). PyTorch's
// LayerNorm(4, eps=1e-3) in float64 agrees with these to 4.5e-16.
func TestLayerNormalizationExact(t *testing.T) {
	x := [][]float64{{1, 2, 3, 6}, {5, 5, 5, 5}, {-1, 0.5, 2, 0}}
	want := [][]float64{
		{-2.0377845593162194, -0.26722306991452743, -0.2, -0.6033384194871645},
		{0.1, 0, -0.2, 1},
		{-2.4392579987185767, 0.05771040906178584, 1.3004706356064317, 1.3462624543707151},
	}
	for _, tc := range []struct {
		dt  string
		tol float64
	}{{"float64", 1e-15}, {"float32", 1e-6}} {
		for _, training := range []bool{true, false} {
			l := LayerNormalization()
			dt := graph.Float64
			if tc.dt == "float32" {
				dt = graph.Float32
			}
			if _, err := l.Build([]int{4}, dt, nil); err != nil {
				t.Fatal(err)
			}
			setRow(t, l.Gamma, 2, 0.5, 1, -1)
			setRow(t, l.Beta, 0.1, 0, -0.2, 1)
			got := forward(t, dt, training, x, l)[0]
			for i, row := range want {
				for j, w := range row {
					if g := got[i*4+j]; math.Abs(g-w) > tc.tol*math.Max(1, math.Abs(w)) {
						t.Errorf("%s, training %v: y[%d][%d] = %.17g, by hand %.17g", tc.dt, training, i, j, g, w)
					}
				}
			}
		}
	}
}

// TestLayerNormalizationImage normalises each pixel's channels of a 2×2×3
// image on their own, and leaves the input node's values alone.
func TestLayerNormalizationImage(t *testing.T) {
	img := []float64{1, 2, 4, 0, 0, 3, -2, 5, 5, 7, 1, 1}
	m := Sequential("ln", LayerNormalization())
	if err := m.BuildShape([]int{2, 2, 3}, BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	got := forward(t, graph.Float64, true, [][]float64{img}, m.AsLayer())[0]
	for p := 0; p < 4; p++ {
		px := img[3*p : 3*p+3]
		mu := (px[0] + px[1] + px[2]) / 3
		v := 0.0
		for _, c := range px {
			v += (c - mu) * (c - mu) / 3
		}
		for c := range px {
			w := (px[c] - mu) / math.Sqrt(v+1e-3)
			if g := got[3*p+c]; math.Abs(g-w) > 1e-14 {
				t.Errorf("pixel %d channel %d: %.17g, want %.17g", p, c, g, w)
			}
		}
	}
}

func TestLayerNormalizationGradCheck(t *testing.T) {
	checkLayers(t, "dense→layernorm", 3, 5, true, Dense(4, Tanh), LayerNormalization())
	noCenter := LayerNormalization()
	noCenter.Center = false
	noScale := LayerNormalization()
	noScale.Scale = false
	checkLayers(t, "layernorm without β", 2, 6, true, noCenter)
	checkLayers(t, "layernorm without γ", 2, 6, true, noScale)
	checkLayersShape(t, "layernorm over channels", 2, []int{2, 3, 4}, true, LayerNormalization())
}

func TestLayerNormalizationParamsAndConfig(t *testing.T) {
	for _, tc := range []struct {
		center, scale bool
		params        int64
	}{{true, true, 16}, {false, true, 8}, {true, false, 8}, {false, false, 0}} {
		l := LayerNormalization()
		l.Center, l.Scale, l.Epsilon = tc.center, tc.scale, 1e-5
		m := Sequential("m", Dense(8, Linear), l)
		if err := m.Build(3, BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if n := int64(len(l.Params())) * 8; n != tc.params {
			t.Errorf("center %v scale %v: %d param values, want %d", tc.center, tc.scale, n, tc.params)
		}
		if !strings.Contains(m.Summary(), "LayerNormalization") {
			t.Errorf("summary does not name the layer:\n%s", m.Summary())
		}
		mc, err := m.Config()
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(mc)
		if err != nil {
			t.Fatal(err)
		}
		want := `"axis":-1,"epsilon":0.00001,"center":` + map[bool]string{true: "true", false: "false"}[tc.center]
		if !strings.Contains(strings.ReplaceAll(string(raw), "1e-05", "0.00001"), want) {
			t.Errorf("saved config %s, want it to hold %s", raw, want)
		}
		var back ModelConfig
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		m2, err := FromConfig(back)
		if err != nil {
			t.Fatalf("center %v scale %v: %v", tc.center, tc.scale, err)
		}
		l2 := m2.Layers[1].(*LayerNormalizationLayer)
		if l2.Center != tc.center || l2.Scale != tc.scale || l2.Epsilon != 1e-5 {
			t.Errorf("loaded %+v, want center %v scale %v epsilon 1e-5", l2, tc.center, tc.scale)
		}
	}
}

func TestLayerNormalizationErrors(t *testing.T) {
	bad := LayerNormalization()
	bad.Epsilon = 0
	if _, err := bad.Build([]int{4}, graph.Float32, nil); err == nil || !strings.Contains(err.Error(), "epsilon must be positive") {
		t.Errorf("epsilon 0: error %v", err)
	}
	raw := `{"name":"m","input":4,"dtype":"float32","layers":[{"type":"LayerNormalization","name":"ln","axis":1,"epsilon":0.001,"center":true,"scale":true}]}`
	var mc ModelConfig
	if err := json.Unmarshal([]byte(raw), &mc); err != nil {
		t.Fatal(err)
	}
	if _, err := FromConfig(mc); err == nil || !strings.Contains(err.Error(), "only the last axis") {
		t.Errorf("axis 1: error %v, want one saying only the last axis is supported", err)
	}
	if _, err := LayerNormalization().Forward(nil, nil); err == nil || !strings.Contains(err.Error(), "not built") {
		t.Errorf("unbuilt: error %v", err)
	}
}
