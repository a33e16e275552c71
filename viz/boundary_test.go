package viz

import (
	"bytes"
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
