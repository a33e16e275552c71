package nn

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// Values read from a training tape must be the forward values even though
// the backward pass runs in the same tape and reuses memory in place. Read
// late, BatchNorm's batch mean came back halved.
func TestBatchStatisticsSurviveTheBackwardPass(t *testing.T) {
	d := Dense(4, ReLU)
	bn := BatchNorm()
	m := Sequential("worked", d, bn, Dense(2, Softmax))
	if err := m.Build(3, BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	_ = d.Kernel.SetFloat64s([]float64{.1, .2, .3, .4, .5, .6, .7, .8, .9, 1, 1.1, 1.2})
	_ = d.Bias.SetFloat64s([]float64{.1, .2, .3, .4})
	b, _ := graph.NewBuilder(graph.Float64, 2, true)
	x := b.Input("x", 2, 3)
	_ = x.Set([]float32{1, 2, 3, 4, 5, 6})
	out, err := m.Forward(b, x.Node)
	if err != nil {
		t.Fatal(err)
	}
	loss := G.Must(G.Sum(G.Must(G.Square(out))))
	mc, err := b.Compile(loss, m.Trainable())
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.Run(nil); err != nil {
		t.Fatal(err)
	}
	if err := mc.Commit(); err != nil {
		t.Fatal(err)
	}
	mean := []float64{6.15, 7.3, 8.45, 9.6}
	variance := []float64{5.0625, 7.29, 9.9225, 12.96}
	for j := range mean {
		if got := bn.MovingMean.At(j); !near(got, 0.01*mean[j], 1e-12) {
			t.Errorf("moving mean[%d] = %v, want 0.01·%v", j, got, mean[j])
		}
		if got := bn.MovingVariance.At(j); !near(got, 0.99+0.01*variance[j], 1e-12) {
			t.Errorf("moving variance[%d] = %v, want 0.99+0.01·%v", j, got, variance[j])
		}
	}
}

func TestTrainingOutputsSurviveTheBackwardPass(t *testing.T) {
	model := func() *Model {
		m := Sequential("m", Dense(8, ReLU), BatchNorm(), Dropout(0.3), Dense(8, Tanh), Dense(3, Softmax))
		if err := m.Build(4, BuildOptions{Seed: 2, DType: graph.Float64}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	run := func(withGrad bool) []float64 {
		m := model()
		b, _ := graph.NewBuilder(graph.Float64, 5, true)
		x := b.Input("x", 5, 4)
		for i, d := 0, x.Tensor.Data().([]float64); i < len(d); i++ {
			d[i] = float64(i%7) - 3
		}
		out, err := m.Forward(b, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		var mc *graph.Machine
		if withGrad {
			mc, err = b.Compile(G.Must(G.Sum(G.Must(G.Square(out)))), m.Trainable(), out)
		} else {
			mc, err = b.Compile(nil, nil, out)
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := mc.Run(rand.New(rand.NewSource(9))); err != nil {
			t.Fatal(err)
		}
		return append([]float64(nil), mc.Output(0).Data().([]float64)...)
	}
	fwd, both := run(false), run(true)
	for i := range fwd {
		if fwd[i] != both[i] {
			t.Fatalf("output[%d] = %v after a backward pass, %v forward only", i, both[i], fwd[i])
		}
	}
}
