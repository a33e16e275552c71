// Command mnist-train trains the Keras MNIST network (Dense(512, relu) →
// Dense(10, softmax), RMSprop 1e-3, batches of 128) on all 60,000 training
// images for 5 epochs, the tutorial's recipe and go run ./cmd/mnist's, for
// notebook 03-mnist-blocks. It then measures where RMSprop's ε sits against
// the first layer's mean squares v, predicts and evaluates, and trains the
// same network on the first 12,800 images for 2 epochs for an exercise.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

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

// logProbabilities draws probs as bars on a log scale, from floor (values
// below it, 0 included, are drawn at floor) to 1, so that the classes a
// linear chart shows as nothing can be told apart.
func logProbabilities(path string, probs []float64, floor int, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "class"
	p.Y.Label.Text = "probability (log scale)"
	heights := make(plotter.Values, len(probs))
	for k, v := range probs {
		heights[k] = max(math.Log10(v), float64(floor)) - float64(floor)
	}
	bars, err := plotter.NewBarChart(heights, vg.Points(20))
	if err != nil {
		return err
	}
	bars.Color = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	p.Add(plotter.NewGrid(), bars)
	p.Y.Min, p.Y.Max = 0, float64(-floor)
	var ticks []plot.Tick
	for e := floor; e <= 0; e += 2 {
		label := "1e" + strconv.Itoa(e)
		if e == 0 {
			label = "1"
		}
		ticks = append(ticks, plot.Tick{Value: float64(e - floor), Label: label})
	}
	p.Y.Tick.Marker = plot.ConstantTicks(ticks)
	names := make([]string, len(probs))
	for k := range names {
		names[k] = strconv.Itoa(k)
	}
	p.NominalX(names...)
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}

