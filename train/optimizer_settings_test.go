package train

import (
	"math"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// TestOptimizerSettingsAreValidated checks every setting's range: Validate
// names the setting and the range, Compile refuses the optimiser, and
// Update (for an optimiser changed after Compile) returns the error
// without touching the weights.
func TestOptimizerSettingsAreValidated(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	sgdMom := func(m float64) Optimizer { o := SGD(0.1); o.Momentum = m; return o }
	adam := func(f func(o *AdamOptimizer)) Optimizer { o := Adam(1e-3); f(o); return o }
	rms := func(f func(o *RMSpropOptimizer)) Optimizer { o := RMSprop(1e-3); f(o); return o }
	for _, c := range []struct {
		name string
		opt  Optimizer
		want string // "" for a valid setting
	}{
		{"SGD lr 0.01", SGD(0.01), ""},
		{"SGD lr huge but finite", SGD(3e38), ""},
		{"SGD lr 0", SGD(0), "SGD: learning rate 0 must be finite and > 0"},
		{"SGD lr -1", SGD(-1), "SGD: learning rate -1 must be finite and > 0"},
		{"SGD lr NaN", SGD(nan), "SGD: learning rate NaN must be finite and > 0"},
		{"SGD lr +Inf", SGD(inf), "SGD: learning rate +Inf must be finite and > 0"},
		{"SGD momentum 0.9", sgdMom(0.9), ""},
		{"SGD momentum 1", sgdMom(1), ""},
		{"SGD momentum 1.5", sgdMom(1.5), "SGD: momentum 1.5 must be in [0, 1]"},
		{"SGD momentum -0.1", sgdMom(-0.1), "SGD: momentum -0.1 must be in [0, 1]"},
		{"SGD momentum NaN", sgdMom(nan), "SGD: momentum NaN must be in [0, 1]"},
		{"Adam defaults", Adam(1e-3), ""},
		{"Adam lr -1e-3", Adam(-1e-3), "Adam: learning rate -0.001 must be finite and > 0"},
		{"Adam beta_1 0", adam(func(o *AdamOptimizer) { o.Beta1 = 0 }), ""},
		{"Adam beta_1 1", adam(func(o *AdamOptimizer) { o.Beta1 = 1 }), "Adam: beta_1 1 must be in [0, 1)"},
		{"Adam beta_1 -0.1", adam(func(o *AdamOptimizer) { o.Beta1 = -0.1 }), "Adam: beta_1 -0.1 must be in [0, 1)"},
		{"Adam beta_2 1", adam(func(o *AdamOptimizer) { o.Beta2 = 1 }), "Adam: beta_2 1 must be in [0, 1)"},
		{"Adam beta_2 NaN", adam(func(o *AdamOptimizer) { o.Beta2 = nan }), "Adam: beta_2 NaN must be in [0, 1)"},
		{"Adam epsilon 0", adam(func(o *AdamOptimizer) { o.Epsilon = 0 }), "Adam: epsilon 0 must be finite and > 0"},
		{"Adam epsilon -1e-7", adam(func(o *AdamOptimizer) { o.Epsilon = -1e-7 }), "Adam: epsilon -1e-07 must be finite and > 0"},
		{"Adam epsilon +Inf", adam(func(o *AdamOptimizer) { o.Epsilon = inf }), "Adam: epsilon +Inf must be finite and > 0"},
		{"RMSprop defaults", RMSprop(1e-3), ""},
		{"RMSprop lr NaN", RMSprop(nan), "RMSprop: learning rate NaN must be finite and > 0"},
		{"RMSprop rho 0", rms(func(o *RMSpropOptimizer) { o.Rho = 0 }), ""},
		{"RMSprop rho 1", rms(func(o *RMSpropOptimizer) { o.Rho = 1 }), "RMSprop: rho 1 must be in [0, 1)"},
		{"RMSprop rho -0.5", rms(func(o *RMSpropOptimizer) { o.Rho = -0.5 }), "RMSprop: rho -0.5 must be in [0, 1)"},
		{"RMSprop epsilon -1", rms(func(o *RMSpropOptimizer) { o.Epsilon = -1 }), "RMSprop: epsilon -1 must be finite and > 0"},
		{"RMSprop epsilon NaN", rms(func(o *RMSpropOptimizer) { o.Epsilon = nan }), "RMSprop: epsilon NaN must be finite and > 0"},
	} {
		err := c.opt.(interface{ Validate() error }).Validate()
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: Validate: %v, want no error", c.name, err)
			}
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: Validate: %v, want an error starting %q", c.name, err, c.want)
		}
		m := nn.Sequential("m", nn.Dense(2, nn.Softmax))
		if err := m.Build(3, nn.BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(m, c.opt, SparseCategoricalCrossentropy()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Compile: %v, want an error containing %q", c.name, err, c.want)
		}
		p, _ := graph.NewParam("w", graph.Float32, true, 2)
		_ = p.SetFloat64s([]float64{1, 2})
		g := tensor.New(tensor.WithShape(2), tensor.WithBacking([]float32{0.5, 0}))
		if err := c.opt.Update([]*graph.Param{p}, []*tensor.Dense{g}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Update: %v, want an error containing %q", c.name, err, c.want)
		}
		if w := p.Float64s(); w[0] != 1 || w[1] != 2 {
			t.Errorf("%s: Update changed the weights to %v", c.name, w)
		}
	}
}
