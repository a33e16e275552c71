package viz

import (
	"image/color"
	"math"
	"strings"
	"testing"
)

// ramp returns a kernel of the given shape whose weights run from −1 to 1
// in a pattern that differs per filter and channel: filter f's channel c
// tilts by f and c, so that a mix-up of the axes changes the picture.
func ramp(kh, kw, cin, nf int) []float64 {
	k := make([]float64, kh*kw*cin*nf)
	for i := 0; i < kh; i++ {
		for j := 0; j < kw; j++ {
			for c := 0; c < cin; c++ {
				for f := 0; f < nf; f++ {
					v := float64((i*(f+1)+j*(c+1))%5)/2 - 1
					if f%2 == 1 {
						v = -v
					}
					k[((i*kw+j)*cin+c)*nf+f] = v
				}
			}
		}
	}
	return k
}

func TestFiltersGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    FilterGrid
		w, h int
	}{
		// 10 filters of one channel, 5 a row: two rows of single tiles.
		{"filters", FilterGrid{Title: "conv2d: 10 filters 3×3×1", Kernel: ramp(3, 3, 1, 10), Shape: []int{3, 3, 1, 10}, Cols: 5},
			filterMinW, filterHeader + 2*(36+filterGap+filterLabel) + filterMargin},
		// 4 filters of 3 channels, 2 drawn: each filter a column of 2 tiles.
		{"filters_channels", FilterGrid{Kernel: ramp(3, 3, 3, 4), Shape: []int{3, 3, 3, 4}, Channels: 2},
			filterMinW, filterHeader + 2*(36+filterGap) + filterLabel + filterMargin},
	} {
		checkGolden(t, tc.name, tc.w, tc.h, func(p string) error { return Filters(p, tc.f) })
	}
}

// TestFiltersScale checks the shared scale symmetric around zero pixel by
// pixel: a weight of −|w|max is black, 0 mid-grey, +|w|max white, in every
// filter alike, and each tile sits where the layout says.
func TestFiltersScale(t *testing.T) {
	// Two 1×3 filters, (−2, 0, 2) and (1, 0, −1): the second is half as
	// contrasted on the shared scale.
	k := []float64{-2, 1, 0, 0, 2, -1} // (kh, kw, cin, filters) = (1, 3, 1, 2)
	img, err := filtersImage(FilterGrid{Kernel: k, Shape: []int{1, 3, 1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	scale := filterTile / 3
	gridW := 2*(3*scale+filterGap) - filterGap + 2*filterMargin
	left := (filterMinW-gridW)/2 + filterMargin
	for _, tc := range []struct {
		filter, col int
		want        uint8
	}{
		{0, 0, 0}, {0, 1, 128}, {0, 2, 255},
		{1, 0, 191}, {1, 1, 128}, {1, 2, 64},
	} {
		x := left + tc.filter*(3*scale+filterGap) + tc.col*scale + scale/2
		y := filterHeader + scale/2
		g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
		if d := int(g) - int(tc.want); d < -1 || d > 1 {
			t.Errorf("filter %d column %d: grey %d at (%d, %d), want %d", tc.filter, tc.col, g, x, y, tc.want)
		}
	}
}

func TestFiltersErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    FilterGrid
		want string
	}{
		{"rank 2", FilterGrid{Kernel: make([]float64, 9), Shape: []int{3, 3}}, "not (height, width, in channels, filters)"},
		{"rank 5", FilterGrid{Kernel: make([]float64, 9), Shape: []int{3, 3, 1, 1, 1}}, "not (height"},
		{"zero filters", FilterGrid{Kernel: nil, Shape: []int{3, 3, 1, 0}}, "zero or negative"},
		{"negative size", FilterGrid{Kernel: make([]float64, 9), Shape: []int{-3, -3, 1, 1}}, "zero or negative"},
		{"too few weights", FilterGrid{Kernel: make([]float64, 17), Shape: []int{3, 3, 1, 2}}, "17 weights"},
		{"negative cols", FilterGrid{Kernel: make([]float64, 9), Shape: []int{3, 3, 1, 1}, Cols: -1}, "negative"},
		{"negative channels", FilterGrid{Kernel: make([]float64, 9), Shape: []int{3, 3, 1, 1}, Channels: -2}, "negative"},
		{"huge", FilterGrid{Kernel: make([]float64, 9), Shape: []int{1 << 20, 1 << 20, 1 << 20, 1 << 20}}, "too large"},
		{"no finite weight", FilterGrid{Kernel: []float64{math.NaN(), math.Inf(1)}, Shape: []int{1, 1, 1, 2}}, "no finite"},
	} {
		checkNoFile(t, tc.name, func(p string) error {
			err := Filters(p, tc.f)
			if err != nil && !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %q, want one containing %q", tc.name, err, tc.want)
			}
			return err
		})
	}
}
