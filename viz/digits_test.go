package viz

import "testing"

func TestDigitGridGolden(t *testing.T) {
	images := make([][]float64, 7)
	for i := range images {
		images[i] = ring(float64(i%3) - 1)
	}
	pred := []int{0, 0, 6, 0, 0, 8, 0}
	truth := []int{0, 0, 0, 0, 0, 0, 0}
	cellW := 28*3 + 2*digitMargin
	cellH := 28*3 + digitLabel + 2*digitMargin
	checkGolden(t, "digits", 4*cellW, 2*cellH+digitHeader, func(p string) error {
		return DigitGrid(p, images, 28, 28, pred, truth, 4)
	})
}

func TestDigitGridErrors(t *testing.T) {
	img := [][]float64{{0, 1, 1, 0}}
	for _, tc := range []struct {
		name        string
		images      [][]float64
		w, h        int
		pred, truth []int
		cols        int
	}{
		{"empty", nil, 2, 2, nil, nil, 1},
		{"cols", img, 2, 2, []int{1}, []int{1}, 0},
		{"pred", img, 2, 2, nil, []int{1}, 1},
		{"truth", img, 2, 2, []int{1}, []int{1, 2}, 1},
		{"size", img, 3, 2, []int{1}, []int{1}, 1},
		{"zero size", img, 0, 0, []int{1}, []int{1}, 1},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			return DigitGrid(p, tc.images, tc.w, tc.h, tc.pred, tc.truth, tc.cols)
		})
	}
}

// TestDigitGridHeader checks that the "predicted / true" header strip is
// there only when there are true labels to read the "p/t" labels against.
func TestDigitGridHeader(t *testing.T) {
	img := [][]float64{{0, 1, 1, 0}, {1, 0, 0, 1}}
	cellH := 2*(digitSize/2) + digitLabel + 2*digitMargin
	for _, tc := range []struct {
		name  string
		truth []int
		want  int
	}{
		{"labels only", nil, cellH},
		{"with truth", []int{1, 2}, cellH + digitHeader},
	} {
		im, err := digitGridImage(img, 2, 2, []int{1, 2}, tc.truth, 2)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if h := im.Bounds().Dy(); h != tc.want {
			t.Errorf("%s: height %d, want %d", tc.name, h, tc.want)
		}
	}
}
