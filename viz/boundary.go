package viz

import (
	"image"
	"image/color"
	"math"
	"sort"
	"strconv"

	"github.com/pkg/errors"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Size of decision boundary figures, in pixels.
const (
	boundaryW = 600
	boundaryH = 560
)

// DecisionBoundary writes the classes predicted over the plane: the
// background of the points' bounding box, padded by 10%, is a
// resolution×resolution grid coloured by the class predict returns at each
// cell's centre, paler where the confidence (in [0, 1]; for a softmax
// classifier, the largest probability) is lower, and the points are
// drawn on top in their label's colour with a dark outline, so that
// misclassified points show as a dot on a different colour.
func DecisionBoundary(path string, predict func(x, y float64) (class int, confidence float64), points [][2]float64, labels []int, title string, resolution int) error {
	img, err := DecisionBoundaryImage(predict, points, labels, title, resolution)
	if err != nil {
		return errors.Wrap(err, "viz: decision boundary")
	}
	return errors.Wrap(savePNG(path, img), "viz: decision boundary")
}

// DecisionBoundaryImage returns the image DecisionBoundary writes, so that a
// caller can collect one per epoch and animate them with WriteGIF. The
// frame's extent depends only on points, so frames for the same points
// line up.
func DecisionBoundaryImage(predict func(x, y float64) (class int, confidence float64), points [][2]float64, labels []int, title string, resolution int) (image.Image, error) {
	if predict == nil {
		return nil, errors.New("nil predict function")
	}
	return DecisionBoundaryImageBatch(func(grid [][2]float64) ([]int, []float64, error) {
		classes, conf := make([]int, len(grid)), make([]float64, len(grid))
		for i, pt := range grid {
			classes[i], conf[i] = predict(pt[0], pt[1])
		}
		return classes, conf, nil
	}, points, labels, title, resolution)
}

// BatchPredictor classifies many points at once: it returns the class and the
// confidence (see DecisionBoundary) of each of grid's points, in grid's order,
// or an error. A network evaluates a whole grid in a few large batches far
// faster than point by point.
type BatchPredictor func(grid [][2]float64) (classes []int, confidence []float64, err error)

// DecisionBoundaryBatch is DecisionBoundary with a predictor that is called
// once, on the centres of all resolution² cells of the background; see
// DecisionBoundaryImageBatch.
func DecisionBoundaryBatch(path string, predict BatchPredictor, points [][2]float64, labels []int, title string, resolution int) error {
	img, err := DecisionBoundaryImageBatch(predict, points, labels, title, resolution)
	if err != nil {
		return errors.Wrap(err, "viz: decision boundary")
	}
	return errors.Wrap(savePNG(path, img), "viz: decision boundary")
}

// DecisionBoundaryImageBatch is DecisionBoundaryImage with a predictor
// that is called once, on the centres of all resolution² cells of the
// background, row by row from the top (largest y) and left to right within a
// row. The image is the same as DecisionBoundaryImage's for a predictor that
// gives the same answers. An error from predict, or answers of the wrong
// length, are returned as errors.
func DecisionBoundaryImageBatch(predict BatchPredictor, points [][2]float64, labels []int, title string, resolution int) (image.Image, error) {
	return boundaryImage(predict, points, labels, nil, nil, title, resolution)
}

// DecisionBoundaryTestImage is DecisionBoundaryImageBatch with held-out
// points drawn too, as the TensorFlow Playground's "show test data" does:
// the training points are filled discs in their label's colour, the test
// points rings of it around a white centre, under a legend entry of their
// own, so that a test point on the wrong colour is a mistake on data the
// network never trained on. The extent covers both sets of points.
func DecisionBoundaryTestImage(predict BatchPredictor, points [][2]float64, labels []int, test [][2]float64, testLabels []int, title string, resolution int) (image.Image, error) {
	switch {
	case len(test) == 0:
		return nil, errors.New("no test points")
	case len(testLabels) != len(test):
		return nil, errors.Errorf("%d test labels for %d test points", len(testLabels), len(test))
	}
	return boundaryImage(predict, points, labels, test, testLabels, title, resolution)
}

// boundaryImage draws a decision boundary with the training points and, if
// test is not nil, the test points.
func boundaryImage(predict BatchPredictor, points [][2]float64, labels []int, test [][2]float64, testLabels []int, title string, resolution int) (image.Image, error) {
	switch {
	case predict == nil:
		return nil, errors.New("nil predict function")
	case len(points) == 0:
		return nil, errors.New("no points")
	case len(labels) != len(points):
		return nil, errors.Errorf("%d labels for %d points", len(labels), len(points))
	case resolution < 2 || resolution > 2000:
		return nil, errors.Errorf("resolution %d, want 2..2000", resolution)
	}
	xmin, ymin := math.Inf(1), math.Inf(1)
	xmax, ymax := math.Inf(-1), math.Inf(-1)
	for i, pt := range append(points[:len(points):len(points)], test...) {
		if !finite(pt[0]) || !finite(pt[1]) {
			if i >= len(points) {
				return nil, errors.Errorf("test point %d is %v", i-len(points), pt)
			}
			return nil, errors.Errorf("point %d is %v", i, pt)
		}
		xmin, xmax = math.Min(xmin, pt[0]), math.Max(xmax, pt[0])
		ymin, ymax = math.Min(ymin, pt[1]), math.Max(ymax, pt[1])
	}
	xmin, xmax = pad(xmin, xmax)
	ymin, ymax = pad(ymin, ymax)

	dx, dy := (xmax-xmin)/float64(resolution), (ymax-ymin)/float64(resolution)
	grid := make([][2]float64, 0, resolution*resolution)
	for r := 0; r < resolution; r++ {
		// Image rows go down while y goes up.
		y := ymax - float64((float64(r)+0.5)*dy)
		for c := 0; c < resolution; c++ {
			grid = append(grid, [2]float64{xmin + float64((float64(c)+0.5)*dx), y})
		}
	}
	classes, confs, err := predict(grid)
	if err != nil {
		return nil, errors.Wrap(err, "predict")
	}
	if len(classes) != len(grid) || len(confs) != len(grid) {
		return nil, errors.Errorf("predict returned %d classes and %d confidences for %d points", len(classes), len(confs), len(grid))
	}
	bg := image.NewRGBA(image.Rect(0, 0, resolution, resolution))
	for i := range grid {
		conf := confs[i]
		if !finite(conf) {
			conf = 0
		}
		conf = math.Max(0, math.Min(1, conf))
		// Pale enough everywhere for the points to stand out.
		bg.SetRGBA(i%resolution, i/resolution, tint(classColor(classes[i]), 0.85-float64(0.4*conf)))
	}

	p := newPlot(title, "x", "y")
	p.Add(plotter.NewImage(bg, xmin, ymin, xmax, ymax))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin, xmax, ymin, ymax

	if err := addPoints(p, points, labels, outlinedCircle{}, "class "); err != nil {
		return nil, err
	}
	if test != nil {
		if err := addPoints(p, test, testLabels, testRing{}, ""); err != nil {
			return nil, err
		}
		// One legend entry for every test point, in a neutral colour.
		key := &plotter.Scatter{GlyphStyle: draw.GlyphStyle{Color: colorDark, Radius: vg.Points(3.5), Shape: testRing{}}}
		p.Legend.Add("test", key)
	}
	p.Legend.Top = true
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(4), -vg.Points(4)
	return renderPlot(p, boundaryW, boundaryH), nil
}

// addPoints adds one scatter of points per class, in class order, drawn
// with shape, and a legend entry "<legend><class>" for each unless legend
// is "": shuffled data would otherwise list its classes in a random order.
func addPoints(p *plot.Plot, points [][2]float64, labels []int, shape draw.GlyphDrawer, legend string) error {
	byClass := map[int]plotter.XYs{}
	var order []int
	for i, pt := range points {
		k := labels[i]
		if _, ok := byClass[k]; !ok {
			order = append(order, k)
		}
		byClass[k] = append(byClass[k], plotter.XY{X: pt[0], Y: pt[1]})
	}
	sort.Ints(order)
	for _, k := range order {
		s, err := plotter.NewScatter(byClass[k])
		if err != nil {
			return err
		}
		s.GlyphStyle = draw.GlyphStyle{Color: classColor(k), Radius: vg.Points(3.5), Shape: shape}
		p.Add(s)
		if legend != "" {
			p.Legend.Add(legend+strconv.Itoa(k), s)
		}
	}
	return nil
}

// pad widens [lo, hi] by 10% on each side, and a single value to a unit
// interval, so that points are not drawn on the frame.
func pad(lo, hi float64) (float64, float64) {
	d := 0.1 * (hi - lo)
	if d == 0 {
		d = 0.5
	}
	return lo - d, hi + d
}

// outlinedCircle is a filled circle with a dark ring, visible on any
// background colour, including its own class's.
type outlinedCircle struct{}

func (outlinedCircle) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	draw.CircleGlyph{}.DrawGlyph(c, sty, pt)
	sty.Color = colorDark
	c.SetLineStyle(draw.LineStyle{Color: colorDark, Width: vg.Points(0.8)})
	draw.RingGlyph{}.DrawGlyph(c, sty, pt)
}

// testRing is a test point: a thick ring in the glyph's colour around a
// white centre, with a thin dark edge outside, so that it reads apart from
// the filled training points on any background.
type testRing struct{}

func (testRing) DrawGlyph(c *draw.Canvas, sty draw.GlyphStyle, pt vg.Point) {
	for _, disc := range []struct {
		color  color.Color
		radius vg.Length
	}{
		{colorDark, sty.Radius + vg.Points(0.5)},
		{sty.Color, sty.Radius},
		{color.White, sty.Radius * 0.45},
	} {
		c.SetColor(disc.color)
		draw.CircleGlyph{}.DrawGlyph(c, draw.GlyphStyle{Radius: disc.radius}, pt)
	}
}
