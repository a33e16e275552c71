package viz

import (
	"math"
	"testing"
)

// ring returns a deterministic 28×28 "0"-like digit with values in [0, 1]
// and a dark background.
func ring(shift float64) []float64 {
	const n = 28
	pix := make([]float64, n*n)
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			dx, dy := (float64(x)-13.5-shift)/6, (float64(y)-13.5)/9
			r := math.Hypot(dx, dy)
			pix[y*n+x] = math.Max(0, 1-math.Abs(r-1)*4)
		}
	}
	return pix
}

func TestImageGolden(t *testing.T) {
	checkGolden(t, "image", 28*4, 28*4, func(p string) error {
		return Image(p, ring(0), 28, 28, 4)
	})
}

func TestImageRange(t *testing.T) {
	// On a fixed range, halving the values halves the gray level, where
	// Image would stretch both to full contrast.
	pix := []float64{0, 0.5, 1, 2}
	img, err := GrayImage(pix, 2, 2, 1, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint8{0, 128, 255, 255}
	for i, w := range want {
		if img.Pix[i] != w {
			t.Errorf("pixel %d = %d, want %d", i, img.Pix[i], w)
		}
	}
}

func TestImageErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name  string
		pix   []float64
		w, h  int
		scale int
	}{
		{"empty", nil, 0, 0, 1},
		{"mismatch", []float64{1, 2, 3}, 2, 2, 1},
		{"nan", []float64{nan, nan}, 2, 1, 1},
		{"scale", []float64{1, 2}, 2, 1, 0},
		{"huge", []float64{1, 2}, 2, 1, 1 << 20},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return Image(p, tc.pix, tc.w, tc.h, tc.scale)
		})
	}
}
