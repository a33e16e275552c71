// Command digits-train trains the from-scratch recipe on the 8x8 digits
// (like go run ./cmd/mnist -dataset digits) for notebook 02-digits-math.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"
	"math"
	"os"
	"path/filepath"
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

func main() {
	img := flag.String("img", "out/notebooks/02-digits-math", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

func run(img string) error {
	fmt.Println("notebook:section train") // notebook:hide
	// notebook:begin data
	digits, err := data.Digits()
	if err != nil {
		return err
	}
	for i := range digits.X {
		digits.X[i] /= 16
	}
	trainSet, testSet, err := data.TrainTestSplit(digits, 0.3, 123, false)
	if err != nil {
		return err
	}
	fmt.Println("train:", trainSet.Len(), "test:", testSet.Len())
	// notebook:end

	// notebook:begin train

	model := nn.Sequential("scratch", nn.Dense(100, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(64, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	tr, err := train.Compile(model, train.SGD(0.5), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	report := train.CallbackFuncs{
		EpochEnd: func(_ *train.Trainer, epoch int, logs train.Logs) error {
			if epoch%20 == 0 { // as the tutorial logs: epochs 0, 20, 40, …
				fmt.Printf("Epoch %d: accuracy %.4f, loss %.4f\n", epoch, logs["accuracy"], logs["loss"])
			}
			return nil
		},
	}
	// Full batch: one gradient step per epoch on the mean loss of all samples.
	hist, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: 400, BatchSize: trainSet.Len(), Seed: 1, Callbacks: []train.Callback{report},
	})
	if err != nil {
		return err
	}
	logs, err := tr.Evaluate(testSet, testSet.Len())
	if err != nil {
		return err
	}
	fmt.Printf("Test loss: %.4f\nTest accuracy: %.4f\n", logs["loss"], logs["accuracy"])
	if err := viz.TrainingCurves(filepath.Join(img, "curves.png"), viz.Curves{
		Title: "8x8 digits: Dense(100, relu) → Dense(10, softmax), gradient descent 0.5", Series: hist.Logs,
	}); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section predict") // notebook:hide
	// notebook:begin predict
	probs, err := tr.Predict(testSet, testSet.Len())
	if err != nil {
		return err
	}
	predicted := train.Argmax(probs)
	first := make([]float64, 10)
	for k, p := range probs[0] {
		first[k] = float64(p)
	}
	fmt.Printf("first test digit: probabilities %.3f\n", probs[0])
	fmt.Printf("predicted %d, true %d\n", predicted[0], testSet.Label(0))
	// The runners-up, which a linear bar chart draws as nothing at all.
	order := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	sort.Slice(order, func(a, b int) bool { return probs[0][order[a]] > probs[0][order[b]] })
	for _, k := range order[:3] {
		fmt.Printf("  p(%d) = %.2e\n", k, probs[0][k])
	}
	if err := logBars(filepath.Join(img, "probabilities-log.png"), first,
		"First test digit: log10 of each probability"); err != nil {
		return err
	}
	if err := viz.Probabilities(filepath.Join(img, "probabilities.png"), first, nil, testSet.Label(0),
		fmt.Sprintf("First test digit: predicted %d, true %d", predicted[0], testSet.Label(0))); err != nil {
		return err
	}
	pixels := func(i int) []float64 {
		p := make([]float64, 64)
		for j, v := range testSet.Row(i) {
			p[j] = float64(v)
		}
		return p
	}
	if err := viz.Image(filepath.Join(img, "first-test-digit.png"), pixels(0), 8, 8, 24); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section exercise-predict") // notebook:hide
	// notebook:begin exercise-predict
	// Each test digit's share of the loss, −log p(true class).
	sum, worst := 0.0, 0
	losses := make([]float64, len(probs))
	for i, row := range probs {
		losses[i] = -math.Log(float64(row[testSet.Label(i)]))
		sum += losses[i]
		if losses[i] > losses[worst] {
			worst = i
		}
	}
	fmt.Printf("first test digit: −log p(2) = %.2e\n", losses[0])
	fmt.Printf("mean over the %d test digits: %.4f\n", len(losses), sum/float64(len(losses)))
	fmt.Printf("largest: test digit %d, true %d, predicted %d, p(true) = %.2e, −log = %.2f (%.0f%% of the sum)\n",
		worst, testSet.Label(worst), predicted[worst], probs[worst][testSet.Label(worst)], losses[worst], 100*losses[worst]/sum)
	// notebook:end

	fmt.Println("notebook:section confusion") // notebook:hide
	// notebook:begin confusion
	confusion := make([][]int, 10)
	for i := range confusion {
		confusion[i] = make([]int, 10)
	}
	var wrong []int
	for i, p := range predicted {
		confusion[testSet.Label(i)][p]++
		if p != testSet.Label(i) {
			wrong = append(wrong, i)
		}
	}
	fmt.Printf("%d of %d test digits misclassified: %v\n", len(wrong), testSet.Len(), wrong)
	if err := viz.ConfusionMatrix(filepath.Join(img, "confusion.png"), confusion, nil,
		"8x8 digits: test set confusion matrix"); err != nil {
		return err
	}
	// The first 48 test digits, labelled "predicted/true"; mistakes in red.
	var images [][]float64
	for i := range 48 {
		images = append(images, pixels(i))
	}
	if err := viz.DigitGrid(filepath.Join(img, "test-grid.png"), images, 8, 8,
		predicted[:48], testSet.Labels()[:48], 12); err != nil {
		return err
	}
	// notebook:end
	return nil
}

// logBars draws log₁₀ p for each class as a bar hanging from 0 (p = 1), so
// that probabilities of 1e-3 and 1e-6 differ by a visible 3 units.
func logBars(path string, probs []float64, title string) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text, p.Y.Label.Text = "class", "log10 probability"
	values := make(plotter.Values, len(probs))
	names := make([]string, len(probs))
	for k, v := range probs {
		values[k] = math.Log10(max(v, 1e-30))
		names[k] = strconv.Itoa(k)
	}
	bars, err := plotter.NewBarChart(values, vg.Points(22))
	if err != nil {
		return err
	}
	bars.LineStyle.Width = 0
	bars.Color = color.RGBA{R: 70, G: 130, B: 180, A: 255}
	p.Add(plotter.NewGrid(), bars)
	p.NominalX(names...)
	return p.Save(6*vg.Inch, 4*vg.Inch, path)
}
