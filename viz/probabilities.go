package viz

import (
	"image"
	"image/color"
	"strconv"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// probTolerance is how far outside [0, 1] a probability may stray: softmax
// in float32 can sum to slightly more than one.
const probTolerance = 1e-6

// Probabilities writes a bar chart of the predicted probability of each
// class. The predicted class (the argmax) is blue, the true class green,
// and a single green bar labelled "predicted = true" when they coincide;
// other classes are gray. Pass trueClass = -1 when the label is unknown.
// classes names the bars; nil names them 0..n-1.
func Probabilities(path string, probs []float64, classes []string, trueClass int, title string) error {
	img, err := probabilitiesImage(probs, classes, trueClass, title)
	if err != nil {
		return errors.Wrap(err, "viz: probabilities")
	}
	return errors.Wrap(savePNG(path, img), "viz: probabilities")
}

func probabilitiesImage(probs []float64, classes []string, trueClass int, title string) (image.Image, error) {
	n := len(probs)
	if n == 0 {
		return nil, errors.New("no probabilities")
	}
	if classes == nil {
		classes = make([]string, n)
		for i := range classes {
			classes[i] = strconv.Itoa(i)
		}
	}
	if len(classes) != n {
		return nil, errors.Errorf("%d probabilities but %d class names", n, len(classes))
	}
	if trueClass < -1 || trueClass >= n {
		return nil, errors.Errorf("true class %d outside -1..%d", trueClass, n-1)
	}
	pred := 0
	for i, v := range probs {
		if !finite(v) || v < -probTolerance || v > 1+probTolerance {
			return nil, errors.Errorf("probability %d is %v, not in [0, 1]", i, v)
		}
		if v > probs[pred] {
			pred = i
		}
	}

	p := newPlot(title, "class", "probability")
	p.Y.Min, p.Y.Max = 0, 1
	// Vertical grid lines would run through the bars.
	grid := plotter.NewGrid()
	grid.Vertical.Color = nil
	p.Add(grid)
	p.NominalX(classes...)
	// Bar widths are not part of the data range; without the half-class
	// margin the first and last bars would be cut in half.
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5

	// Each bar is its own chart so that it can have its own colour; the
	// legend gets one entry per role actually present.
	width := px(500) / vg.Length(n) * 0.7
	var other, predBar, trueBar, both *plotter.BarChart
	for i, v := range probs {
		b, err := plotter.NewBarChart(plotter.Values{clamp01(v)}, width)
		if err != nil {
			return nil, err
		}
		b.XMin = float64(i)
		b.LineStyle.Width = 0
		switch {
		case i == pred && i == trueClass:
			b.Color, both = colorGreen, b
		case i == pred:
			b.Color, predBar = colorBlue, b
		case i == trueClass:
			b.Color, trueBar = colorGreen, b
		default:
			b.Color, other = colorGray, b
		}
		p.Add(b)
	}
	for _, e := range []struct {
		label string
		b     *plotter.BarChart
	}{
		{"predicted", predBar},
		{"true class", trueBar},
		{"predicted = true", both},
		{"other", other},
	} {
		if e.b != nil {
			p.Legend.Add(e.label, e.b)
		}
	}
	// The tallest bar is the predicted one; keep the legend on the other
	// side of the chart so it does not hide it.
	p.Legend.Top = true
	p.Legend.Left = pred >= n/2
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), -vg.Points(4)
	if p.Legend.Left {
		p.Legend.XOffs = vg.Points(4)
	}
	p.Legend.TextStyle.Color = color.Black
	return renderPlot(p, 600, 400), nil
}

// clamp01 removes the float rounding that probTolerance lets through.
func clamp01(v float64) float64 {
	switch {
	case v < 0:
		return 0
	case v > 1:
		return 1
	}
	return v
}
