package graph

import (
	G "gorgonia.org/gorgonia"

	"math"
	"math/rand"
	"testing"
)

// TestSoftmaxGradCheck checks Softmax's gradient through both paths: after
// a LogSoftmax (probabilities taken from it) and on log-probabilities that
// are a param (exponentiated), against central differences.
func TestSoftmaxGradCheck(t *testing.T) {
	for _, afterLogSoftmax := range []bool{true, false} {
		rng := rand.New(rand.NewSource(6))
		b, _ := NewBuilder(Float64, 3, true)
		z := randParam(t, "z", rng, 0, 3, 5)
		zn, _ := b.Param(z)
		lp := zn
		if afterLogSoftmax {
			lp, _ = LogSoftmax(zn)
		}
		p, err := Softmax(lp)
		if err != nil {
			t.Fatal(err)
		}
		res, err := GradCheck(b, weightedSum(b, p, rng), []*Param{z}, 1e-6, 1)
		if err != nil {
			t.Fatal(err)
		}
		if res.MaxRelErr > 1e-6 {
			t.Errorf("after log-softmax %v: gradient check failed: %v", afterLogSoftmax, res)
		}
	}
}

// TestSoftmaxValues runs Softmax(LogSoftmax(x)) in float32 on logits far
// apart and compares it with a float64 softmax (relative 1e-6), checks
// that each row sums to 1 within 1e-6, and that a second run on new logits
// gives the new probabilities (the cached ones are of the current run).
func TestSoftmaxValues(t *testing.T) {
	rows := [][]float32{{0, 0, 0}, {1000, 0, -5}, {100, 99, 0}, {-1e4, 3, 2}, {1e-3, -1e-3, 0}}
	b, _ := NewBuilder(Float32, len(rows), false)
	in := b.Input("x", len(rows), 3)
	lp, _ := LogSoftmax(in.Node)
	p, err := Softmax(lp)
	if err != nil {
		t.Fatal(err)
	}
	m, err := b.Compile(nil, nil, p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for run := 0; run < 2; run++ {
		for i, r := range rows {
			for j, v := range r {
				in.Float32s()[3*i+j] = v + float32(run*j)
			}
		}
		if err := m.Run(nil); err != nil {
			t.Fatal(err)
		}
		got := m.Output(0).Data().([]float32)
		for i := range rows {
			x := in.Float32s()[3*i : 3*i+3]
			mx := math.Max(float64(x[0]), math.Max(float64(x[1]), float64(x[2])))
			var s, sum float64
			for _, v := range x {
				s += math.Exp(float64(v) - mx)
			}
			for j, v := range x {
				want := math.Exp(float64(v)-mx) / s
				g := float64(got[3*i+j])
				sum += g
				if math.Abs(g-want) > 1e-6*want+1e-30 {
					t.Errorf("run %d row %v: p[%d] = %v, want %v", run, x, j, g, want)
				}
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("run %d row %v: probabilities sum to %v", run, x, sum)
			}
		}
	}
}

func TestLogSoftmaxTwinParity(t *testing.T) {
	rowOpParity(t, perRow, func(b *Builder, x *G.Node) *G.Node { return G.Must(b.LogSoftmax(x)) })
}

func TestSoftmaxTwinParity(t *testing.T) {
	rowOpParity(t, perRow, func(b *Builder, x *G.Node) *G.Node {
		return G.Must(b.Softmax(G.Must(b.LogSoftmax(x))))
	})
}
