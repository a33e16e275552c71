package train

import (
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// BenchmarkEpochIris is one Fit epoch of the Iris recipe (cmd/iris):
// Dense(64, relu) → BatchNorm → Dropout(0.5), twice, → Dense(3, softmax),
// Adam 1e-3, batch 8, over the 150 standardised samples. Its steps are
// small enough that per-node costs and the garbage each run leaves
// dominate, which is what the fused BatchNorm and Dropout ops remove:
//
//	go test -run '^$' -bench EpochIris -cpu 1,2 ./train/
//	GRADGRAPH_FUSION=0 go test -run '^$' -bench EpochIris -cpu 1,2 ./train/
func BenchmarkEpochIris(b *testing.B) {
	tr, iris := irisRecipe(b)
	fit := func() {
		if _, err := tr.Fit(iris, FitOptions{Epochs: tr.Epoch() + 1, InitialEpoch: tr.Epoch(), BatchSize: 8, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	fit() // builds the machines
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		fit()
	}
}

// irisRecipe is cmd/iris's model and optimiser, built from seed 1, and the
// 150 standardised samples.
func irisRecipe(tb testing.TB) (*Trainer, data.Source) {
	iris, err := data.Iris()
	if err != nil {
		tb.Fatal(err)
	}
	var sc data.StandardScaler
	if err := sc.FitTransform(iris); err != nil {
		tb.Fatal(err)
	}
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	tr, err := Compile(model, Adam(1e-3), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		tb.Fatal(err)
	}
	return tr, iris
}