// quickRun trains the same network on the first n training images for the
// given epochs and returns its training accuracy, averaged over the last
// epoch and with the final weights, and its test accuracy.
func quickRun(trainImages, testImages data.Source, n, epochs int) (lastEpoch, final, test float64, err error) {
	subset, err := data.Slice(trainImages, 0, n)
	if err != nil {
		return 0, 0, 0, err
	}
	model := nn.Sequential("mnist", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(28*28, nn.BuildOptions{Seed: 1}); err != nil {
		return 0, 0, 0, err
	}
	tr, err := train.Compile(model, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return 0, 0, 0, err
	}
	hist, err := tr.Fit(subset, train.FitOptions{Epochs: epochs, BatchSize: 128, Seed: 1})
	if err != nil {
		return 0, 0, 0, err
	}
	testLogs, err := tr.Evaluate(testImages, 1000)
	if err != nil {
		return 0, 0, 0, err
	}
	trainLogs, err := tr.Evaluate(subset, 1000)
	if err != nil {
		return 0, 0, 0, err
	}
	acc := hist.Logs["accuracy"]
	return acc[len(acc)-1], trainLogs["accuracy"], testLogs["accuracy"], nil
}

func run(img string) error {
	fmt.Println("notebook:section data") // notebook:hide
	// notebook:begin data
	trainImages, testImages, err := data.MNIST(mnistDir(), data.Offline())
	if err != nil {
		return err
	}
	fmt.Println(trainImages, "|", testImages)
	// notebook:end

	fmt.Println("notebook:section model") // notebook:hide
	// notebook:begin model
	model := nn.Sequential("mnist", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(28*28, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(model.Summary())
	// notebook:end

	fmt.Println("notebook:section model-exercise") // notebook:hide
	// notebook:begin model-exercise
	half := nn.Sequential("half", nn.Dense(256, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := half.Build(28*28, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	total := 0
	for _, p := range half.Trainable() {
		fmt.Printf("%-14s %-10v %7d\n", p.Name, p.Value.Shape(), p.Value.Shape().TotalSize())
		total += p.Value.Shape().TotalSize()
	}
	fmt.Printf("%-25s %7d\n", "total", total)
	// notebook:end

	// notebook:begin compile
	opt := train.RMSprop(1e-3)                    // how the weights move
	loss := train.SparseCategoricalCrossentropy() // what training minimises
	tr, err := train.Compile(model, opt, loss,
		train.Accuracy()) // what is reported, never minimised
	if err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section fit") // notebook:hide
	// notebook:begin fit
	hist, err := tr.Fit(trainImages, train.FitOptions{
		Epochs: 5, BatchSize: 128, Seed: 1, Progress: os.Stdout,
	})
	if err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section epsilon") // notebook:hide
	// notebook:begin epsilon
	// v of the first layer's kernel (784×512 weights) after the last step.
	// Pixels that are 0 in every image of a batch give their weights a
	// gradient of 0, so some v are 0; the statistics are over the others.
	v := opt.Slots().Float32s(0, 0)
	eps := opt.Epsilon
	var nonzero, below, below10 int
	var ratios []float64 // step with ε outside the root / step with ε inside
	for _, vj := range v {
		if vj == 0 {
			continue
		}
		x := float64(vj)
		nonzero++
		if x < eps {
			below++
		}
		if x < 10*eps {
			below10++
		}
		ratios = append(ratios, math.Sqrt(x+eps)/(math.Sqrt(x)+eps))
	}
	slices.Sort(ratios)
	fmt.Printf("%s: %d weights, %d with v > 0\n", model.Trainable()[0].Name, len(v), nonzero)
	fmt.Printf("v < ε: %.1f%%, v < 10ε: %.1f%%\n",
		100*float64(below)/float64(nonzero), 100*float64(below10)/float64(nonzero))
	fmt.Printf("median step ratio, ε outside the root / inside: %.2f\n", ratios[len(ratios)/2])
	for _, m := range []float64{1, 10, 100} {
		x := m * eps
		fmt.Printf("ratio at v = %gε: %.3f\n", m, math.Sqrt(x+eps)/(math.Sqrt(x)+eps))
	}
	// notebook:end

	fmt.Println("notebook:section exercise-epsilon") // notebook:hide
	// notebook:begin exercise-epsilon
	// Below ε: the ratio at smaller v, its limit 1/√ε at v → 0, and how
	// many of the first layer's weights take a step over 3 times larger.
	for _, m := range []float64{0.1, 0.01, 1e-4} {
		x := m * eps
		fmt.Printf("ratio at v = %gε: %.2f\n", m, math.Sqrt(x+eps)/(math.Sqrt(x)+eps))
	}
	fmt.Printf("limit at v → 0: 1/√ε = %.0f\n", 1/math.Sqrt(eps))
	over3 := len(ratios) - sort.SearchFloat64s(ratios, 3)
	fmt.Printf("weights with a ratio over 3: %d of %d (%.1f%%); largest ratio %.1f\n",
		over3, len(ratios), 100*float64(over3)/float64(len(ratios)), ratios[len(ratios)-1])
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
	fmt.Printf("the same to two significant digits: %.2g\n", probs)
	title := fmt.Sprintf("First test image: predicted %d, true %d", train.Argmax(pred)[0], testImages.Label(0))
	if err := viz.Probabilities(filepath.Join(img, "probabilities.png"), probs, nil, testImages.Label(0), title); err != nil {
		return err
	}
	if err := logProbabilities(filepath.Join(img, "probabilities-log.png"), probs, -12, title); err != nil {
		return err
	}
	// notebook:end
	pixels := make([]float64, 28*28)
	for i, v := range testImages.Pixels(0) {
		pixels[i] = float64(v)
	}
	if err := viz.Image(filepath.Join(img, "first-test-image.png"), pixels, 28, 28, 8); err != nil {
		return err
	}

	fmt.Println("notebook:section evaluate") // notebook:hide
	// notebook:begin evaluate
	logs, err := tr.Evaluate(testImages, 1000)
	if err != nil {
		return err
	}
	fmt.Printf("test loss: %.4f\ntest accuracy: %.4f\n", logs["loss"], logs["accuracy"])
	// The training accuracy Fit printed is averaged over the last epoch's
	// batches while the weights moved; Evaluate measures the final weights.
	trainLogs, err := tr.Evaluate(trainImages, 1000)
	if err != nil {
		return err
	}
	acc := hist.Logs["accuracy"]
	lastEpoch := acc[len(acc)-1]
	fmt.Printf("training accuracy: last epoch %.4f, final weights %.4f\n", lastEpoch, trainLogs["accuracy"])
	fmt.Printf("train - test gap: %.2f points (last epoch), %.2f points (final weights)\n",
		100*(lastEpoch-logs["accuracy"]), 100*(trainLogs["accuracy"]-logs["accuracy"]))
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	lastEpoch, final, test, err := quickRun(trainImages, testImages, 12800, 2)
	if err != nil {
		return err
	}
	fmt.Printf("12,800 images, 2 epochs: training accuracy: last epoch %.4f, final weights %.4f\n", lastEpoch, final)
	fmt.Printf("test accuracy %.4f; train - test gap: %.2f points (last epoch), %.2f points (final weights)\n",
		test, 100*(lastEpoch-test), 100*(final-test))
	// notebook:end
	return nil
}
