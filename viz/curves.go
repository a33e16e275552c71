package viz

import (
	"image"
	"image/color"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Curves is a training history, as returned by Keras' model.fit.
type Curves struct {
	// Title is drawn above all panels; it may be empty.
	Title string

	// Series maps a metric name to its value at each epoch. Keys follow
	// the Keras History convention: "loss", "accuracy" or any other
	// metric name for training values, and the same name prefixed with
	// "val_" for validation values. All series must have the same,
	// non-zero length. NaN and ±Inf values (a diverged epoch) are left
	// as gaps in the lines.
	Series map[string][]float64

	// BestEpoch is the 1-based epoch to mark, typically the one restored
	// by early stopping; 0 marks none.
	BestEpoch int
}

// Panel size in pixels; the figure is one panel wide per metric.
const (
	curvesPanelW = 440
	curvesPanelH = 380
)

// valPrefix marks validation series in Keras histories.
const valPrefix = "val_"

// TrainingCurves writes a PNG with one panel per metric, side by side: loss
// first, then the other metrics in name order. Each panel shows the
// training and validation values against epochs 1..n, and a dashed vertical
// line at c.BestEpoch when it is set.
func TrainingCurves(path string, c Curves) error {
	img, err := curvesImage(c)
	if err != nil {
		return errors.Wrap(err, "viz: training curves")
	}
	return errors.Wrap(savePNG(path, img), "viz: training curves")
}

// metricNames returns the panel names of s: the training names, plus the
// base name of any validation series without a training partner. "loss"
// comes first because it is the quantity being optimized.
func metricNames(s map[string][]float64) []string {
	seen := make(map[string]bool)
	for k := range s {
		seen[strings.TrimPrefix(k, valPrefix)] = true
	}
	names := make([]string, 0, len(seen))
	for k := range seen {
		names = append(names, k)
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "loss") != (names[j] == "loss") {
			return names[i] == "loss"
		}
		return names[i] < names[j]
	})
	return names
}

func curvesImage(c Curves) (image.Image, error) {
	if len(c.Series) == 0 {
		return nil, errors.New("no series")
	}
	n := -1
	anyFinite := false
	for k, v := range c.Series {
		if len(v) == 0 {
			return nil, errors.Errorf("series %q is empty", k)
		}
		if n >= 0 && len(v) != n {
			return nil, errors.Errorf("series have different lengths (%q has %d, others %d)", k, len(v), n)
		}
		n = len(v)
		for _, x := range v {
			anyFinite = anyFinite || finite(x)
		}
	}
	if !anyFinite {
		return nil, errors.New("no finite value in any series")
	}
	if c.BestEpoch < 0 || c.BestEpoch > n {
		return nil, errors.Errorf("best epoch %d outside 0..%d", c.BestEpoch, n)
	}

	var plots []*plot.Plot
	for _, name := range metricNames(c.Series) {
		p, err := curvePanel(name, c.Series[name], c.Series[valPrefix+name], n, c.BestEpoch)
		if err != nil {
			return nil, errors.Wrapf(err, "metric %q", name)
		}
		plots = append(plots, p)
	}
	return renderPanels(c.Title, plots, curvesPanelW, curvesPanelH), nil
}

