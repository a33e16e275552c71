package dashboard_test

import (
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz/dashboard"
)

// A dashboard is a callback: open its URL in a browser while Fit runs to
// watch the curves, then Close it.
func Example() {
	d, err := dashboard.New(dashboard.Options{
		Addr:            "127.0.0.1:0", // a free loopback port; ":6006" for a fixed one
		Hyperparameters: map[string]any{"optimizer": "adam", "learning_rate": 0.01, "batch_size": 16, "epochs": 3},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Close()
	fmt.Println("serving on loopback:", strings.HasPrefix(d.URL(), "http://127.0.0.1:"))

	iris, _ := data.Iris()
	model := nn.Sequential("iris", nn.Dense(16, nn.ReLU), nn.Dense(3, nn.Softmax))
	tr, _ := train.Compile(model, train.Adam(0.01), train.SparseCategoricalCrossentropy(), train.Accuracy())
	_, err = tr.Fit(iris, train.FitOptions{Epochs: 3, BatchSize: 16, ValidationSplit: 0.2, Seed: 1,
		Callbacks: []train.Callback{d}})
	fmt.Println("fit:", err)
	st := d.Stats()
	fmt.Println("batches:", st.Batches, "epochs:", st.Epochs)
	// Output:
	// serving on loopback: true
	// fit: <nil>
	// batches: 24 epochs: 3
}
