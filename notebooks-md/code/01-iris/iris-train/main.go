// Command iris-train trains the Keras Iris tutorial's network for notebook
// 01-iris, draws its training curves and the distributions of a layer's
// outputs before and after BatchNorm.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

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

	fmt.Println("notebook:section exercise-model") // notebook:hide
	// notebook:begin exercise-model
	// The same model with 32 units per hidden layer: its summary's totals.
	small := nn.Sequential("iris32",
		nn.Dense(32, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(32, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := small.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	summary := strings.Split(strings.TrimSpace(small.Summary()), "\n")
	fmt.Println(strings.Join(summary[len(summary)-3:], "\n"))
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

	fmt.Println("notebook:section gap") // notebook:hide
	// notebook:begin gap
	// The training loss Fit logs is the mean over the epoch's batches, each
	// taken with Dropout on and with the weights of that moment. Evaluate
	// the 96 training rows Fit trained on (the first 80%) with the final
	// weights, Dropout off, as validation is evaluated.
	fitRows, err := data.Slice(trainSet, 0, 96)
	if err != nil {
		return err
	}
	again, err := tr.Evaluate(fitRows, 8)
	if err != nil {
		return err
	}
	best := stop.BestEpoch
	fmt.Printf("epoch %d as logged: loss %.4f, val_loss %.4f\n", best+1, hist.Logs["loss"][best], hist.Logs["val_loss"][best])
	fmt.Printf("the same 96 training rows re-evaluated, Dropout off: loss %.4f\n", again["loss"])
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
	// notebook:end

	// notebook:begin units
	// Per unit j: the mean and deviation over the 120 samples before and
	// after, and where BatchNorm sends the ReLU's zeros:
	// γ_j(0 − m_j)/√(v_j + ε) + β_j with the moving statistics m_j, v_j.
	var zeroImages []float64
	for j := range 64 {
		var a, z []float64
		zero := math.NaN()
		for i := range n {
			a, z = append(a, pre[i*64+j]), append(z, post[i*64+j])
			if pre[i*64+j] == 0 {
				zero = post[i*64+j]
			}
		}
		if !math.IsNaN(zero) {
			zeroImages = append(zeroImages, zero)
		}
		if j < 4 {
			fmt.Printf("unit %d: before mean %.3f sd %.3f, after mean %+.3f sd %.3f; 0 → %+.3f\n", j,
				stat.Mean(a, nil), stat.PopStdDev(a, nil), stat.Mean(z, nil), stat.PopStdDev(z, nil), zero)
		}
	}
	slices.Sort(zeroImages)
	fmt.Printf("%d units output 0 for some sample; 0 maps to %.2f … %.2f, median %.2f\n",
		len(zeroImages), zeroImages[0], zeroImages[len(zeroImages)-1], zeroImages[len(zeroImages)/2])
	// notebook:end
	// notebook:begin plot
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

	fmt.Println("notebook:section exercise-patience") // notebook:hide
	// notebook:begin exercise-patience
	// The same model from the same initial weights, trained again with
	// patience 10 and 20.
	for _, patience := range []int{10, 20} {
		again := nn.Sequential("iris",
			nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
			nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
			nn.Dense(3, nn.Softmax))
		if err := again.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
			return err
		}
		tr, err := train.Compile(again, train.Adam(1e-3),
			train.SparseCategoricalCrossentropy(), train.Accuracy())
		if err != nil {
			return err
		}
		stop := &train.EarlyStopping{Monitor: "val_loss", Patience: patience, RestoreBestWeights: true}
		hist, err := tr.Fit(trainSet, train.FitOptions{Epochs: 100, BatchSize: 8,
			ValidationSplit: 0.2, Seed: 1, Callbacks: []train.Callback{stop}})
		if err != nil {
			return err
		}
		logs, err := tr.Evaluate(testSet, 8)
		if err != nil {
			return err
		}
		fmt.Printf("patience %d: stopped after epoch %d, best epoch %d (val_loss %.4f); test loss %.4f, accuracy %.4f\n",
			patience, len(hist.Epoch), stop.BestEpoch+1, hist.Logs["val_loss"][stop.BestEpoch], logs["loss"], logs["accuracy"])
	}
	// notebook:end
	return nil
}
