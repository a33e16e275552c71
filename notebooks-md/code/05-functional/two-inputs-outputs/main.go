// Command two-inputs-outputs trains two functional models on the 8x8
// digits: one of two inputs (the top and bottom halves of each image,
// through one shared Dense layer) and one of two outputs (the digit and
// the amount of ink), joined to their data with data.Join and compiled with
// train.CompileOutputs, for notebook 05-functional.
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

func main() {
	img := flag.String("img", "out/notebooks/05-functional", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

// named gives a layer its name, Keras's name= argument: the name of an
// output is the key of its loss and data.
func named[L nn.Layer](name string, l L) L {
	l.SetName(name)
	return l
}

// halves splits each 8×8 image of d into its top four rows and its bottom
// four (32 pixels each), with d's labels.
func halves(d *data.Dataset) (top, bottom *data.Dataset, err error) {
	n := d.Len()
	xt, xb := make([]float32, 0, n*32), make([]float32, 0, n*32)
	for i := range n {
		row := d.Row(i)
		xt, xb = append(xt, row[:32]...), append(xb, row[32:]...)
	}
	if top, err = data.NewDataset("top", xt, 32, d.Y, 1, d.Classes); err != nil {
		return nil, nil, err
	}
	bottom, err = data.NewDataset("bottom", xb, 32, d.Y, 1, d.Classes)
	return top, bottom, err
}

// ink is, for each image of d, its amount of ink: the sum of its pixels
// (scaled to [0, 1]), in pixels of full ink, as a regression target.
func ink(d *data.Dataset) (*data.Dataset, error) {
	y := make([]float32, d.Len())
	for i := range y {
		for _, v := range d.Row(i) {
			y[i] += v
		}
	}
	return data.NewDataset("ink", d.X, d.Features(), y, 1, nil)
}

func run(img string) error {
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

	fmt.Println("notebook:section inputs") // notebook:hide
	// notebook:begin inputs
	// Two inputs of 32 pixels; one Dense layer, called on each, encodes
	// both halves with the same weights.
	top, bottom := nn.Input("top", 32), nn.Input("bottom", 32)
	encoder := named("half_encoder", nn.Dense(32, nn.ReLU))
	both := nn.Call(nn.Concatenate(-1), nn.Call(encoder, top), nn.Call(encoder, bottom))
	digit := nn.Call(named("digit", nn.Dense(10, nn.Softmax)), both)
	twoHalves, err := nn.NewModel("two_halves", []*nn.Tensor{top, bottom}, []*nn.Tensor{digit})
	if err != nil {
		return err
	}
	if err := twoHalves.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(twoHalves.Summary())
	if err := viz.PlotModel(filepath.Join(img, "two-halves.png"), twoHalves); err != nil {
		return err
	}

	// notebook:end

	// notebook:begin inputs-fit
	// The data: each part named as the model's input or output it feeds.
	join := func(d *data.Dataset) (*data.Joined, error) {
		t, b, err := halves(d)
		if err != nil {
			return nil, err
		}
		return data.Join(
			[]data.Named{{Name: "top", Source: t}, {Name: "bottom", Source: b}},
			[]data.Named{{Name: "digit", Source: d}}) // d's labels
	}
	trainHalves, err := join(trainSet)
	if err != nil {
		return err
	}
	testHalves, err := join(testSet)
	if err != nil {
		return err
	}
	tr, err := train.Compile(twoHalves, train.Adam(1e-3),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	hist, err := tr.Fit(trainHalves, train.FitOptions{Epochs: 15, BatchSize: 32, Seed: 1, ValidationData: testHalves})
	if err != nil {
		return err
	}
	fmt.Println("History keys:", hist.Keys)
	logs, err := tr.Evaluate(testHalves, 100)
	if err != nil {
		return err
	}
	fmt.Printf("test loss %.4f, test accuracy %.4f\n", logs["loss"], logs["accuracy"])
	// notebook:end

	fmt.Println("notebook:section exercise-inputs") // notebook:hide
	// notebook:begin exercise-inputs
	// The same model with an encoder of its own for each half.
	top2, bottom2 := nn.Input("top", 32), nn.Input("bottom", 32)
	apart := nn.Call(nn.Concatenate(-1),
		nn.Call(nn.Dense(32, nn.ReLU), top2), nn.Call(nn.Dense(32, nn.ReLU), bottom2))
	twoEncoders, err := nn.NewModel("two_encoders", []*nn.Tensor{top2, bottom2},
		[]*nn.Tensor{nn.Call(nn.Dense(10, nn.Softmax), apart)})
	if err != nil {
		return err
	}
	if err := twoEncoders.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	for _, m := range []*nn.Model{twoHalves, twoEncoders} {
		params := 0
		for _, p := range m.Params() {
			params += p.Size()
		}
		fmt.Printf("%-12s %d params\n", m.Name, params)
	}
	// notebook:end

	fmt.Println("notebook:section outputs") // notebook:hide
	// notebook:begin outputs
	// One input, a shared trunk, and two heads: the digit (softmax) and
	// the amount of ink (one linear unit).
	pixels := nn.Input("pixels", 64)
	trunk := nn.Call(nn.Dense(64, nn.ReLU), pixels)
	digitOut := nn.Call(named("digit", nn.Dense(10, nn.Softmax)), trunk)
	inkOut := nn.Call(named("ink", nn.Dense(1, nn.Linear)), trunk)
	twoHeads, err := nn.NewModel("two_heads", []*nn.Tensor{pixels}, []*nn.Tensor{digitOut, inkOut})
	if err != nil {
		return err
	}
	if err := twoHeads.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Println("outputs:", twoHeads.OutputNames())

	// notebook:end

	// notebook:begin outputs-data
	// The images feed the input and give the digit's labels; ink's targets
	// come from a data set of the same images with their ink.
	trainInk, err := ink(trainSet)
	if err != nil {
		return err
	}
	testInk, err := ink(testSet)
	if err != nil {
		return err
	}
	trainBoth, err := data.Join([]data.Named{{Name: "pixels", Source: trainSet}},
		[]data.Named{{Name: "digit", Source: trainSet}, {Name: "ink", Source: trainInk}})
	if err != nil {
		return err
	}
	testBoth, err := data.Join([]data.Named{{Name: "pixels", Source: testSet}},
		[]data.Named{{Name: "digit", Source: testSet}, {Name: "ink", Source: testInk}})
	if err != nil {
		return err
	}
	fmt.Printf("ink of the first training image: %.4f pixels\n", trainInk.Target(0)[0])
	// notebook:end

	// notebook:begin outputs-fit

	// A loss per output; the squared error, in pixels², would swamp the
	// cross-entropy, so it counts for a hundredth of it in the total.
	tr2, err := train.CompileOutputs(twoHeads, train.Adam(1e-3), map[string]train.Output{
		"digit": {Loss: train.SparseCategoricalCrossentropy(), Metrics: []train.Metric{train.Accuracy()}},
		"ink":   {Loss: train.MeanSquaredError(), Weight: 0.01},
	})
	if err != nil {
		return err
	}
	hist2, err := tr2.Fit(trainBoth, train.FitOptions{Epochs: 15, BatchSize: 32, Seed: 1, ValidationData: testBoth})
	if err != nil {
		return err
	}
	fmt.Println("History keys:", hist2.Keys)
	last := func(key string) float64 { return hist2.Logs[key][len(hist2.Logs[key])-1] }
	for _, k := range hist2.Keys {
		fmt.Printf("  %-20s %.4f\n", k, last(k))
	}
	fmt.Printf("digit_loss + 0.01·ink_loss = %.4f\n", last("digit_loss")+float64(0.01*last("ink_loss")))

	// Predict gives each sample's outputs side by side: 10 probabilities,
	// then the ink.
	rows, err := tr2.Predict(testBoth, 100)
	if err != nil {
		return err
	}
	for i := range 3 {
		fmt.Printf("test image %d: digit %d (predicted %d), ink %.2f (predicted %.2f)\n", i,
			testSet.Label(i), train.Argmax([][]float32{rows[i][:10]})[0], testInk.Target(i)[0], rows[i][10])
	}
	// notebook:end

	fmt.Println("notebook:section exercise-weight") // notebook:hide
	// notebook:begin exercise-weight
	// The same two-headed model from the same seed, with ink's loss
	// weighted 1 instead of 0.01.
	px := nn.Input("pixels", 64)
	tk := nn.Call(nn.Dense(64, nn.ReLU), px)
	heavy, err := nn.NewModel("two_heads", []*nn.Tensor{px}, []*nn.Tensor{
		nn.Call(named("digit", nn.Dense(10, nn.Softmax)), tk), nn.Call(named("ink", nn.Dense(1, nn.Linear)), tk)})
	if err != nil {
		return err
	}
	if err := heavy.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	tr3, err := train.CompileOutputs(heavy, train.Adam(1e-3), map[string]train.Output{
		"digit": {Loss: train.SparseCategoricalCrossentropy(), Metrics: []train.Metric{train.Accuracy()}},
		"ink":   {Loss: train.MeanSquaredError(), Weight: 1},
	})
	if err != nil {
		return err
	}
	hist3, err := tr3.Fit(trainBoth, train.FitOptions{Epochs: 15, BatchSize: 32, Seed: 1, ValidationData: testBoth})
	if err != nil {
		return err
	}
	for _, h := range []struct {
		weight float64
		logs   map[string][]float64
	}{{0.01, hist2.Logs}, {1, hist3.Logs}} {
		at := func(key string, epoch int) float64 { return h.logs[key][epoch-1] }
		fmt.Printf("ink weight %-4g: epoch 1 val_digit_accuracy %.4f, val_ink_loss %.2f; epoch 15 %.4f, %.4f\n", h.weight,
			at("val_digit_accuracy", 1), at("val_ink_loss", 1), at("val_digit_accuracy", 15), at("val_ink_loss", 15))
	}
	// notebook:end
	return nil
}
