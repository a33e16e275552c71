// Command iris-playground trains a small network on a spiral and draws its
// decision boundary, as the TensorFlow Playground does, for notebook 01-iris.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/draw"
	"image/png"
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

// notebook:begin helpers
// toy holds a data set's points as the figures want them.
type toy struct {
	name   string
	set    *data.Dataset
	points [][2]float64
	labels []int
}

// newToy draws 300 points of a data.Synthetic problem.
func newToy(name string, classes int, noise float64) (toy, error) {
	set, err := data.Synthetic(name, 300, classes, noise, 1)
	if err != nil {
		return toy{}, err
	}
	t := toy{name: name, set: set, labels: set.Labels()}
	for i := range set.Len() {
		r := set.Row(i)
		t.points = append(t.points, [2]float64{float64(r[0]), float64(r[1])})
	}
	return t, nil
}

// predictor classifies every cell of a figure's background grid in one
// batch with tr.
func predictor(tr *train.Trainer) viz.BatchPredictor {
	return func(grid [][2]float64) ([]int, []float64, error) {
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
}

// row writes the images side by side as one PNG.
func row(path string, imgs []image.Image) error {
	w, h := 0, 0
	for _, im := range imgs {
		w += im.Bounds().Dx()
		h = max(h, im.Bounds().Dy())
	}
	out := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	x := 0
	for _, im := range imgs {
		draw.Draw(out, im.Bounds().Sub(im.Bounds().Min).Add(image.Pt(x, 0)), im, im.Bounds().Min, draw.Src)
		x += im.Bounds().Dx()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, out); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// notebook:end

func run(img string) error {
	fmt.Println("notebook:section settings") // notebook:hide
	// notebook:begin settings
	// The tutorial's settings: one hidden layer of 4 or 8 ReLU units,
	// learning rates 0.01 and 0.1, 200 epochs of Adam on batches of 32.
	for _, c := range []struct {
		name    string
		classes int
		noise   float64
	}{{"circles", 2, 0.05}, {"moons", 2, 0.1}, {"spiral", 3, 0.03}} {
		t, err := newToy(c.name, c.classes, c.noise)
		if err != nil {
			return err
		}
		var panels []image.Image
		for _, units := range []int{4, 8} {
			for _, lr := range []float64{0.01, 0.1} {
				model := nn.Sequential("playground", nn.Dense(units, nn.ReLU), nn.Dense(c.classes, nn.Softmax))
				if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
					return err
				}
				tr, err := train.Compile(model, train.Adam(lr),
					train.SparseCategoricalCrossentropy(), train.Accuracy())
				if err != nil {
					return err
				}
				hist, err := tr.Fit(t.set, train.FitOptions{Epochs: 200, BatchSize: 32, Seed: 1})
				if err != nil {
					return err
				}
				last := len(hist.Epoch) - 1
				acc, loss := hist.Logs["accuracy"][last], hist.Logs["loss"][last]
				fmt.Printf("%-8s %d relu  lr %-4g  epoch 200: loss %.4f, accuracy %.3f\n", c.name, units, lr, loss, acc)
				p, err := viz.DecisionBoundaryImageBatch(predictor(tr), t.points, t.labels,
					fmt.Sprintf("%s · %d relu · lr %g · acc %.2f", c.name, units, lr, acc), 40)
				if err != nil {
					return err
				}
				panels = append(panels, p)
			}
		}
		if err := row(filepath.Join(img, "playground-"+c.name+".png"), panels); err != nil {
			return err
		}
	}
	// notebook:end

	fmt.Println("notebook:section spiral") // notebook:hide
	// notebook:begin spiral
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

	predict := predictor(tr)

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
