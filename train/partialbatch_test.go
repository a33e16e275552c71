package train

import (
	"math"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
)

// The graph built for a short last batch must give the gradient of the
// mean loss over its own samples: the same as a full-size batch holding
// those samples repeated, whose mean loss is identical.
func TestPartialBatchGradientMatchesRepeatedFullBatch(t *testing.T) {
	src := blobs(16, 4)
	m := nn.Sequential("m", nn.Dense(12, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	tr, _ := Compile(m, SGD(0.1), SparseCategoricalCrossentropy())
	grads := func(idx []int) ([][]float64, float64) {
		s, err := tr.stepFor(len(idx), true)
		if err != nil {
			t.Fatal(err)
		}
		loss, err := tr.run(s, src, idx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var g [][]float64
		for i := range s.params {
			var row []float64
			for _, v := range s.m.Grad(i).Data().([]float32) {
				row = append(row, float64(v))
			}
			g = append(g, row)
		}
		return g, loss
	}
	short := seq(0, 16)
	var repeated []int
	for r := 0; r < 8; r++ {
		repeated = append(repeated, short...)
	}
	gs, ls := grads(short)
	gr, lr := grads(repeated)
	if math.Abs(ls-lr) > 1e-6 {
		t.Errorf("loss over 16 samples %v, over them repeated 8 times %v", ls, lr)
	}
	for i := range gs {
		for j := range gs[i] {
			if math.Abs(gs[i][j]-gr[i][j]) > 1e-6*math.Max(1, math.Abs(gr[i][j])) {
				t.Fatalf("param %d[%d]: gradient %v from the 16-sample graph, %v from the 128-sample graph", i, j, gs[i][j], gr[i][j])
			}
		}
	}
}
