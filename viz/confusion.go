package viz

import (
	"image"
	"image/color"
	"strconv"

	"github.com/pkg/errors"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ConfusionMatrix writes m as a heat map, m[i][j] being the number of
// samples of true class i predicted as class j, with the count written in
// each cell. As in scikit-learn's ConfusionMatrixDisplay, true classes run
// down the y axis from the top, predictions along the x axis, and darker
// blue means more samples. classes names the classes; nil names them
// 0..n-1.
func ConfusionMatrix(path string, m [][]int, classes []string, title string) error {
	img, err := confusionImage(m, classes, title)
	if err != nil {
		return errors.Wrap(err, "viz: confusion matrix")
	}
	return errors.Wrap(savePNG(path, img), "viz: confusion matrix")
}

// confusionGrid adapts a confusion matrix to plotter.GridXYZ, flipping
// rows so that the first class is at the top.
type confusionGrid [][]int

func (g confusionGrid) Dims() (c, r int)   { return len(g), len(g) }
func (g confusionGrid) X(c int) float64    { return float64(c) }
func (g confusionGrid) Y(r int) float64    { return float64(r) }
func (g confusionGrid) Z(c, r int) float64 { return float64(g[len(g)-1-r][c]) }

// blues is a white to dark blue ramp, like matplotlib's "Blues".
type blues int

func (b blues) Colors() []color.Color {
	lo := color.RGBA{R: 0xf7, G: 0xfb, B: 0xff, A: 0xff}
	hi := color.RGBA{R: 0x08, G: 0x30, B: 0x6b, A: 0xff}
	cs := make([]color.Color, b)
	for i := range cs {
		f := float64(i) / float64(b-1)
		mix := func(a, b uint8) uint8 { return uint8(float64(a) + float64(f*(float64(b)-float64(a))) + 0.5) }
		cs[i] = color.RGBA{R: mix(lo.R, hi.R), G: mix(lo.G, hi.G), B: mix(lo.B, hi.B), A: 0xff}
	}
	return cs
}

func confusionImage(m [][]int, classes []string, title string) (image.Image, error) {
	n := len(m)
	if n == 0 {
		return nil, errors.New("empty matrix")
	}
	if classes == nil {
		classes = make([]string, n)
		for i := range classes {
			classes[i] = strconv.Itoa(i)
		}
	}
	if len(classes) != n {
		return nil, errors.Errorf("%d class names for %d classes", len(classes), n)
	}
	top := 0
	for i, row := range m {
		if len(row) != n {
			return nil, errors.Errorf("row %d has %d columns, want %d", i, len(row), n)
		}
		for j, v := range row {
			if v < 0 {
				return nil, errors.Errorf("negative count %d at (%d, %d)", v, i, j)
			}
			top = max(top, v)
		}
	}

	p := newPlot(title, "predicted", "true")
	h := plotter.NewHeatMap(confusionGrid(m), blues(256))
	// An all-zero matrix would give a zero range and no colour at all.
	h.Min, h.Max = 0, float64(max(top, 1))
	p.Add(h)

	var xys plotter.XYs
	var labels []string
	for i, row := range m {
		for j, v := range row {
			xys = append(xys, plotter.XY{X: float64(j), Y: float64(n - 1 - i)})
			labels = append(labels, strconv.Itoa(v))
		}
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
	if err != nil {
		return nil, err
	}
	// Font size follows the cell size so that 100 classes still fit.
	size := vg.Length(min(12, max(5, 240/n)))
	for k := range l.TextStyle {
		i, j := k/n, k%n
		ink := color.Color(color.Black)
		// White on the darker half of the ramp, for contrast.
		if float64(m[i][j]) > h.Max/2 {
			ink = color.White
		}
		l.TextStyle[k] = textStyle(size, ink)
	}
	p.Add(l)

	p.NominalX(classes...)
	rev := make([]string, n)
	for i, c := range classes {
		rev[n-1-i] = c
	}
	p.NominalY(rev...)
	p.X.Min, p.X.Max = -0.5, float64(n)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(n)-0.5
	p.X.Tick.Length, p.Y.Tick.Length = 0, 0
	side := min(900, max(360, 60*n+120))
	return renderPlot(p, side, side), nil
}