// curvePanel plots one metric; train or val may be nil.
func curvePanel(name string, train, val []float64, n, best int) (*plot.Plot, error) {
	p := newPlot(name, "epoch", name)
	p.X.Tick.Marker = intTicks{}
	p.X.Min, p.X.Max = 1, float64(n)
	p.Add(plotter.NewGrid())

	// Glyphs show individual epochs when there are few of them; on long
	// runs they would merge into a thick line.
	glyphs := n <= 40
	add := func(label string, v []float64, c color.RGBA, dashed bool) error {
		segs := segments(nil, v)
		if len(segs) == 0 {
			return nil // all NaN: nothing to draw, but other lines may exist
		}
		var thumb plot.Thumbnailer
		for _, xy := range segs {
			l, s, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			l.Color, l.Width = c, vg.Points(1.5)
			if dashed {
				l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
			}
			s.Color, s.Shape, s.Radius = c, draw.CircleGlyph{}, vg.Points(2)
			p.Add(l)
			thumb = l
			if glyphs {
				p.Add(s)
			}
		}
		p.Legend.Add(label, thumb)
		return nil
	}
	if err := add("training", train, colorBlue, false); err != nil {
		return nil, err
	}
	if err := add("validation", val, tab10[1], true); err != nil {
		return nil, err
	}

	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range [][]float64{train, val} {
		for _, x := range v {
			if finite(x) {
				lo, hi = math.Min(lo, x), math.Max(hi, x)
			}
		}
	}
	if lo > hi {
		// Neither series has a finite value; other panels do.
		lo, hi = 0, 1
	}
	span := hi - lo
	if span == 0 {
		span = math.Max(math.Abs(hi), 1)
	}

	// Put the legend where the curves are not, and make room for it:
	// falling curves (losses) leave the top right free, rising ones
	// (accuracies) the bottom right. gonum legends have no background,
	// so without the extra space they would be drawn over the lines.
	entries := 1
	if train != nil && val != nil {
		entries++
	}
	if best > 0 {
		entries++
	}
	room := 0.05 + float64(0.1*float64(entries))
	p.Legend.Top = !rising(train, val)
	p.Legend.XOffs = -vg.Points(4)
	if p.Legend.Top {
		p.Y.Min, p.Y.Max = lo-float64(0.03*span), hi+float64(room*span)
		p.Legend.YOffs = -vg.Points(4)
	} else {
		p.Y.Min, p.Y.Max = lo-float64(room*span), hi+float64(0.03*span)
		p.Legend.YOffs = vg.Points(4)
	}

	// Accuracies are fractions: an axis running past 1 (to make room for
	// the legend) or below 0 would show values no run can reach.
	if isAccuracy(name) {
		p.Y.Min, p.Y.Max = math.Max(p.Y.Min, 0), math.Min(p.Y.Max, 1)
	}

	if best > 0 {
		l, err := plotter.NewLine(plotter.XYs{{X: float64(best), Y: p.Y.Min}, {X: float64(best), Y: p.Y.Max}})
		if err != nil {
			return nil, err
		}
		l.Color = colorDark
		l.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		p.Add(l)
		p.Legend.Add("best epoch "+strconv.Itoa(best), l)
	}
	return p, nil
}

// isAccuracy reports whether a metric is an accuracy, a fraction in [0, 1]:
// "accuracy", "sparse_categorical_accuracy", "acc" and the like.
func isAccuracy(name string) bool {
	name = strings.ToLower(name)
	return strings.Contains(name, "accuracy") || name == "acc" || strings.HasSuffix(name, "_acc")
}

// segments splits the points (x[i], y[i]) into runs of finite y, so that a
// diverged epoch or an undefined function value leaves a gap instead of
// failing the whole figure. A nil x means 1-based epochs.
func segments(x, y []float64) []plotter.XYs {
	var segs []plotter.XYs
	var cur plotter.XYs
	for i, v := range y {
		if !finite(v) {
			if len(cur) > 0 {
				segs, cur = append(segs, cur), nil
			}
			continue
		}
		xi := float64(i + 1)
		if x != nil {
			xi = x[i]
		}
		cur = append(cur, plotter.XY{X: xi, Y: v})
	}
	if len(cur) > 0 {
		segs = append(segs, cur)
	}
	return segs
}

// rising reports whether the first non-empty of the series ends higher than
// it starts.
func rising(series ...[]float64) bool {
	for _, v := range series {
		first, last := math.NaN(), math.NaN()
		for _, x := range v {
			if finite(x) {
				if math.IsNaN(first) {
					first = x
				}
				last = x
			}
		}
		if !math.IsNaN(first) {
			return last > first
		}
	}
	return false
}
