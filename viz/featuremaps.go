package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Layout of a FeatureMaps figure, in pixels: each channel scaled to about
// featureTile, gaps between tiles, a strip naming each layer above its
// panel, and the figure's title and reading note on top.
const (
	featureTile   = 52
	featureGap    = 4
	featurePanel  = 24 // the strip above each layer's panel
	featureMargin = 10
	featureHeader = 52
	featureMinW   = 520 // wide enough for the header lines
)

// FeatureMap is one layer's output for one sample, for FeatureMaps.
type FeatureMap struct {
	// Name labels the layer's panel ("conv2d (Conv2D)"); FeatureMaps adds
	// the shape.
	Name string
	// Shape is (height, width, channels), without the batch.
	Shape []int
	// Values holds the output row-major over Shape, channels last, as
	// train.Trainer.Activations returns it.
	Values []float64
}

// FeatureMaps writes one sample's feature maps, layer by layer: a panel
// per layer, top to bottom, each a grid of its channels, cols per row (0
// means 16), under the layer's name and shape. This is the figure of
// Chollet's "visualizing intermediate activations" (Deep Learning with
// Python, 5.4.1): one grid per layer, 16 channels a row, every channel
// scaled on its own, because channels' ranges differ by orders of
// magnitude. Here each channel goes from its own minimum (black) to its
// maximum (white), in grey rather than viridis like the rest of viz's
// images; a constant channel (a ReLU that never fired on this sample) is
// black. Shapes that are not (height, width, channels) are errors: pass
// the convolution and pooling layers, not Flatten or Dense.
func FeatureMaps(path, title string, maps []FeatureMap, cols int) error {
	img, err := featureMapsImage(title, maps, cols)
	if err != nil {
		return errors.Wrap(err, "viz: feature maps")
	}
	return errors.Wrap(savePNG(path, img), "viz: feature maps")
}

// featurePanelLayout is one layer's panel: its tile scale and grid.
type featurePanelLayout struct {
	h, w, ch, scale, cols, rows int
}

func (p featurePanelLayout) width() int {
	return p.cols*(p.w*p.scale+featureGap) - featureGap + 2*featureMargin
}

func (p featurePanelLayout) height() int {
	return featurePanel + p.rows*(p.h*p.scale+featureGap)
}

func featureMapsImage(title string, maps []FeatureMap, cols int) (image.Image, error) {
	if len(maps) == 0 {
		return nil, errors.New("no layers")
	}
	if cols < 0 {
		return nil, errors.Errorf("%d columns", cols)
	}
	if cols == 0 {
		cols = 16
	}
	panels := make([]featurePanelLayout, len(maps))
	W, H := featureMinW, featureHeader+featureMargin
	for k, m := range maps {
		if len(m.Shape) != 3 {
			return nil, errors.Errorf("layer %d %q: shape %v is not (height, width, channels)", k, m.Name, m.Shape)
		}
		h, w, ch := m.Shape[0], m.Shape[1], m.Shape[2]
		if h <= 0 || w <= 0 || ch <= 0 {
			return nil, errors.Errorf("layer %d %q: shape %v has a zero or negative size", k, m.Name, m.Shape)
		}
		if h > maxPixels || w > maxPixels || ch > maxPixels || h*w > maxPixels/ch {
			return nil, errors.Errorf("layer %d %q: shape %v is too large to draw", k, m.Name, m.Shape)
		}
		if len(m.Values) != h*w*ch {
			return nil, errors.Errorf("layer %d %q: %d values for shape %v", k, m.Name, len(m.Values), m.Shape)
		}
		p := featurePanelLayout{h: h, w: w, ch: ch, cols: min(cols, ch)}
		p.scale = max(1, int(math.Round(featureTile/float64(max(h, w)))))
		p.rows = (ch + p.cols - 1) / p.cols
		if int64(p.width())*int64(p.height()) > maxPixels {
			return nil, errors.Errorf("layer %d %q: shape %v makes too large a panel", k, m.Name, m.Shape)
		}
		panels[k] = p
		W = max(W, p.width())
		H += p.height()
	}
	if int64(W)*int64(H) > maxPixels {
		return nil, errors.Errorf("%d layers make too large a figure", len(maps))
	}

	c := newCanvas(W, H)
	dc := draw.New(c)
	if title != "" {
		dc.FillText(textStyle(13, color.Black), vg.Point{X: px(W / 2), Y: px(H - 16)}, title)
	}
	dc.FillText(textStyle(10, colorDark), vg.Point{X: px(W / 2), Y: px(H - 38)},
		"each map from its own min (black) to its max (white); all black: constant")
	y := featureHeader
	for k, m := range maps {
		p := panels[k]
		label := fmt.Sprintf("%s: %d×%d×%d", m.Name, p.h, p.w, p.ch)
		dc.FillText(textStyle(11, color.Black), vg.Point{X: px(W / 2), Y: px(H - y - featurePanel/2)}, label)
		left := (W - p.width()) / 2
		pix := make([]float64, p.h*p.w)
		for ci := 0; ci < p.ch; ci++ {
			for i := range pix {
				pix[i] = m.Values[i*p.ch+ci]
			}
			lo, hi, err := valueRange(pix)
			if err != nil {
				lo, hi = 0, 0 // every value NaN or infinite: drawn black
			}
			tile, err := GrayImage(pix, p.w, p.h, p.scale, lo, hi)
			if err != nil {
				return nil, errors.Wrapf(err, "layer %d %q channel %d", k, m.Name, ci)
			}
			x0 := left + featureMargin + (ci%p.cols)*(p.w*p.scale+featureGap)
			y0 := y + featurePanel + (ci/p.cols)*(p.h*p.scale+featureGap)
			drawTile(c, tile, x0, y0, H)
		}
		y += p.height()
	}
	return c.Image(), nil
}

// drawTile draws img with its top left corner at pixel (x0, y0) from the
// top left of a canvas H pixels high (vg's y axis points up), on a grey
// frame one pixel wide, so that white tiles stand out from the white page.
func drawTile(c *vgimg.Canvas, img image.Image, x0, y0, H int) {
	b := img.Bounds()
	r := vg.Rectangle{
		Min: vg.Point{X: px(x0), Y: px(H - y0 - b.Dy())},
		Max: vg.Point{X: px(x0 + b.Dx()), Y: px(H - y0)},
	}
	frame := vg.Rectangle{
		Min: vg.Point{X: r.Min.X - px(1), Y: r.Min.Y - px(1)},
		Max: vg.Point{X: r.Max.X + px(1), Y: r.Max.Y + px(1)},
	}
	c.SetColor(colorGray)
	c.Fill(frame.Path())
	c.DrawImage(r, img)
}
