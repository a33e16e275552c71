package viz

import (
	"image"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// NamedSeries is a labelled sequence of values: a curve for Functions, a
// sample for Histograms.
type NamedSeries struct {
	Name   string
	Values []float64
}

// Functions writes a line plot of each series against x, one colour per
// series and a legend, for instance activation functions and their
// derivatives over [-2, 2]. Every series must have len(x) values; NaN and
// ±Inf values leave gaps, so a function undefined at a point can still be
// shown.
func Functions(path string, title string, x []float64, series []NamedSeries) error {
	img, err := functionsImage(title, x, series)
	if err != nil {
		return errors.Wrap(err, "viz: functions")
	}
	return errors.Wrap(savePNG(path, img), "viz: functions")
}

func functionsImage(title string, x []float64, series []NamedSeries) (image.Image, error) {
	switch {
	case len(x) == 0:
		return nil, errors.New("no x values")
	case len(series) == 0:
		return nil, errors.New("no series")
	}
	for i, v := range x {
		if !finite(v) {
			return nil, errors.Errorf("x[%d] is %v", i, v)
		}
	}
	p := newPlot(title, "x", "f(x)")
	p.Add(plotter.NewGrid())
	drawn := false
	for k, s := range series {
		if len(s.Values) != len(x) {
			return nil, errors.Errorf("series %q has %d values for %d x values", s.Name, len(s.Values), len(x))
		}
		var first *plotter.Line
		for _, xy := range segments(x, s.Values) {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, err
			}
			l.Color, l.Width = classColor(k), vg.Points(2)
			p.Add(l)
			if first == nil {
				first = l
			}
		}
		if first != nil {
			p.Legend.Add(s.Name, first)
			drawn = true
		}
	}
	if !drawn {
		return nil, errors.New("no finite value in any series")
	}
	// Activation functions rise to the right, so the top left is free.
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(6), -vg.Points(4)
	return renderPlot(p, 600, 420), nil
}
