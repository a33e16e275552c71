// Command mnist-train trains the Keras MNIST network (Dense(512, relu) →
// Dense(10, softmax), RMSprop 1e-3, batches of 128) on the first 12,800
// training images for 2 epochs, for notebook 03-mnist-blocks. go run
// ./cmd/mnist trains the full recipe: 60,000 images, 5 epochs.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// mnistDir is where the MNIST IDX files are: $GRADGRAPH_DATA_MNIST, or
// ../shared/data/mnist beside the repository.
func mnistDir() string {
	if d := os.Getenv("GRADGRAPH_DATA_MNIST"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "data", "mnist")
}

func main() {
	img := flag.String("img", "out/notebooks/03-mnist-blocks", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

func run(img string) error {
	fmt.Println("notebook:section data") // notebook:hide
	// notebook:begin data
	trainImages, testImages, err := data.MNIST(mnistDir(), data.Offline())
	if err != nil {
		return err
	}
	fmt.Println(trainImages, "|", testImages)
	// A subset keeps this notebook quick to regenerate.
	trainSubset, err := data.Slice(trainImages, 0, 12800) // 100 batches of 128
	if err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section model") // notebook:hide
	// notebook:begin model
	model := nn.Sequential("mnist", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(28*28, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(model.Summary())
	// notebook:end

	fmt.Println("notebook:section fit") // notebook:hide
	// notebook:begin fit
	tr, err := train.Compile(model, train.RMSprop(1e-3),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	if _, err := tr.Fit(trainSubset, train.FitOptions{
		Epochs: 2, BatchSize: 128, Seed: 1, Progress: os.Stdout,
	}); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section predict") // notebook:hide
	// notebook:begin predict
	first, err := data.Slice(testImages, 0, 1)
	if err != nil {
		return err
	}
	pred, err := tr.Predict(first, 1)
	if err != nil {
		return err
	}
	fmt.Printf("first test image: probabilities %.4f\n", pred[0])
	fmt.Printf("predicted %d, true label %d\n", train.Argmax(pred)[0], testImages.Label(0))
	probs := make([]float64, 10)
	for k, p := range pred[0] {
		probs[k] = float64(p)
	}
	if err := viz.Probabilities(filepath.Join(img, "probabilities.png"), probs, nil, testImages.Label(0),
		fmt.Sprintf("First test image: predicted %d, true %d", train.Argmax(pred)[0], testImages.Label(0))); err != nil {
		return err
	}
	pixels := make([]float64, 28*28)
	for i, v := range testImages.Pixels(0) {
		pixels[i] = float64(v)
	}
	if err := viz.Image(filepath.Join(img, "first-test-image.png"), pixels, 28, 28, 8); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section evaluate") // notebook:hide
	// notebook:begin evaluate
	logs, err := tr.Evaluate(testImages, 1000)
	if err != nil {
		return err
	}
	fmt.Printf("test loss: %.4f\ntest accuracy: %.4f\n", logs["loss"], logs["accuracy"])
	// notebook:end
	return nil
}
