package viz

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Histograms writes the distributions of groups as overlaid, translucent
// histograms sharing one set of bins, so that shapes and locations can be
// compared directly, for instance a layer's activations before and after
// BatchNorm. The legend gives each group's mean and standard deviation.
// NaN and ±Inf values are ignored; a group with no finite value is an
// error.
func Histograms(path string, title string, groups []NamedSeries, bins int) error {
	img, err := histogramsImage(title, groups, bins)
	if err != nil {
		return errors.Wrap(err, "viz: histograms")
	}
	return errors.Wrap(savePNG(path, img), "viz: histograms")
}

func histogramsImage(title string, groups []NamedSeries, bins int) (image.Image, error) {
	if len(groups) == 0 {
		return nil, errors.New("no groups")
	}
	if bins < 1 || bins > 10000 {
		return nil, errors.Errorf("%d bins, want 1..10000", bins)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, g := range groups {
		l, h, err := valueRange(g.Values)
		if err != nil {
			return nil, errors.Wrapf(err, "group %q", g.Name)
		}
		lo, hi = math.Min(lo, l), math.Max(hi, h)
	}
	if lo == hi {
		lo, hi = lo-0.5, hi+0.5
	}
	width := (hi - lo) / float64(bins)

	p := newPlot(title, "value", "count")
	top := 0.0
	p.Add(plotter.NewGrid())
	for k, g := range groups {
		h := &plotter.Histogram{
			Bins:  make([]plotter.HistogramBin, bins),
			Width: width,
		}
		for i := range h.Bins {
			h.Bins[i].Min = lo + float64(float64(i)*width)
			h.Bins[i].Max = lo + float64(float64(i+1)*width)
		}
		var sum, sum2, n float64
		for _, v := range g.Values {
			if !finite(v) {
				continue
			}
			// The maximum belongs to the last bin, not one past it.
			i := min(int((v-lo)/width), bins-1)
			h.Bins[i].Weight++
			sum, sum2, n = sum+v, sum2+float64(v*v), n+1
		}
		for _, b := range h.Bins {
			top = math.Max(top, b.Weight)
		}
		c := classColor(k)
		// Translucent fills keep every group visible where they overlap.
		h.FillColor = color.NRGBA{R: c.R, G: c.G, B: c.B, A: 0x70}
		h.LineStyle.Color, h.LineStyle.Width = c, vg.Points(1)
		p.Add(h)
		mean := sum / n
		sd := math.Sqrt(math.Max(0, sum2/n-float64(mean*mean)))
		p.Legend.Add(fmt.Sprintf("%s (mean %.3g, sd %.3g)", g.Name, mean, sd), h)
	}
	// Headroom for the legend, which has no background of its own.
	p.Y.Min, p.Y.Max = 0, top*(1.1+float64(0.1*float64(len(groups))))
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), -vg.Points(4)
	return renderPlot(p, 640, 420), nil
}
