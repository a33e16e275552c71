package nn

import (
	"math"
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// forward runs layers on x (rows of equal width) in a fresh graph and returns
// each layer's output, row-major.
func forward(t *testing.T, dt tensor.Dtype, training bool, x [][]float64, layers ...Layer) [][]float64 {
	t.Helper()
	b, err := graph.NewBuilder(dt, len(x), training)
	if err != nil {
		t.Fatal(err)
	}
	in := b.Input("x", len(x), len(x[0]))
	flat := make([]float32, 0, len(x)*len(x[0]))
	for _, r := range x {
		for _, v := range r {
			flat = append(flat, float32(v))
		}
	}
	if dt == graph.Float64 {
		d := in.Tensor.Data().([]float64)
		for i, r := range x {
			copy(d[i*len(r):], r)
		}
	} else if err := in.Set(flat); err != nil {
		t.Fatal(err)
	}
	var outs []*G.Node
	n := in.Node
	for _, l := range layers {
		if n, err = l.Forward(b, n); err != nil {
			t.Fatal(err)
		}
		outs = append(outs, n)
	}
	m, err := b.Compile(nil, nil, outs...)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.Run(rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	if err := m.Commit(); err != nil { // the step is accepted: BatchNorm folds
		t.Fatal(err)
	}
	res := make([][]float64, len(outs))
	for i := range outs {
		switch d := m.Output(i).Data().(type) {
		case []float32:
			for _, v := range d {
				res[i] = append(res[i], float64(v))
			}
		case []float64:
			res[i] = append(res[i], d...)
		}
	}
	return res
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

// The seed tutorial's worked example: Dense+ReLU then BatchNorm in training mode.
func TestWorkedExampleDenseBatchNorm(t *testing.T) {
	x := [][]float64{{1, 2, 3}, {4, 5, 6}}
	d := Dense(4, ReLU)
	bn := BatchNorm()
	m := Sequential("worked", d, bn)
	if err := m.Build(3, BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	if err := d.Kernel.SetFloat64s([]float64{.1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.1, 1.2}); err != nil {
		t.Fatal(err)
	}
	if err := d.Bias.SetFloat64s([]float64{.1, .2, .3, .4}); err != nil {
		t.Fatal(err)
	}
	out := forward(t, graph.Float64, true, x, d, bn)
	wantA := []float64{3.9, 4.6, 5.3, 6.0, 8.4, 10.0, 11.6, 13.2}
	for i, w := range wantA {
		if !near(out[0][i], w, 1e-12) {
			t.Errorf("A[%d] = %v, want %v", i, out[0][i], w)
		}
	}
	mean := []float64{6.15, 7.3, 8.45, 9.6}
	variance := []float64{5.0625, 7.29, 9.9225, 12.96}
	for j := range mean {
		// One training step folds the batch statistics into the moving
		// averages with weight 0.01, which lets the test read them back.
		if got, want := bn.MovingMean.At(j), 0.01*mean[j]; !near(got, want, 1e-12) {
			t.Errorf("moving mean[%d] = %v, want 0.01·%v", j, got, mean[j])
		}
		if got, want := bn.MovingVariance.At(j), 0.99+0.01*variance[j]; !near(got, want, 1e-12) {
			t.Errorf("moving variance[%d] = %v, want 0.99+0.01·%v", j, got, variance[j])
		}
		for i, sign := range []float64{-1, 1} {
			want := sign * math.Sqrt(variance[j]) / math.Sqrt(variance[j]+1e-3)
			if got := out[1][i*4+j]; !near(got, want, 1e-12) || !near(got, sign, 1e-3) {
				t.Errorf("Y[%d][%d] = %v, want %v (≈ %v to epsilon's precision)", i, j, got, want, sign)
			}
		}
	}
}

func TestBatchNormInferenceUsesMovingStatistics(t *testing.T) {
	bn := BatchNorm()
	if err := Sequential("m", bn).Build(2, BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	_ = bn.MovingMean.SetFloat64s([]float64{1, -2})
	_ = bn.MovingVariance.SetFloat64s([]float64{4, 0.25})
	_ = bn.Gamma.SetFloat64s([]float64{2, 3})
	_ = bn.Beta.SetFloat64s([]float64{0.5, -1})
	out := forward(t, graph.Float64, false, [][]float64{{3, 0}, {1, -2}}, bn)[0]
	want := []float64{
		2*(3-1)/math.Sqrt(4.001) + 0.5, 3*(0+2)/math.Sqrt(0.251) - 1,
		0.5, -1,
	}
	for i := range want {
		if !near(out[i], want[i], 1e-12) {
			t.Errorf("y[%d] = %v, want %v", i, out[i], want[i])
		}
	}
	if bn.MovingMean.At(0) != 1 || bn.MovingVariance.At(1) != 0.25 {
		t.Errorf("inference changed the moving statistics: %v %v", bn.MovingMean.Float64s(), bn.MovingVariance.Float64s())
	}
}

func TestDropoutScalesSurvivorsAndIsIdentityInInference(t *testing.T) {
	x := make([][]float64, 50)
	for i := range x {
		x[i] = make([]float64, 40)
		for j := range x[i] {
			x[i][j] = 1
		}
	}
	for _, rate := range []float64{0.2, 0.5} {
		d := Dropout(rate)
		if err := Sequential("m", d).Build(40, BuildOptions{}); err != nil {
			t.Fatal(err)
		}
		out := forward(t, graph.Float32, true, x, d)[0]
		zeros := 0
		for _, v := range out {
			switch {
			case v == 0:
				zeros++
			case !near(v, 1/(1-rate), 1e-6):
				t.Fatalf("rate %v: survivor scaled to %v, want %v", rate, v, 1/(1-rate))
			}
		}
		// 2000 Bernoulli draws: the dropped share is within 4 standard errors.
		share := float64(zeros) / float64(len(out))
		if se := math.Sqrt(rate * (1 - rate) / float64(len(out))); math.Abs(share-rate) > 4*se {
			t.Errorf("rate %v: dropped %.3f of inputs", rate, share)
		}
		for i, v := range forward(t, graph.Float32, false, x, d)[0] {
			if v != 1 {
				t.Fatalf("rate %v: inference output[%d] = %v, want 1", rate, i, v)
			}
		}
	}
}

func TestSoftmaxExtremeLogitsFloat32(t *testing.T) {
	x := [][]float64{{1000, 0, -1000}, {0, 0, 0}, {-1000, 1000, 0}, {1, 2, 3}}
	a := Act(Softmax)
	if err := Sequential("m", a).Build(3, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	p := forward(t, graph.Float32, false, x, a)[0]
	e := math.Exp
	s := e(1) + e(2) + e(3)
	want := []float64{1, 0, 0, 1. / 3, 1. / 3, 1. / 3, 0, 1, 0, e(1) / s, e(2) / s, e(3) / s}
	for i := range want {
		if math.IsNaN(p[i]) || !near(p[i], want[i], 1e-6) {
			t.Errorf("softmax[%d] = %v, want %v", i, p[i], want[i])
		}
	}
}

func TestActivationsExtremeInputsFloat32(t *testing.T) {
	x := [][]float64{{-1000, -1, 0, 1, 1000}}
	cases := []struct {
		act  Activation
		want []float64
	}{
		{ReLU, []float64{0, 0, 0, 1, 1000}},
		{Sigmoid, []float64{0, 1 / (1 + math.E), 0.5, 1 / (1 + math.Exp(-1)), 1}},
		{Tanh, []float64{-1, math.Tanh(-1), 0, math.Tanh(1), 1}},
		{Linear, []float64{-1000, -1, 0, 1, 1000}},
		{ELU, []float64{-1, math.Exp(-1) - 1, 0, 1, 1000}},
		{LogSoftmaxActivation, []float64{-2000, -1001, -1000, -999, 0}},
	}
	for _, c := range cases {
		a := Act(c.act)
		if err := Sequential("m", a).Build(5, BuildOptions{}); err != nil {
			t.Fatal(err)
		}
		got := forward(t, graph.Float32, false, x, a)[0]
		for i := range c.want {
			if math.IsNaN(got[i]) || !near(got[i], c.want[i], 1e-6) {
				t.Errorf("%s(%v) = %v, want %v", c.act.Name(), x[0][i], got[i], c.want[i])
			}
		}
	}
}

func TestActivationByName(t *testing.T) {
	for _, n := range []string{"linear", "relu", "sigmoid", "tanh", "softmax", "ReLU"} {
		if a, err := ActivationByName(n); err != nil || a.Name() == "" {
			t.Errorf("ActivationByName(%q) = %v, %v", n, a.Name(), err)
		}
	}
	if _, err := ActivationByName("swish"); err == nil {
		t.Error("ActivationByName(\"swish\") gave no error")
	}
}
