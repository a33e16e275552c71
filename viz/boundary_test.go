package viz

import (
	"bytes"
	"errors"
	"image"
	"image/gif"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// spiral returns two interleaved, deterministic arms of points.
func spiral(n int) ([][2]float64, []int) {
	var pts [][2]float64
	var labels []int
	for k := 0; k < 2; k++ {
		for i := 0; i < n; i++ {
			r := 0.2 + float64(i)/float64(n)
			a := 3*r + math.Pi*float64(k)
			pts = append(pts, [2]float64{r * math.Cos(a), r * math.Sin(a)})
			labels = append(labels, k)
		}
	}
	return pts, labels
}

// linear is a crude classifier whose boundary rotates with angle, standing
// in for a network at successive epochs.
func linear(angle float64) func(x, y float64) (int, float64) {
	return func(x, y float64) (int, float64) {
		d := x*math.Cos(angle) + y*math.Sin(angle)
		conf := 0.5 + 0.5*math.Tanh(4*math.Abs(d))
		if d < 0 {
			return 0, conf
		}
		return 1, conf
	}
}

func TestDecisionBoundaryGolden(t *testing.T) {
	pts, labels := spiral(40)
	checkGolden(t, "boundary", boundaryW, boundaryH, func(p string) error {
		return DecisionBoundary(p, linear(0.6), pts, labels, "epoch 3", 100)
	})
}

func TestDecisionBoundaryErrors(t *testing.T) {
	pts, labels := spiral(3)
	for _, tc := range []struct {
		name    string
		predict func(x, y float64) (int, float64)
		pts     [][2]float64
		labels  []int
		res     int
	}{
		{"nil predict", nil, pts, labels, 10},
		{"no points", linear(0), nil, nil, 10},
		{"labels", linear(0), pts, labels[1:], 10},
		{"resolution", linear(0), pts, labels, 1},
		{"nan point", linear(0), [][2]float64{{math.NaN(), 0}}, []int{0}, 10},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return DecisionBoundary(p, tc.predict, tc.pts, tc.labels, "", tc.res)
		})
	}
}

func TestWriteGIF(t *testing.T) {
	pts, labels := spiral(20)
	var frames []image.Image
	for i := 0; i < 3; i++ {
		img, err := DecisionBoundaryImage(linear(float64(i)), pts, labels, "", 40)
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, img)
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.gif"), filepath.Join(dir, "b.gif")
	for _, p := range []string{a, b} {
		if err := WriteGIF(p, frames, 50); err != nil {
			t.Fatal(err)
		}
	}
	ga, _ := os.ReadFile(a)
	gb, _ := os.ReadFile(b)
	if !bytes.Equal(ga, gb) {
		t.Error("encoding the same frames twice gave different files")
	}
	g, err := gif.DecodeAll(bytes.NewReader(ga))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 3 || g.Config.Width != boundaryW || g.Config.Height != boundaryH {
		t.Errorf("got %d frames of %d×%d", len(g.Image), g.Config.Width, g.Config.Height)
	}
	for i, d := range g.Delay {
		if d != 50 {
			t.Errorf("frame %d delay %d", i, d)
		}
	}
}

func TestWriteGIFExactPalette(t *testing.T) {
	// Few colours are kept exactly, without dithering.
	img := image.NewGray(image.Rect(0, 0, 4, 4))
	img.Pix[5] = 200
	b, err := encodeGIF([]image.Image{img}, 0)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gif.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r, _, _, _ := g.At(1, 1).RGBA(); r>>8 != 200 {
		t.Errorf("pixel (1,1) red = %d, want 200", r>>8)
	}
}

func TestWriteGIFErrors(t *testing.T) {
	small := image.NewGray(image.Rect(0, 0, 2, 2))
	big := image.NewGray(image.Rect(0, 0, 3, 3))
	for _, tc := range []struct {
		name   string
		frames []image.Image
		delay  int
	}{
		{"none", nil, 10},
		{"delay", []image.Image{small}, -1},
		{"bounds", []image.Image{small, big}, 10},
		{"nil frame", []image.Image{small, nil}, 10},
		{"nil first", []image.Image{nil}, 10},
		{"empty", []image.Image{image.NewGray(image.Rect(0, 0, 0, 0))}, 10},
	} {
		checkNoFile(t, tc.name, func(p string) error { return WriteGIF(p, tc.frames, tc.delay) })
	}
}

// batch turns a point classifier into a BatchPredictor that records how often
// it was called.
func batch(predict func(x, y float64) (int, float64), calls *int) BatchPredictor {
	return func(grid [][2]float64) ([]int, []float64, error) {
		*calls++
		classes, conf := make([]int, len(grid)), make([]float64, len(grid))
		for i, pt := range grid {
			classes[i], conf[i] = predict(pt[0], pt[1])
		}
		return classes, conf, nil
	}
}

