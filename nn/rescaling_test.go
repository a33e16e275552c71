package nn

import (
	"math"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// TestRescalingExact: x·scale + offset on a hand-made 2×2 image, in
// training and inference alike, in float32 and float64: 0 51 255 128 at
// scale ½, offset −1 is −1 24.5 126.5 63 exactly; at Keras's 1/255 each
// value is the product with 1/255 rounded to the graph's type, then
// rounded again, as Keras casts the scale to the layer's dtype: in
// float32, 51·float32(1/255) is 0.20000002, one unit above 51/255
// rounded.
func TestRescalingExact(t *testing.T) {
	img := []float64{0, 51, 255, 128}
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		keras := make([]float64, len(img)) // x·scale in the graph's type
		for i, v := range img {
			if dt == graph.Float32 {
				keras[i] = float64(float32(v) * float32(1.0/255))
			} else {
				keras[i] = v * (1.0 / 255)
			}
		}
		for _, c := range []struct {
			name          string
			scale, offset float64
			want          []float64
		}{
			{"½, −1", 0.5, -1, []float64{-1, 24.5, 126.5, 63}},
			{"1/255, 0", 1.0 / 255, 0, keras},
			{"1, 0: the identity", 1, 0, img},
			{"-2, 3", -2, 3, []float64{3, -99, -507, -253}},
		} {
			for _, training := range []bool{true, false} {
				got := applyLayer(t, Rescaling(c.scale, c.offset), dt, training, []int{2, 2, 1}, img, 1)
				if !sameValues(got, c.want) {
					t.Errorf("%s %v training %v: %v, want %v", c.name, dt, training, got, c.want)
				}
			}
		}
		if dt == graph.Float32 && keras[1] != float64(math.Nextafter32(0.2, 1)) {
			t.Errorf("float32 51·(1/255) = %v, want one unit above 0.2 rounded to float32", keras[1])
		}
	}
}

// TestRescalingLeavesItsInputAlone: a model that uses its input raw beside
// a Rescaling of it gets the raw values (Gorgonia may compute a product in
// place, and the scaled values must not land in the input's tensor).
func TestRescalingLeavesItsInputAlone(t *testing.T) {
	x := Input("x", 3)
	out := must(t, Call(Concatenate(-1), must(t, Call(Rescaling(2, 1), x)), x))
	m, err := NewModel("m", []*Tensor{x}, []*Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(BuildOptions{DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	got := runGraph(t, m, 2, []float64{1, 2, 3, -1, 0, 0.5})[0]
	want := []float64{3, 5, 7, 1, 2, 3, -1, 1, 2, -1, 0, 0.5}
	if !sameValues(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
