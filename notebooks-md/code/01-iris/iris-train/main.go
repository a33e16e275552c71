// Command iris-train trains the Keras Iris tutorial's network for notebook
// 01-iris, draws its training curves and the distributions of a layer's
// outputs before and after BatchNorm.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

func main() {
	img := flag.String("img", "out/notebooks/01-iris", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

func run(img string) error {
	iris, err := data.Iris()
	if err != nil {
		return err
	}
	trainSet, testSet, err := data.TrainTestSplit(iris, 0.2, 42, true)
	if err != nil {
		return err
	}
	var scaler data.StandardScaler
	if err := scaler.FitTransform(trainSet); err != nil {
		return err
	}
	if err := scaler.Transform(testSet); err != nil {
		return err
	}

	fmt.Println("notebook:section model") // notebook:hide
	// notebook:begin model
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(model.Summary())
	// notebook:end

	fmt.Println("notebook:section fit") // notebook:hide
	// notebook:begin fit
	tr, err := train.Compile(model, train.Adam(1e-3),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	stop := &train.EarlyStopping{Monitor: "val_loss", Patience: 10,
		RestoreBestWeights: true, Verbose: os.Stdout}
	hist, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: 100, BatchSize: 8, ValidationSplit: 0.2, Seed: 1,
		Callbacks: []train.Callback{stop}, Progress: os.Stdout,
	})
	if err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section evaluate") // notebook:hide
	// notebook:begin evaluate
	logs, err := tr.Evaluate(testSet, 8)
	if err != nil {
		return err
	}
	fmt.Printf("test loss %.4f, test accuracy %.4f\n", logs["loss"], logs["accuracy"])

	probs, err := tr.Predict(testSet, 8)
	if err != nil {
		return err
	}
	predicted := train.Argmax(probs)
	for i := range 5 {
		fmt.Printf("test flower %d: probabilities %.3f → %s (true: %s)\n", i, probs[i],
			iris.Classes[predicted[i]], iris.Classes[testSet.Label(i)])
	}
	// The tutorial's cross-check, accuracy_score(y_test, argmax(predict)):
	// count the argmax predictions equal to the labels.
	correct := 0
	for i, c := range predicted {
		if c == testSet.Label(i) {
			correct++
		}
	}
	fmt.Printf("accuracy_score: %d of %d = %.4f (Evaluate: %.4f)\n", correct, len(predicted),
		float64(correct)/float64(len(predicted)), logs["accuracy"])
	// notebook:end
	// notebook:begin curves
	err = viz.TrainingCurves(filepath.Join(img, "curves.png"), viz.Curves{
		Title:     "Iris: Dense(64)-BN-Dropout ×2, Adam 1e-3, batch 8",
		Series:    hist.Logs,
		BestEpoch: stop.BestEpoch + 1,
	})
	if err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section batchnorm") // notebook:hide
	// notebook:begin batchnorm
	// Run the training inputs through the first two layers of the trained
	// model: Dense(64, relu), then BatchNorm, in inference mode.
	n := trainSet.Len()
	b, err := graph.NewBuilder(graph.Float32, n, false)
	if err != nil {
		return err
	}
	x := b.Input("x", n, 4)
	if err := x.Set(trainSet.X); err != nil {
		return err
	}
	before, err := model.Layers[0].Forward(b, x.Node)
	if err != nil {
		return err
	}
	after, err := model.Layers[1].Forward(b, before)
	if err != nil {
		return err
	}
	m, err := b.Compile(nil, nil, before, after)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return err
	}
	values := func(i int) []float64 {
		var v []float64
		for _, f := range m.Output(i).Data().([]float32) {
			v = append(v, float64(f))
		}
		return v
	}
	pre, post := values(0), values(1)
	fmt.Printf("%d values each (%d samples × 64 units)\n", len(pre), n)
	err = viz.Histograms(filepath.Join(img, "batchnorm.png"),
		"Iris: outputs of the first Dense(64, relu) before and after BatchNorm",
		[]viz.NamedSeries{
			{Name: "before BatchNorm", Values: pre},
			{Name: "after BatchNorm", Values: post},
		}, 40)
	if err != nil {
		return err
	}
	// notebook:end
	return nil
}
