// Command convnet-train trains Keras's MNIST convnet on the first 6,400
// training images for 4 epochs, draws its curves, first-layer filters and
// the feature maps of one test image, and compares it on the 10,000 test
// images with the dense network trained on the same images for as many
// steps, for notebook
// 04-convnet. go run ./cmd/mnist -model convnet trains the full recipe:
// 60,000 images, 5 epochs.
package main

import (
	"flag"
	"fmt"
	"log"
	"math"
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
	img := flag.String("img", "out/notebooks/04-convnet", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

// float64s converts to viz's element type.
func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// accuracy is the fraction of predicted classes equal to the labels.
func accuracy(pred, labels []int) float64 {
	right := 0
	for i := range pred {
		if pred[i] == labels[i] {
			right++
		}
	}
	return float64(right) / float64(len(pred))
}

// denseNet trains notebook 03's network, Dense(512, relu) → Dense(10,
// softmax) with RMSprop 1e-3, on src with the given batch size and epochs.
func denseNet(src data.Source, batch, epochs int) (*train.Trainer, error) {
	dense := nn.Sequential("dense", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := dense.Build(28*28, nn.BuildOptions{Seed: 1}); err != nil {
		return nil, err
	}
	tr, err := train.Compile(dense, train.RMSprop(1e-3),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return nil, err
	}
	_, err = tr.Fit(src, train.FitOptions{Epochs: epochs, BatchSize: batch, Seed: 1})
	return tr, err
}

func run(img string) error {
	fmt.Println("notebook:section data") // notebook:hide
	// notebook:begin data
	trainImages, testImages, err := data.MNIST(mnistDir(), data.Offline())
	if err != nil {
		return err
	}
	// A subset keeps this notebook quick to regenerate: 100 batches of 64
	// to train on, and the next 1,280 images to validate on.
	trainSubset, err := data.Slice(trainImages, 0, 6400)
	if err != nil {
		return err
	}
	valSubset, err := data.Slice(trainImages, 6400, 7680)
	if err != nil {
		return err
	}
	fmt.Println("sample shape:", data.ShapeOf(trainImages))
	// notebook:end

	fmt.Println("notebook:section model") // notebook:hide
	// notebook:begin model
	convnet := nn.Sequential("convnet",
		nn.Conv2D(32, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(64, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(128, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax))
	if err := convnet.BuildShape(data.ShapeOf(trainImages), nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(convnet.Summary())
	// notebook:end

	fmt.Println("notebook:section fit") // notebook:hide
	// notebook:begin fit
	tr, err := train.Compile(convnet, train.RMSprop(1e-3),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	hist, err := tr.Fit(trainSubset, train.FitOptions{
		Epochs: 4, BatchSize: 64, Seed: 1, ValidationData: valSubset, Progress: os.Stdout,
	})
	if err != nil {
		return err
	}
	if err := viz.TrainingCurves(filepath.Join(img, "curves.png"), viz.Curves{
		Title:  "Convnet, 6,400 MNIST images, RMSprop 1e-3, batch 64",
		Series: hist.Logs,
	}); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section filters") // notebook:hide
	// notebook:begin filters
	conv1 := convnet.Layers[0].(*nn.Conv2DLayer)
	fmt.Println(conv1.Name(), "kernel shape:", conv1.Kernel.Shape())
	if err := viz.Filters(filepath.Join(img, "filters.png"), viz.FilterGrid{
		Title:  "The 32 filters of conv2d, 3×3 on the grey image",
		Kernel: conv1.Kernel.Float64s(),
		Shape:  conv1.Kernel.Shape(),
	}); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section exercise-filters") // notebook:hide
	// notebook:begin exercise-filters
	// For each filter, the 3×3 patch of pixels in [0, 1] that excites it
	// most (1 under a positive weight, 0 under a negative one) and that
	// largest output, Σ positive weights + bias; and how many filters mix
	// both signs, as an edge detector must.
	k, bias := conv1.Kernel.Float64s(), conv1.Bias.Float64s()
	best, bestOut, mixed := 0, math.Inf(-1), 0
	for f := range 32 {
		out, pos, neg := bias[f], 0, 0
		for i := range 9 { // kernel index (r, c, 0, f) = (3r + c)·32 + f
			if w := k[i*32+f]; w > 0 {
				out, pos = out+w, pos+1
			} else {
				neg++
			}
		}
		if pos > 0 && neg > 0 {
			mixed++
		}
		if out > bestOut {
			best, bestOut = f, out
		}
	}
	fmt.Printf("%d of 32 filters have weights of both signs\n", mixed)
	fmt.Printf("filter %d responds most: %.3f, to the patch (1 = full ink)\n", best, bestOut)
	for r := range 3 {
		row := ""
		for c := range 3 {
			if k[(3*r+c)*32+best] > 0 {
				row += " 1"
			} else {
				row += " 0"
			}
		}
		fmt.Println(row)
	}
	// notebook:end

	fmt.Println("notebook:section featuremaps") // notebook:hide
	// notebook:begin featuremaps
	first := make([]float32, testImages.Features())
	testImages.Fill([]int{0}, first, nil)
	acts, err := tr.Activations(first)
	if err != nil {
		return err
	}
	maps := []viz.FeatureMap{{Name: "input", Shape: []int{28, 28, 1}, Values: float64s(first)}}
	for _, a := range acts {
		if len(a.Shape) != 3 { // Flatten and Dense: not images
			fmt.Printf("%-16s %-13s %s\n", a.Name, a.Type, fmt.Sprint(a.Shape))
			continue
		}
		// Each map is drawn from its own minimum (black) to its own maximum
		// (white): the smallest and largest of the maps' maxima say how
		// far apart their scales are.
		lo, hi, dead := math.Inf(1), 0.0, 0
		for c := 0; c < a.Shape[2]; c++ {
			top := 0.0
			for j := c; j < len(a.Values); j += a.Shape[2] {
				top = max(top, float64(a.Values[j]))
			}
			if top == 0 {
				dead++
				continue
			}
			lo, hi = min(lo, top), max(hi, top)
		}
		fmt.Printf("%-16s %-13s %-12s largest values %.2f to %.2f, %d maps all 0\n", a.Name, a.Type, fmt.Sprint(a.Shape), lo, hi, dead)
		maps = append(maps, viz.FeatureMap{Name: a.Name, Shape: a.Shape, Values: float64s(a.Values)})
	}
	fmt.Printf("probabilities of the first test image (label %d): %.2g\n", testImages.Label(0), acts[len(acts)-1].Values)
	if err := viz.FeatureMaps(filepath.Join(img, "featuremaps.png"),
		fmt.Sprintf("The first test image (a %d) through the convnet", testImages.Label(0)), maps, 16); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section compare") // notebook:hide
	// notebook:begin compare
	// Notebook 03's dense network, trained as the convnet was: the same
	// 6,400 images, batches of 64, 4 epochs, so the same 400 steps.
	trDense, err := denseNet(trainSubset, 64, 4)
	if err != nil {
		return err
	}

	labels := make([]int, testImages.Len())
	for i := range labels {
		labels[i] = testImages.Label(i)
	}
	pConv, err := tr.Predict(testImages, 500)
	if err != nil {
		return err
	}
	pDense, err := trDense.Predict(testImages, 500)
	if err != nil {
		return err
	}
	convPred, densePred := train.Argmax(pConv), train.Argmax(pDense)
	fmt.Printf("test accuracy on %d images: convnet %.4f, dense %.4f\n",
		len(labels), accuracy(convPred, labels), accuracy(densePred, labels))
	fmt.Printf("mistakes: convnet %d, dense %d\n",
		len(labels)-int(math.Round(accuracy(convPred, labels)*float64(len(labels)))),
		len(labels)-int(math.Round(accuracy(densePred, labels)*float64(len(labels)))))
	// notebook:end

	// notebook:begin compare-grid
	var both, convOnly, denseOnly, neither int
	var shown [][]float64
	var shownPred, shownTrue []int
	for i, y := range labels {
		c, d := convPred[i] == y, densePred[i] == y
		switch {
		case c && d:
			both++
		case c:
			convOnly++
			if len(shown) < 12 {
				x := make([]float32, 28*28)
				testImages.Fill([]int{i}, x, nil)
				shown = append(shown, float64s(x))
				shownPred, shownTrue = append(shownPred, densePred[i]), append(shownTrue, y)
			}
		case d:
			denseOnly++
		default:
			neither++
		}
	}
	fmt.Printf("both right %d, convnet only %d, dense only %d, neither %d\n", both, convOnly, denseOnly, neither)
	// The first 12 test images the convnet gets right and the dense
	// network wrong, labelled with the dense network's prediction.
	if err := viz.DigitGrid(filepath.Join(img, "convnet-right-dense-wrong.png"),
		shown, 28, 28, shownPred, shownTrue, 6); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section compare-exercise") // notebook:hide
	// notebook:begin compare-exercise
	// The dense network with the Keras recipe's batch of 128: 4 epochs are
	// then 200 steps, half the convnet's.
	dense128, err := denseNet(trainSubset, 128, 4)
	if err != nil {
		return err
	}
	p128, err := dense128.Predict(testImages, 500)
	if err != nil {
		return err
	}
	fmt.Printf("dense, batch 128, 200 steps: test accuracy %.4f\n", accuracy(train.Argmax(p128), labels))
	// notebook:end
	return nil
}
