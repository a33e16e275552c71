package viz_test

import (
	"fmt"
	"image"
	"image/gif"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/viz"
)

// pngSize returns the size of the PNG at path, the checkable part of a
// figure for an example.
func pngSize(path string) string {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		log.Fatal(err)
	}
	return fmt.Sprintf("%d×%d", cfg.Width, cfg.Height)
}

func ExampleTrainingCurves() {
	// A Keras History.history: training and validation loss and accuracy.
	h := map[string][]float64{
		"loss":         {1.2, 0.7, 0.5, 0.42, 0.38},
		"val_loss":     {1.0, 0.65, 0.55, 0.56, 0.6},
		"accuracy":     {0.62, 0.8, 0.86, 0.88, 0.9},
		"val_accuracy": {0.7, 0.82, 0.85, 0.84, 0.84},
	}
	path := filepath.Join(os.TempDir(), "viz_example_curves.png")
	defer os.Remove(path)
	err := viz.TrainingCurves(path, viz.Curves{Title: "MLP", Series: h, BestEpoch: 3})
	if err != nil {
		log.Fatal(err)
	}
	// Two panels, loss and accuracy, of 440×380 pixels under a title.
	fmt.Println(pngSize(path))
	// Output: 880×414
}

func ExampleProbabilities() {
	probs := []float64{0.05, 0.7, 0.25}
	path := filepath.Join(os.TempDir(), "viz_example_probs.png")
	defer os.Remove(path)
	if err := viz.Probabilities(path, probs, []string{"cat", "dog", "bird"}, 2, "a bird"); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path))
	// Output: 600×400
}

func ExampleImage() {
	// A 3×2 gradient, each pixel drawn as a 10×10 block.
	pix := []float64{0, 1, 2, 3, 4, 5}
	path := filepath.Join(os.TempDir(), "viz_example_image.png")
	defer os.Remove(path)
	if err := viz.Image(path, pix, 3, 2, 10); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path))
	// Output: 30×20
}

func ExampleImage_error() {
	// Bad input gives an error, not a panic or a partial file.
	err := viz.Image(filepath.Join(os.TempDir(), "viz_never.png"), []float64{1, 2, 3}, 2, 2, 1)
	fmt.Println(err)
	// Output: viz: image: 3 pixels for a 2×2 image
}

func ExampleFunctions() {
	x := make([]float64, 41)
	tanh := viz.NamedSeries{Name: "tanh"}
	dtanh := viz.NamedSeries{Name: "tanh'"}
	for i := range x {
		x[i] = -2 + 0.1*float64(i)
		t := math.Tanh(x[i])
		tanh.Values = append(tanh.Values, t)
		dtanh.Values = append(dtanh.Values, 1-t*t)
	}
	path := filepath.Join(os.TempDir(), "viz_example_functions.png")
	defer os.Remove(path)
	if err := viz.Functions(path, "tanh", x, []viz.NamedSeries{tanh, dtanh}); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path))
	// Output: 600×420
}

func ExampleWriteGIF() {
	// One frame per training epoch; here the boundary x = t moves right.
	pts := [][2]float64{{-1, 0}, {1, 0}, {0, 1}, {0, -1}}
	labels := []int{0, 1, 0, 1}
	var frames []image.Image
	for t := 0; t < 3; t++ {
		shift := float64(t) * 0.2
		predict := func(x, y float64) (int, float64) {
			if x > shift {
				return 1, 0.9
			}
			return 0, 0.9
		}
		img, err := viz.DecisionBoundaryImage(predict, pts, labels, "", 50)
		if err != nil {
			log.Fatal(err)
		}
		frames = append(frames, img)
	}
	path := filepath.Join(os.TempDir(), "viz_example.gif")
	defer os.Remove(path)
	if err := viz.WriteGIF(path, frames, 50); err != nil {
		log.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(g.Image), "frames of", g.Config.Width, "×", g.Config.Height)
	// Output: 3 frames of 600 × 560
}

func ExampleDecisionBoundaryTestImage() {
	// A classifier of the half-planes x < 0 and x > 0, its four training
	// points, and two test points, one of them on the wrong side: drawn as
	// a ring on the other class's colour.
	predict := func(grid [][2]float64) ([]int, []float64, error) {
		classes, confidence := make([]int, len(grid)), make([]float64, len(grid))
		for i, p := range grid {
			if p[0] > 0 {
				classes[i] = 1
			}
			confidence[i] = 0.9
		}
		return classes, confidence, nil
	}
	pts := [][2]float64{{-1, 0}, {-0.5, 1}, {1, 0}, {0.5, -1}}
	labels := []int{0, 0, 1, 1}
	test := [][2]float64{{-0.8, -0.5}, {0.3, 0.5}}
	testLabels := []int{0, 0}
	img, err := viz.DecisionBoundaryTestImage(predict, pts, labels, test, testLabels, "held-out points", 50)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Dx(), "×", img.Bounds().Dy())
	// Output: 600 × 560
}
