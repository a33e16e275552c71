package viz

import (
	"image"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// titleHeight is the strip, in pixels, reserved above multi-panel figures
// for their overall title.
const titleHeight = 34

// textStyle returns a plain text style in the plot's default font.
func textStyle(size vg.Length, c color.Color) text.Style {
	return text.Style{
		Color:   c,
		Font:    font.From(plot.DefaultFont, size),
		XAlign:  draw.XCenter,
		YAlign:  draw.YCenter,
		Handler: plot.DefaultTextHandler,
	}
}

// newPlot returns a plot with the settings shared by every figure: a title,
// axis labels, a light grid drawn below the data.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = 13
	p.Title.Padding = vg.Points(6)
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = niceTicks{}
	p.Y.Tick.Marker = niceTicks{}
	return p
}

// renderPanels draws plots side by side, aligned so that their data areas
// line up, below an optional overall title, and returns the image.
func renderPanels(title string, plots []*plot.Plot, panelW, panelH int) image.Image {
	top := 0
	if title != "" {
		top = titleHeight
	}
	c := newCanvas(panelW*len(plots), panelH+top)
	dc := draw.New(c)
	if title != "" {
		sty := textStyle(15, color.Black)
		pt := vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - px(top)/2}
		dc.FillText(sty, pt, title)
	}
	tiles := draw.Tiles{
		Rows: 1, Cols: len(plots),
		PadTop: px(top) + vg.Points(2), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(10),
		PadX: vg.Points(18),
	}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	return c.Image()
}

// renderPlot draws a single plot on a w×h pixel image.
func renderPlot(p *plot.Plot, w, h int) image.Image {
	c := newCanvas(w, h)
	p.Draw(draw.New(c))
	return c.Image()
}

// intTicks labels only whole numbers, with a 1-2-5 step chosen so that at
// most about eight labels appear. Epochs and class indices are integers and
// "2.5" on such an axis would be misleading.
type intTicks struct{}

func (intTicks) Ticks(min, max float64) []plot.Tick {
	lo, hi := math.Ceil(min), math.Floor(max)
	if hi < lo {
		return nil
	}
	step := 1.0
	for _, m := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000} {
		step = m
		if (hi-lo)/m <= 8 {
			break
		}
	}
	var ticks []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi; v += step {
		ticks = append(ticks, plot.Tick{Value: v, Label: strconv.Itoa(int(v))})
	}
	return ticks
}

// niceTicks places about six to eight labelled ticks at multiples of 1, 2 or 5 times
// a power of ten, all printed with the same number of decimals, and an
// unlabelled minor tick between each pair. plot.DefaultTicks often gives
// only three labels at steps such as 1.2, or "250.00".
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) || !finite(lo) || !finite(hi) {
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	raw := (hi - lo) / 8
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 5} {
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	var ticks []plot.Tick
	first := math.Ceil(float64(lo/step*2)-1e-9) / 2
	for k := first; k*step <= hi+float64(step*1e-9); k += 0.5 {
		v := k * step
		if math.Abs(v) < step*1e-9 {
			v = 0 // avoid "-0"
		}
		t := plot.Tick{Value: v}
		if k == math.Trunc(k) {
			t.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
