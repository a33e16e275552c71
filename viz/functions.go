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
	return FunctionsWith(path, title, x, series, FunctionsOptions{})
}

// FunctionsOptions changes what Functions draws.
type FunctionsOptions struct {
	// YLabel labels the y axis; empty means "f(x)". A plot of derivatives
	// says "f′(x)", so that it is not read as the functions themselves.
	YLabel string
	// Steps names the series drawn as step functions: the value at x[i+1]
	// is held over (x[i], x[i+1]] and the change is a vertical jump at
	// x[i]. A function with a jump (ReLU's derivative, 0 up to 0 and 1
	// after it) would otherwise be drawn as a sloped line between the two
	// samples around the jump, a value it never takes.
	Steps []string
}

// FunctionsWith is Functions with options: the y axis label and which
// series are step functions.
func FunctionsWith(path string, title string, x []float64, series []NamedSeries, o FunctionsOptions) error {
	img, err := functionsImage(title, x, series, o)
	if err != nil {
		return errors.Wrap(err, "viz: functions")
	}
	return errors.Wrap(savePNG(path, img), "viz: functions")
}

func functionsImage(title string, x []float64, series []NamedSeries, o FunctionsOptions) (image.Image, error) {
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
	ylabel := o.YLabel
	if ylabel == "" {
		ylabel = "f(x)"
	}
	steps := map[string]bool{}
	for _, name := range o.Steps {
		steps[name] = true
	}
	for _, name := range o.Steps {
		found := false
		for _, s := range series {
			found = found || s.Name == name
		}
		if !found {
			return nil, errors.Errorf("step series %q is not among the series", name)
		}
	}
	p := newPlot(title, "x", ylabel)
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
			if steps[s.Name] {
				l.StepStyle = plotter.PreStep
			}
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