func TestDecisionBoundaryBatchMatchesPointwise(t *testing.T) {
	pts, labels := spiral(30)
	want, err := DecisionBoundaryImage(linear(1.1), pts, labels, "epoch 7", 37)
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	var grid [][2]float64
	predict := batch(linear(1.1), &calls)
	got, err := DecisionBoundaryImageBatch(func(g [][2]float64) ([]int, []float64, error) {
		grid = g
		return predict(g)
	}, pts, labels, "epoch 7", 37)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || len(grid) != 37*37 {
		t.Fatalf("%d calls on %d points, want 1 on %d", calls, len(grid), 37*37)
	}
	// The documented order: rows from the top, left to right.
	if !(grid[0][1] > grid[37][1] && grid[0][0] < grid[1][0] && grid[0][1] == grid[36][1]) {
		t.Errorf("grid order: %v %v %v", grid[0], grid[1], grid[37])
	}
	if !bytes.Equal(pixels(want), pixels(got)) {
		t.Error("batch image differs from the pointwise one")
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "b.png")
	if err := DecisionBoundaryBatch(path, predict, pts, labels, "", 20); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

// pixels returns img's RGBA bytes.
func pixels(img image.Image) []byte {
	b := img.Bounds()
	var out []byte
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			out = append(out, byte(r>>8), byte(g>>8), byte(bl>>8), byte(a>>8))
		}
	}
	return out
}

func TestDecisionBoundaryBatchErrors(t *testing.T) {
	pts, labels := spiral(3)
	calls := 0
	good := batch(linear(0), &calls)
	for _, tc := range []struct {
		name    string
		predict BatchPredictor
		pts     [][2]float64
		labels  []int
		res     int
	}{
		{"nil predict", nil, pts, labels, 10},
		{"no points", good, nil, nil, 10},
		{"labels", good, pts, labels[1:], 10},
		{"resolution", good, pts, labels, 1},
		{"nan point", good, [][2]float64{{math.NaN(), 0}}, []int{0}, 10},
		{"predict error", func([][2]float64) ([]int, []float64, error) {
			return nil, nil, errors.New("boom")
		}, pts, labels, 10},
		{"short answer", func(g [][2]float64) ([]int, []float64, error) {
			return make([]int, len(g)-1), make([]float64, len(g)), nil
		}, pts, labels, 10},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return DecisionBoundaryBatch(p, tc.predict, tc.pts, tc.labels, "", tc.res)
		})
	}
}

func TestDecisionBoundaryTestGolden(t *testing.T) {
	pts, labels := spiral(40)
	// Test points: a sparser copy of the arms, moved a little to the right.
	test, testLabels := spiral(9)
	for i := range test {
		test[i][0] += 0.04
	}
	checkGolden(t, "boundary_test", boundaryW, boundaryH, func(p string) error {
		img, err := DecisionBoundaryTestImage(batch(linear(0.6), new(int)), pts, labels, test, testLabels, "epoch 3", 100)
		if err != nil {
			return err
		}
		return savePNG(p, img)
	})
}

func TestDecisionBoundaryTestExtent(t *testing.T) {
	// A test point outside the training points' box widens the grid the
	// predictor sees, so that it is drawn on the background.
	pts, labels := spiral(10)
	var grid [][2]float64
	record := func(g [][2]float64) ([]int, []float64, error) {
		grid = g
		return make([]int, len(g)), make([]float64, len(g)), nil
	}
	if _, err := DecisionBoundaryTestImage(record, pts, labels, [][2]float64{{5, -5}}, []int{1}, "", 10); err != nil {
		t.Fatal(err)
	}
	last := grid[len(grid)-1]
	if !(last[0] > 5 && last[0] < 5.7 && last[1] < -5 && last[1] > -5.7) {
		t.Errorf("grid corners %v and %v do not reach the test point (5, -5) and its 10%% margin", grid[0], last)
	}
}

func TestDecisionBoundaryTestErrors(t *testing.T) {
	pts, labels := spiral(3)
	good := batch(linear(0), new(int))
	for _, tc := range []struct {
		name       string
		test       [][2]float64
		testLabels []int
	}{
		{"no test points", nil, nil},
		{"test labels", pts, labels[1:]},
		{"nan test point", [][2]float64{{0, math.Inf(1)}}, []int{0}},
	} {
		if _, err := DecisionBoundaryTestImage(good, pts, labels, tc.test, tc.testLabels, "", 10); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
	if _, err := DecisionBoundaryTestImage(good, pts, labels[1:], pts, labels, "", 10); err == nil {
		t.Error("training labels: no error")
	}
}
