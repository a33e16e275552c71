// Command iris-playground trains a small network on a spiral and draws its
// decision boundary, as the TensorFlow Playground does, for notebook 01-iris.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

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
func newToy(name string, classes int, noise float64, seed int64) (toy, error) {
	set, err := data.Synthetic(name, 300, classes, noise, seed)
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

// notebook:end

// notebook:begin predictor
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

// notebook:end

// headed puts lines of large text above a panel, so that they stay
// readable when a grid of panels is shrunk to a page's width.
func headed(im image.Image, lines ...string) (image.Image, error) {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		return nil, err
	}
	face, err := opentype.NewFace(f, &opentype.FaceOptions{Size: 28, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, err
	}
	defer face.Close()
	const lineH = 38
	b := im.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()+lineH*len(lines)+8))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for i, l := range lines {
		d := font.Drawer{Dst: out, Src: image.NewUniform(color.Black), Face: face}
		w := d.MeasureString(l).Ceil()
		d.Dot = fixed.P((b.Dx()-w)/2, lineH*(i+1))
		d.DrawString(l)
	}
	draw.Draw(out, b.Sub(b.Min).Add(image.Pt(0, lineH*len(lines)+8)), im, b.Min, draw.Src)
	return out, nil
}

// grid writes the images as one PNG, cols to a row.
func grid(path string, imgs []image.Image, cols int) error {
	w, h := 0, 0
	for _, im := range imgs {
		w, h = max(w, im.Bounds().Dx()), max(h, im.Bounds().Dy())
	}
	rows := (len(imgs) + cols - 1) / cols
	out := image.NewRGBA(image.Rect(0, 0, w*cols, h*rows))
	draw.Draw(out, out.Bounds(), image.White, image.Point{}, draw.Src)
	for i, im := range imgs {
		at := image.Pt(w*(i%cols), h*(i/cols))
		draw.Draw(out, im.Bounds().Sub(im.Bounds().Min).Add(at), im, im.Bounds().Min, draw.Src)
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

// notebook:begin panel
// panel trains one network of the tutorial's on t for 200 epochs and draws
// its decision boundary, with the test points, under a readable header.
func panel(t, test toy, classes, units int, lr float64) (image.Image, error) {
	model := nn.Sequential("playground", nn.Dense(units, nn.ReLU), nn.Dense(classes, nn.Softmax))
	if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		return nil, err
	}
	tr, err := train.Compile(model, train.Adam(lr),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return nil, err
	}
	if _, err := tr.Fit(t.set, train.FitOptions{Epochs: 200, BatchSize: 32, Seed: 1}); err != nil {
		return nil, err
	}
	// Both sets scored with the final weights, as the Playground does.
	fit, err := tr.Evaluate(t.set, 300)
	if err != nil {
		return nil, err
	}
	ev, err := tr.Evaluate(test.set, 300)
	if err != nil {
		return nil, err
	}
	fmt.Printf("%-7s %d relu lr %-4g: training loss %.3f, acc %.3f; test loss %.3f, acc %.3f\n",
		t.name, units, lr, fit["loss"], fit["accuracy"], ev["loss"], ev["accuracy"])
	p, err := viz.DecisionBoundaryTestImage(predictor(tr), t.points, t.labels,
		test.points, test.labels, "dots: 300 training points · rings: 300 test points", 40)
	if err != nil {
		return nil, err
	}
	return headed(p, fmt.Sprintf("%s · %d ReLU units · learning rate %g", t.name, units, lr),
		fmt.Sprintf("training: loss %.2f · accuracy %.2f", fit["loss"], fit["accuracy"]),
		fmt.Sprintf("test: loss %.2f · accuracy %.2f", ev["loss"], ev["accuracy"]))
}

// notebook:end

func run(img string) error {
	fmt.Println("notebook:section settings") // notebook:hide
	// notebook:begin settings
	// The tutorial's settings: one hidden layer of 4 or 8 ReLU units,
	// learning rates 0.01 and 0.1, 200 epochs of Adam on batches of 32.
	toys := map[string]toy{}
	for _, c := range []struct {
		name    string
		classes int
		noise   float64
	}{{"circles", 2, 0.05}, {"moons", 2, 0.1}, {"spiral", 3, 0.03}} {
		t, err := newToy(c.name, c.classes, c.noise, 1)
		if err != nil {
			return err
		}
		test, err := newToy(c.name, c.classes, c.noise, 2) // 300 more points, another seed
		if err != nil {
			return err
		}
		toys[c.name] = t
		var panels []image.Image
		for _, units := range []int{4, 8} {
			for _, lr := range []float64{0.01, 0.1} {
				p, err := panel(t, test, c.classes, units, lr)
				if err != nil {
					return err
				}
				panels = append(panels, p)
			}
		}
		if err := grid(filepath.Join(img, "playground-"+c.name+".png"), panels, 2); err != nil {
			return err
		}
	}
	// notebook:end

	fmt.Println("notebook:section spiral") // notebook:hide
	// notebook:begin spiral
	// The same 300 points on three interleaved spiral arms, two hidden
	// layers of 16 ReLU units.
	spiral := toys["spiral"]
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

	// notebook:end

	// notebook:begin spiral-fit
	predict := predictor(tr)

	// One frame of the animation every 10 epochs, from the initial weights on.
	var frames []image.Image
	frame := func(epoch int) error {
		f, err := viz.DecisionBoundaryImageBatch(predict, spiral.points, spiral.labels,
			fmt.Sprintf("spiral · epoch %d", epoch), 40)
		frames = append(frames, f)
		return err
	}
	if err := frame(0); err != nil {
		return err
	}
	hist, err := tr.Fit(spiral.set, train.FitOptions{
		Epochs: 200, BatchSize: 32, Seed: 1,
		Callbacks: []train.Callback{train.CallbackFuncs{
			EpochEnd: func(_ *train.Trainer, epoch int, logs train.Logs) error {
				if (epoch+1)%20 == 0 {
					fmt.Printf("epoch %3d: %s\n", epoch+1, logs)
				}
				if (epoch+1)%10 != 0 {
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
	err = viz.DecisionBoundaryBatch(filepath.Join(img, "spiral-boundary.png"), predict, spiral.points, spiral.labels,
		fmt.Sprintf("spiral · 16-16 relu · 200 epochs · training accuracy %.3f", hist.Logs["accuracy"][last]), 150)
	if err != nil {
		return err
	}
	if err := viz.WriteGIF(filepath.Join(img, "spiral-training.gif"), frames, 40); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section exercise-lr") // notebook:hide
	// notebook:begin exercise-lr
	// The moons with 8 units at learning rate 1.0, the same points.
	moonsTest, err := newToy("moons", 2, 0.1, 2)
	if err != nil {
		return err
	}
	p, err := panel(toys["moons"], moonsTest, 2, 8, 1.0)
	if err != nil {
		return err
	}
	if err := grid(filepath.Join(img, "playground-moons-lr1.png"), []image.Image{p}, 1); err != nil {
		return err
	}
	// notebook:end
	return nil
}
