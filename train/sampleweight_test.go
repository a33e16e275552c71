package train

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// weightedSetup is a small classifier or regressor and 12 samples of it.
func weightedSetup(t *testing.T, loss Loss) (*Trainer, *data.Dataset) {
	t.Helper()
	out := 3
	act := nn.Softmax
	if _, ok := loss.(MSE); ok {
		act = nn.Linear
	}
	m := nn.Sequential("w", nn.Dense(5, nn.Tanh), nn.Dense(out, act))
	if err := m.Build(2, nn.BuildOptions{Seed: 2, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, 24)
	var y []float32
	tw := 1
	if _, ok := loss.(MSE); ok {
		tw = out
	}
	for i := 0; i < 12; i++ {
		x[2*i], x[2*i+1] = float32(i%5)-2, float32(i%3)*0.5
		if tw == 1 {
			y = append(y, float32(i%3))
		} else {
			y = append(y, float32(i%2), float32(i%3)-1, 0.5)
		}
	}
	var classes []string
	if tw == 1 {
		classes = []string{"a", "b", "c"}
	}
	d, err := data.NewDataset("w", x, 2, y, tw, classes)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, SGD(1e-30), loss)
	if err != nil {
		t.Fatal(err)
	}
	return tr, d
}

// TestSampleWeightsWeighTheLoss: the training loss of one full batch is
// Σ wᵢ·lossᵢ / n, each lossᵢ the sample's own loss (Evaluate on it alone).
func TestSampleWeightsWeighTheLoss(t *testing.T) {
	for _, loss := range []Loss{SparseCategoricalCrossentropy(), MSE{}} {
		tr, d := weightedSetup(t, loss)
		w := []float64{1, 0, 2, 0.5, 3, 1, 1, 0, 0.25, 4, 1, 2}
		want := 0.0
		for i := range w {
			one, err := data.Subset(d, []int{i})
			if err != nil {
				t.Fatal(err)
			}
			logs, err := tr.Evaluate(one, 1)
			if err != nil {
				t.Fatal(err)
			}
			want += w[i] * logs["loss"]
		}
		want /= float64(len(w))
		hist, err := tr.Fit(d, FitOptions{Epochs: 1, BatchSize: 12, NoShuffle: true, SampleWeight: w})
		if err != nil {
			t.Fatal(err)
		}
		if got := hist.Logs["loss"][0]; math.Abs(got-want) > 1e-12*math.Max(1, want) {
			t.Errorf("%s: weighted loss %v, want Σ wᵢ·lossᵢ / n = %v", loss.Name(), got, want)
		}
	}
}

// TestClassWeightIsSampleWeightByLabel: class weights train exactly as the
// sample weights they stand for, bit for bit (sparse targets; one-hot rows
// take their argmax as the class).
func TestClassWeightIsSampleWeightByLabel(t *testing.T) {
	cw := map[int]float64{0: 2, 2: 0.5} // class 1 weighs 1
	run := func(opt FitOptions) [][]float64 {
		tr, d := weightedSetup(t, SparseCategoricalCrossentropy())
		tr.Optimizer = SGD(0.1)
		opt.Epochs, opt.BatchSize, opt.Seed = 3, 4, 1
		if _, err := tr.Fit(d, opt); err != nil {
			t.Fatal(err)
		}
		return tr.snapshotWeights()
	}
	sw := make([]float64, 12)
	for i := range sw {
		sw[i] = map[int]float64{0: 2, 1: 1, 2: 0.5}[i%3]
	}
	byClass, bySample, plain := run(FitOptions{ClassWeight: cw}), run(FitOptions{SampleWeight: sw}), run(FitOptions{})
	if !reflect.DeepEqual(byClass, bySample) {
		t.Error("class weights train differently from the equal sample weights")
	}
	if reflect.DeepEqual(byClass, plain) {
		t.Error("class weights changed nothing")
	}
	ones := make([]float64, 12)
	for i := range ones {
		ones[i] = 1
	}
	if !reflect.DeepEqual(run(FitOptions{SampleWeight: ones}), plain) {
		t.Error("weights of 1 train differently from no weights")
	}
}

func TestWeightErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		loss Loss
		opt  FitOptions
		want string
	}{
		{"short", SparseCategoricalCrossentropy(), FitOptions{SampleWeight: []float64{1, 2}}, "2 sample weights for 12 samples"},
		{"negative", SparseCategoricalCrossentropy(), FitOptions{SampleWeight: []float64{1, 1, -1, 1, 1, 1, 1, 1, 1, 1, 1, 1}}, "sample 2 has weight -1"},
		{"NaN", SparseCategoricalCrossentropy(), FitOptions{SampleWeight: []float64{1, 1, 1, math.NaN(), 1, 1, 1, 1, 1, 1, 1, 1}}, "sample 3 has weight NaN"},
		{"class out of range", SparseCategoricalCrossentropy(), FitOptions{ClassWeight: map[int]float64{3: 1}}, "class 3; the model has classes 0..2"},
		{"class weight infinite", SparseCategoricalCrossentropy(), FitOptions{ClassWeight: map[int]float64{1: math.Inf(1)}}, "class 1 has weight +Inf"},
		{"class weight for MSE", MSE{}, FitOptions{ClassWeight: map[int]float64{0: 1}}, "cross-entropy"},
	} {
		tr, d := weightedSetup(t, tc.loss)
		tc.opt.Epochs, tc.opt.BatchSize = 1, 4
		if _, err := tr.Fit(d, tc.opt); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}
