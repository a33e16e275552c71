// Command iris-playground trains a small network on a spiral and draws its
// decision boundary, as the TensorFlow Playground does, for notebook 01-iris.
package main

import (
	"flag"
	"fmt"
	"image"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/data"
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
	// notebook:begin
	// 300 points on three interleaved spiral arms.
	spiral, err := data.Spiral(300, 3, 0.03, 1)
	if err != nil {
		return err
	}
	var points [][2]float64
	for i := range spiral.Len() {
		r := spiral.Row(i)
		points = append(points, [2]float64{float64(r[0]), float64(r[1])})
	}
	labels := spiral.Labels()

	model := nn.Sequential("playground",
		nn.Dense(16, nn.ReLU), nn.Dense(16, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	tr, err := train.Compile(model, train.Adam(0.01),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}

	// predict classifies every cell of the background grid in one batch.
	predict := func(grid [][2]float64) ([]int, []float64, error) {
		x := make([]float32, 0, 2*len(grid))
		for _, p := range grid {
			x = append(x, float32(p[0]), float32(p[1]))
		}
		g, err := data.NewDataset("grid", x, 2, nil, 0, nil)
		if err != nil {
			return nil, nil, err
		}
		probs, err := tr.Predict(g, len(grid))
		if err != nil {
			return nil, nil, err
		}
		classes := train.Argmax(probs)
		confidence := make([]float64, len(grid))
		for i, row := range probs {
			confidence[i] = float64(row[classes[i]])
		}
		return classes, confidence, nil
	}

	// One frame of the animation every 40 epochs, from the initial weights on.
	var frames []image.Image
	frame := func(epoch int) error {
		f, err := viz.DecisionBoundaryImageBatch(predict, points, labels,
			fmt.Sprintf("spiral · epoch %d", epoch), 60)
		frames = append(frames, f)
		return err
	}
	if err := frame(0); err != nil {
		return err
	}
	hist, err := tr.Fit(spiral, train.FitOptions{
		Epochs: 200, BatchSize: 32, Seed: 1,
		Callbacks: []train.Callback{train.CallbackFuncs{
			EpochEnd: func(_ *train.Trainer, epoch int, logs train.Logs) error {
				if (epoch+1)%20 != 0 {
					return nil
				}
				fmt.Printf("epoch %3d: %s\n", epoch+1, logs)
				if (epoch+1)%40 != 0 {
					return nil
				}
				return frame(epoch + 1)
			},
		}},
	})
	if err != nil {
		return err
	}
	last := len(hist.Epoch) - 1
	err = viz.DecisionBoundaryBatch(filepath.Join(img, "spiral-boundary.png"), predict, points, labels,
		fmt.Sprintf("spiral · 16-16 relu · 200 epochs · training accuracy %.3f", hist.Logs["accuracy"][last]), 150)
	if err != nil {
		return err
	}
	if err := viz.WriteGIF(filepath.Join(img, "spiral-training.gif"), frames, 80); err != nil {
		return err
	}
	// notebook:end
	return nil
}
