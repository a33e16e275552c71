package nn

import (
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
)

func TestBuildErrorsNameTheLayer(t *testing.T) {
	cases := []struct {
		name   string
		layers []Layer
		in     int
		want   string
	}{
		{"zero units", []Layer{Dense(8, ReLU), Dense(0, Linear)}, 4, `dense "dense_1": units must be positive, got 0`},
		{"negative units", []Layer{Dense(-2, ReLU)}, 4, `dense "dense": units must be positive, got -2`},
		{"dropout rate 1", []Layer{Dense(8, ReLU), Dropout(1)}, 4, `dropout "dropout": rate must be in [0, 1), got 1`},
		{"dropout rate negative", []Layer{Dropout(-0.1)}, 4, "rate must be in [0, 1)"},
		{"batchnorm momentum", []Layer{&BatchNormLayer{Momentum: 1.5, Epsilon: 1e-3}}, 4, "momentum must be in [0, 1]"},
		{"no layers", nil, 4, "no layers"},
		{"no input features", []Layer{Dense(3, Linear)}, 0, "input must have at least one feature"},
		{"nil layer", []Layer{Dense(3, Linear), nil}, 4, "layer 1 is nil"},
		{"duplicate names", []Layer{named(Dense(3, ReLU), "d"), named(Dense(3, ReLU), "d")}, 4, `two layers are named "d"`},
	}
	for _, c := range cases {
		err := Sequential("m", c.layers...).Build(c.in, BuildOptions{})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func named(l Layer, n string) Layer { l.SetName(n); return l }

func TestForwardRejectsWrongInputWidth(t *testing.T) {
	m := Sequential("m", Dense(3, ReLU))
	if err := m.Build(4, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	b, _ := graph.NewBuilder(graph.Float32, 2, false)
	x := b.Input("x", 2, 5)
	if _, err := m.Forward(b, x.Node); err == nil || !strings.Contains(err.Error(), "input has shape (2, 5), want (batch, 4)") {
		t.Errorf("error %v", err)
	}
	if _, err := m.Layers[0].Forward(b, x.Node); err == nil || !strings.Contains(err.Error(), `dense "dense": input has shape (2, 5), want (batch, 4)`) {
		t.Errorf("layer error %v", err)
	}
}

func TestSequentialNamesAndInit(t *testing.T) {
	d0, d1, bn := Dense(5, ReLU), Dense(2, Softmax), BatchNorm()
	m := Sequential("m", d0, bn, Dropout(0.1), d1, Act(Tanh))
	got := []string{}
	for _, l := range m.Layers {
		got = append(got, l.Name())
	}
	if strings.Join(got, " ") != "dense batch_normalization dropout dense_1 activation" {
		t.Errorf("names %v", got)
	}
	if err := m.Build(3, BuildOptions{Seed: 4}); err != nil {
		t.Fatal(err)
	}
	// Glorot-uniform limit √(6/(3+5)) ≈ 0.866; biases, beta and the moving
	// mean start at 0, gamma and the moving variance at 1.
	limit := 0.8660254037844386
	for i := 0; i < d0.Kernel.Size(); i++ {
		if v := d0.Kernel.At(i); v < -limit || v > limit || v == 0 {
			t.Errorf("kernel[%d] = %v outside (−%v, %v)", i, v, limit, limit)
		}
	}
	for i := 0; i < 5; i++ {
		if d0.Bias.At(i) != 0 || bn.Beta.At(i) != 0 || bn.MovingMean.At(i) != 0 || bn.Gamma.At(i) != 1 || bn.MovingVariance.At(i) != 1 {
			t.Errorf("feature %d: initial values bias %v beta %v mean %v gamma %v var %v", i,
				d0.Bias.At(i), bn.Beta.At(i), bn.MovingMean.At(i), bn.Gamma.At(i), bn.MovingVariance.At(i))
		}
	}
	if len(m.Trainable()) != 6 || len(m.Params()) != 8 {
		t.Errorf("%d trainable of %d params, want 6 of 8", len(m.Trainable()), len(m.Params()))
	}
	again := Sequential("m", Dense(5, ReLU))
	_ = again.Build(3, BuildOptions{Seed: 4})
	if again.Layers[0].Params()[0].At(0) != d0.Kernel.At(0) {
		t.Error("same seed gave different initial weights")
	}
}
