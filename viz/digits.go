package viz

import (
	"image"
	"image/color"
	"strconv"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout of a DigitGrid cell, in pixels: the image scaled to about
// digitSize, a label strip below it, and a margin around both.
const (
	digitSize   = 84
	digitLabel  = 20
	digitMargin = 8
	digitHeader = 24 // the strip above the grid that says how to read the labels
)

// DigitGrid writes a grid of small grayscale images, cols per row, each
// labelled "pred/true" underneath, under a header that says so ("labels:
// predicted / true, mistakes in red"), so that the figure can be read
// without its caption. Images whose prediction differs from the
// truth get a red frame and a red label, so that errors stand out in a grid
// of mostly correct ones. Each image is a row-major width×height slice
// scaled from its own min..max to black..white, as Image does. truth may be
// nil, in which case only predictions are shown and nothing is marked.
func DigitGrid(path string, images [][]float64, width, height int, predicted, truth []int, cols int) error {
	img, err := digitGridImage(images, width, height, predicted, truth, cols)
	if err != nil {
		return errors.Wrap(err, "viz: digit grid")
	}
	return errors.Wrap(savePNG(path, img), "viz: digit grid")
}

func digitGridImage(images [][]float64, width, height int, predicted, truth []int, cols int) (image.Image, error) {
	n := len(images)
	switch {
	case n == 0:
		return nil, errors.New("no images")
	case cols < 1:
		return nil, errors.Errorf("%d columns", cols)
	case len(predicted) != n:
		return nil, errors.Errorf("%d predictions for %d images", len(predicted), n)
	case truth != nil && len(truth) != n:
		return nil, errors.Errorf("%d true labels for %d images", len(truth), n)
	case width <= 0 || height <= 0:
		return nil, errors.Errorf("size %d×%d is not positive", width, height)
	}
	if cols > n {
		cols = n
	}
	rows := (n + cols - 1) / cols
	// An integer scale keeps pixels square and sharp, like imshow with
	// interpolation="nearest".
	scale := digitSize / max(width, height)
	scale = max(scale, 1)
	tiles := make([]*image.Gray, n)
	for i, pix := range images {
		lo, hi, err := valueRange(pix)
		if err != nil {
			return nil, errors.Wrapf(err, "image %d", i)
		}
		if tiles[i], err = GrayImage(pix, width, height, scale, lo, hi); err != nil {
			return nil, errors.Wrapf(err, "image %d", i)
		}
	}

	cellW := width*scale + 2*digitMargin
	cellH := height*scale + digitLabel + 2*digitMargin
	if int64(cellW*cols)*int64(cellH*rows) > maxPixels {
		return nil, errors.Errorf("%d images of %d×%d make too large a grid", n, width, height)
	}
	// With truth, a header says how to read "7/9"; a grid of one label per
	// image (truth nil: the caller's labels, true or predicted) needs none.
	header := 0
	if truth != nil {
		header = digitHeader
	}
	c := newCanvas(cellW*cols, cellH*rows+header)
	dc := draw.New(c)
	H := cellH * rows // the grid's height; the header is above it
	if truth != nil {
		dc.FillText(textStyle(12, color.Black), vg.Point{X: px(cellW * cols / 2), Y: px(H + digitHeader/2 - 2)},
			"labels: predicted / true, mistakes in red")
	}
	for i, tile := range tiles {
		// Pixel coordinates from the top left; vg's y axis points up.
		x0 := (i%cols)*cellW + digitMargin
		y0 := (i/cols)*cellH + digitMargin
		rect := vg.Rectangle{
			Min: vg.Point{X: px(x0), Y: px(H - y0 - height*scale)},
			Max: vg.Point{X: px(x0 + width*scale), Y: px(H - y0)},
		}
		c.DrawImage(rect, tile)

		label := strconv.Itoa(predicted[i])
		ink := color.Color(color.Black)
		if truth != nil {
			label += "/" + strconv.Itoa(truth[i])
			if predicted[i] != truth[i] {
				ink = colorRed
				frame := vg.Rectangle{
					Min: vg.Point{X: rect.Min.X - px(2), Y: rect.Min.Y - px(2)},
					Max: vg.Point{X: rect.Max.X + px(2), Y: rect.Max.Y + px(2)},
				}
				dc.SetLineStyle(draw.LineStyle{Color: colorRed, Width: px(3)})
				dc.Stroke(frame.Path())
			}
		}
		pt := vg.Point{X: (rect.Min.X + rect.Max.X) / 2, Y: rect.Min.Y - px(digitLabel/2+2)}
		dc.FillText(textStyle(11, ink), pt, label)
	}
	return c.Image(), nil
}
