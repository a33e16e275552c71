// Command iris-optimizers runs SGD, RMSprop and Adam, written out in plain
// Go with Keras's updates (those of train.SGD, train.RMSprop and train.Adam),
// on the 2-D loss surface f(x, y) = 0.1x² + 2y², and draws their paths, for
// notebook 01-iris.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"
	"math"
	"os"
	"path/filepath"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func main() {
	img := flag.String("img", "out/notebooks/01-iris", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

// notebook:begin update
// grad is the gradient of f(w) = 0.1·w₀² + 2·w₁²: a valley 20 times
// steeper across (w₁) than along (w₀), the minimum at (0, 0).
func grad(w [2]float64) [2]float64 { return [2]float64{0.2 * w[0], 4 * w[1]} }

func f(w [2]float64) float64 { return float64(0.1*w[0]*w[0]) + float64(2*w[1]*w[1]) }

// path takes steps from w with one optimiser's update and returns every
// point visited; m and v are what RMSprop and Adam remember between steps.
func path(name string, lr float64, w [2]float64, steps int) [][2]float64 {
	const rho, beta1, beta2, eps = 0.9, 0.9, 0.999, 1e-7 // Keras's defaults
	var m, v [2]float64
	out := [][2]float64{w}
	for t := 1; t <= steps; t++ {
		g := grad(w)
		for i := range w {
			switch name {
			case "SGD": // w −= lr·g
				w[i] -= float64(lr * g[i])
			case "RMSprop": // v = ρv + (1−ρ)g²; w −= lr·g/√(v + ε)
				v[i] = float64(rho*v[i]) + float64((1-rho)*g[i]*g[i])
				w[i] -= lr * g[i] / math.Sqrt(v[i]+eps)
			case "Adam": // m, v as moving averages; m̂, v̂ bias-corrected
				m[i] = float64(beta1*m[i]) + float64((1-beta1)*g[i])
				v[i] = float64(beta2*v[i]) + float64((1-beta2)*g[i]*g[i])
				mHat := m[i] / (1 - math.Pow(beta1, float64(t)))
				vHat := v[i] / (1 - math.Pow(beta2, float64(t)))
				w[i] -= lr * mHat / (math.Sqrt(vHat) + eps)
			}
		}
		out = append(out, w)
	}
	return out
}

// notebook:end

func run(img string) error {
	// notebook:begin run
	start, steps := [2]float64{-5, -2}, 30
	paths := map[string][][2]float64{}
	for _, o := range []struct {
		name string
		lr   float64
	}{{"SGD", 0.4}, {"RMSprop", 0.4}, {"Adam", 0.4}} {
		p := path(o.name, o.lr, start, steps)
		paths[o.name] = p
		fmt.Printf("%-8s lr %.1f: step 1 %+.3f, step 10 %+.3f, step %d %+.3f, f = %.4f\n",
			o.name, o.lr, p[1], p[10], steps, p[steps], f(p[steps]))
	}
	// notebook:end
	return draw(filepath.Join(img, "optimizers.png"), paths, []string{"SGD", "RMSprop", "Adam"})
}

// draw plots level curves of f and the three paths.
func draw(file string, paths map[string][][2]float64, order []string) error {
	p := plot.New()
	p.Title.Text = "f(x, y) = 0.1x² + 2y² from (−5, −2): 30 steps, lr 0.4"
	p.X.Label.Text, p.Y.Label.Text = "x", "y"
	for _, c := range []float64{0.1, 0.5, 1, 2, 4, 8} { // ellipses f = c
		var pts plotter.XYs
		for k := 0; k <= 200; k++ {
			t := 2 * math.Pi * float64(k) / 200
			pts = append(pts, plotter.XY{X: math.Sqrt(c/0.1) * math.Cos(t), Y: math.Sqrt(c/2) * math.Sin(t)})
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color = color.Gray{Y: 190}
		p.Add(l)
	}
	colours := []color.Color{color.RGBA{R: 214, G: 39, B: 40, A: 255},
		color.RGBA{R: 31, G: 119, B: 180, A: 255}, color.RGBA{R: 44, G: 160, B: 44, A: 255}}
	for i, name := range order {
		var pts plotter.XYs
		for _, w := range paths[name] {
			pts = append(pts, plotter.XY{X: w[0], Y: w[1]})
		}
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return err
		}
		l.Color, s.Color = colours[i], colours[i]
		s.Radius = vg.Points(2)
		p.Add(l, s)
		p.Legend.Add(name, l, s)
	}
	p.Legend.Top = true
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -5.5, 2, -2.5, 2.5 // after Add, which widens them
	return p.Save(7*vg.Inch, 5*vg.Inch, file)
}
