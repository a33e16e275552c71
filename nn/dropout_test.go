package nn

import (
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// TestDropoutScaleFloat64IsExact checks that a float64 graph scales the
// survivors by 1/(1−rate) computed in float64, not by that value rounded
// to float32 first: for rate 0.3 the two differ (1/0.7 is not a float32),
// and float32 graphs get the float64 value rounded once.
func TestDropoutScaleFloat64IsExact(t *testing.T) {
	const rate = 0.3
	x := make([][]float64, 20)
	for i := range x {
		x[i] = []float64{1, 1, 1, 1, 1}
	}
	d := Dropout(rate)
	if err := Sequential("m", d).Build(5, BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		dt   tensor.Dtype
		want float64
	}{
		{graph.Float64, 1 / (1 - rate)},
		{graph.Float32, float64(float32(1 / (1 - rate)))},
	} {
		kept := 0
		for i, v := range forward(t, tc.dt, true, x, d)[0] {
			if v == 0 {
				continue
			}
			kept++
			if v != tc.want {
				t.Fatalf("%v: survivor %d scaled to %.17g, want %.17g", tc.dt, i, v, tc.want)
			}
		}
		if kept == 0 {
			t.Fatalf("%v: every input dropped", tc.dt)
		}
	}
}
