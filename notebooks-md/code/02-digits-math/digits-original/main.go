// Command digits-original trains the digits network with the NumPy
// tutorial's own settings (raw 0–16 pixels, uniform(−1, 1) weights,
// learning rate 0.01) for notebook 02-digits-math, to show why gradgraph's
// recipe changes them.
package main

import (
	"errors"
	"fmt"
	"log"
	"math"
	"math/rand"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	// notebook:begin init
	fmt.Println("-- uniform(−1, 1) weights, lr 0.01, raw pixels") // notebook:hide
	// The raw pixel counts 0..16: no division by 16.
	digits, err := data.Digits()
	if err != nil {
		return err
	}
	trainSet, testSet, err := data.TrainTestSplit(digits, 0.3, 123, false)
	if err != nil {
		return err
	}
	model := nn.Sequential("original", nn.Dense(100, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(64, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	// The tutorial's initialisation: every weight uniform in (−1, 1).
	rng := rand.New(rand.NewSource(1))
	for _, layer := range []*nn.DenseLayer{model.Layers[0].(*nn.DenseLayer), model.Layers[1].(*nn.DenseLayer)} {
		for i := range layer.Kernel.Size() {
			layer.Kernel.SetAt(i, float64(2*rng.Float64())-1)
		}
	}
	// notebook:end

	// notebook:begin naive
	// The loss at the initial weights, computed as the tutorial does: the
	// softmax first, then −log p[label]. The logits reach the hundreds
	// (64 pixels of up to 16 times weights of up to 1), e^z overflows or
	// the label's p rounds to 0, and log 0 = −inf.
	tr, err := train.Compile(model, train.SGD(0.01), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	p, err := tr.Predict(trainSet, trainSet.Len())
	if err != nil {
		return err
	}
	naive, zeros := 0.0, 0
	for i, row := range p {
		pl := float64(row[trainSet.Label(i)])
		if pl == 0 {
			zeros++
		}
		naive -= math.Log(pl) / float64(len(p))
	}
	fmt.Printf("naive −log softmax: loss %v (%d of %d samples have p[label] = 0)\n", naive, zeros, len(p))
	// notebook:end

	// notebook:begin fit

	// gradgraph's loss works from the logits, log p = z − m − log Σ e^(z−m)
	// with m = max z, so it stays finite: large, but a usable gradient.
	report := train.CallbackFuncs{
		EpochEnd: func(_ *train.Trainer, epoch int, logs train.Logs) error {
			if epoch%20 == 0 {
				fmt.Printf("Epoch %d: accuracy %.4f, loss %.4f\n", epoch, logs["accuracy"], logs["loss"])
			}
			return nil
		},
	}
	if _, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: 400, BatchSize: trainSet.Len(), Seed: 1, Callbacks: []train.Callback{report},
	}); err != nil {
		return err
	}
	logs, err := tr.Evaluate(testSet, testSet.Len())
	if err != nil {
		return err
	}
	fmt.Printf("Test loss: %.4f\nTest accuracy: %.4f\n", logs["loss"], logs["accuracy"])
	// notebook:end

	// notebook:begin fast

	// gradgraph's Glorot weights and learning rate, 0.5, on the same raw
	// pixels: steps 50 times larger on inputs 16 times larger.
	fmt.Println("-- Glorot weights, lr 0.5, raw pixels") // notebook:hide
	if err := model.Build(64, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fast, err := train.Compile(model, train.SGD(0.5), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	_, err = fast.Fit(trainSet, train.FitOptions{
		Epochs: 100, BatchSize: trainSet.Len(), Seed: 1, Callbacks: []train.Callback{report},
	})
	var nonFinite *train.NonFiniteError
	switch {
	case errors.As(err, &nonFinite):
		fmt.Println("Glorot, lr 0.5, raw pixels:", err)
	case err != nil:
		return err
	default:
		fmt.Println("Glorot, lr 0.5, raw pixels: every step finite, no train.NonFiniteError")
	}
	// notebook:end
	return nil
}
