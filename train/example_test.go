package train_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// The Keras workflow: compile with an optimiser, a loss and metrics, fit
// with a validation split and early stopping, then evaluate and predict.
func Example() {
	iris, err := data.Iris()
	if err != nil {
		fmt.Println(err)
		return
	}
	trainSet, testSet, _ := data.TrainTestSplit(iris, 0.2, 42, true)
	var scaler data.StandardScaler
	_ = scaler.FitTransform(trainSet)
	_ = scaler.Transform(testSet)

	model := nn.Sequential("iris", nn.Dense(16, nn.ReLU), nn.Dense(3, nn.Softmax))
	_ = model.Build(4, nn.BuildOptions{Seed: 1})
	tr, _ := train.Compile(model, train.Adam(0.01), train.SparseCategoricalCrossentropy(), train.Accuracy())
	stop := &train.EarlyStopping{Monitor: "val_loss", Patience: 5, RestoreBestWeights: true}
	hist, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: 50, BatchSize: 8, ValidationSplit: 0.2, Seed: 1,
		Callbacks: []train.Callback{stop},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("history keys:", hist.Keys)
	logs, _ := tr.Evaluate(testSet, 32)
	fmt.Printf("test accuracy: %.2f\n", logs["accuracy"])
	probs, _ := tr.Predict(testSet, 32)
	fmt.Println("first prediction:", train.Argmax(probs)[0], "true:", testSet.Label(0))
	// Output:
	// history keys: [loss accuracy val_loss val_accuracy]
	// test accuracy: 1.00
	// first prediction: 0 true: 0
}

// A callback made of closures sees every epoch's logs; StopTraining ends the
// run after the current epoch.
func ExampleCallbackFuncs() {
	iris, _ := data.Iris()
	model := nn.Sequential("tiny", nn.Dense(3, nn.Softmax))
	tr, _ := train.Compile(model, train.SGD(0.01), train.SparseCategoricalCrossentropy())
	cb := train.CallbackFuncs{EpochEnd: func(t *train.Trainer, epoch int, logs train.Logs) error {
		fmt.Printf("epoch %d done\n", epoch+1)
		if epoch == 1 {
			t.StopTraining()
		}
		return nil
	}}
	_, err := tr.Fit(iris, train.FitOptions{Epochs: 10, BatchSize: 50, Callbacks: []train.Callback{cb}})
	fmt.Println(err)
	// Output:
	// epoch 1 done
	// epoch 2 done
	// <nil>
}
