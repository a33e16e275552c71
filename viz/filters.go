package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"
	"strconv"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Layout of a Filters figure, in pixels: each kernel slice scaled to about
// filterTile, gaps between tiles, a filter number under each column, and
// two header lines (the title and the colour scale).
const (
	filterTile   = 36
	filterGap    = 6
	filterLabel  = 16
	filterMargin = 10
	filterHeader = 52
	filterMinW   = 460 // wide enough for the header lines
)

// FilterGrid is a Conv2D layer's kernel, for Filters.
type FilterGrid struct {
	// Title goes above the grid (the layer's name, say); Filters adds a
	// second line that states the colour scale.
	Title string
	// Kernel holds the weights row-major over Shape, as gradgraph's
	// Conv2DLayer.Kernel and Keras's layer.get_weights()[0] store them.
	Kernel []float64
	// Shape is (kernel height, kernel width, input channels, filters).
	Shape []int
	// Cols is the number of filters per row; 0 means 8.
	Cols int
	// Channels is the number of input channels drawn per filter, the
	// first ones; 0 means all of them.
	Channels int
}

// Filters writes a Conv2D layer's learned kernels as a grid of small grey
// images, one column per filter, numbered underneath, Cols filters per row.
// A first layer on grey images has one input channel, so each filter is a
// single kh×kw image; a deeper layer's filter is a column of kh×kw images,
// one per input channel, channel 0 at the top: the layout of the "visualize
// filters" tutorials for Keras (Brownlee's on VGG16 draws each filter's
// channels side by side, one filter per row; here a filter is a column so
// that many filters fit across a page).
//
// All tiles share one colour scale, symmetric around zero: mid-grey is a
// zero weight, black the most negative weight's −|w|max and white +|w|max,
// so that tiles can be compared with each other and the sign of a weight
// read off. The header's second line gives |w|max. NaN weights are drawn
// black. Bad shapes (not rank 4, a zero or negative size, too few weights)
// are errors.
func Filters(path string, f FilterGrid) error {
	img, err := filtersImage(f)
	if err != nil {
		return errors.Wrap(err, "viz: filters")
	}
	return errors.Wrap(savePNG(path, img), "viz: filters")
}

func filtersImage(f FilterGrid) (image.Image, error) {
	if len(f.Shape) != 4 {
		return nil, errors.Errorf("kernel shape %v is not (height, width, in channels, filters)", f.Shape)
	}
	kh, kw, cin, nf := f.Shape[0], f.Shape[1], f.Shape[2], f.Shape[3]
	if kh <= 0 || kw <= 0 || cin <= 0 || nf <= 0 {
		return nil, errors.Errorf("kernel shape %v has a zero or negative size", f.Shape)
	}
	if kh > maxPixels || kw > maxPixels || cin > maxPixels || nf > maxPixels || kh*kw > maxPixels/(cin*nf) {
		return nil, errors.Errorf("kernel shape %v is too large to draw", f.Shape)
	}
	if len(f.Kernel) != kh*kw*cin*nf {
		return nil, errors.Errorf("%d weights for a kernel of shape %v (%d weights)", len(f.Kernel), f.Shape, kh*kw*cin*nf)
	}
	if f.Cols < 0 || f.Channels < 0 {
		return nil, errors.Errorf("%d columns, %d channels: must not be negative", f.Cols, f.Channels)
	}
	cols := f.Cols
	if cols == 0 {
		cols = 8
	}
	cols = min(cols, nf)
	ch := cin
	if f.Channels > 0 {
		ch = min(f.Channels, cin)
	}
	rows := (nf + cols - 1) / cols

	// One scale for every tile drawn, symmetric around zero.
	amax := 0.0
	finiteSeen := false
	for i, w := range f.Kernel {
		if c := (i / nf) % cin; c >= ch || !finite(w) {
			continue
		}
		finiteSeen = true
		amax = math.Max(amax, math.Abs(w))
	}
	if !finiteSeen {
		return nil, errors.New("no finite weight to draw")
	}
	lo, hi := -amax, amax
	if amax == 0 {
		lo, hi = -1, 1 // an all-zero kernel is uniformly mid-grey
	}

	scale := max(1, filterTile/max(kh, kw))
	tileW, tileH := kw*scale, kh*scale
	cellW := tileW + filterGap
	cellH := ch*(tileH+filterGap) + filterLabel
	gridW := cols*cellW - filterGap + 2*filterMargin
	W := max(gridW, filterMinW)
	H := filterHeader + rows*cellH + filterMargin
	if int64(W)*int64(H) > maxPixels {
		return nil, errors.Errorf("%d filters of %d×%d×%d make too large a grid", nf, kh, kw, ch)
	}

	c := newCanvas(W, H)
	dc := draw.New(c)
	title := f.Title
	if title == "" {
		title = fmt.Sprintf("%d filters of %d×%d×%d", nf, kh, kw, cin)
	}
	dc.FillText(textStyle(13, color.Black), vg.Point{X: px(W / 2), Y: px(H - 16)}, title)
	scaleLine := fmt.Sprintf("one scale for all: black −%.3g, grey 0, white +%.3g", amax, amax)
	if ch < cin {
		scaleLine = fmt.Sprintf("input channels 0–%d of %d; ", ch-1, cin) + scaleLine
	} else if cin > 1 {
		scaleLine = "a column per filter, input channel 0 on top; " + scaleLine
	}
	dc.FillText(textStyle(10, colorDark), vg.Point{X: px(W / 2), Y: px(H - 38)}, scaleLine)

	// Centre the grid when the header made the figure wider.
	left := (W - gridW) / 2
	pix := make([]float64, kh*kw)
	for fi := 0; fi < nf; fi++ {
		x0 := left + filterMargin + (fi%cols)*cellW
		y0 := filterHeader + (fi/cols)*cellH
		for ci := 0; ci < ch; ci++ {
			for i := 0; i < kh; i++ {
				for j := 0; j < kw; j++ {
					pix[i*kw+j] = f.Kernel[((i*kw+j)*cin+ci)*nf+fi]
				}
			}
			tile, err := GrayImage(pix, kw, kh, scale, lo, hi)
			if err != nil {
				return nil, errors.Wrapf(err, "filter %d channel %d", fi, ci)
			}
			drawTile(c, tile, x0, y0+ci*(tileH+filterGap), H)
		}
		pt := vg.Point{X: px(x0 + tileW/2), Y: px(H - y0 - ch*(tileH+filterGap) - filterLabel/2 + 3)}
		dc.FillText(textStyle(9, colorDark), pt, strconv.Itoa(fi))
	}
	return c.Image(), nil
}
