// Command plain-vs-residual builds two stacks of 20 Dense layers on the 8x8
// digits, one plain and one with a skip connection around every pair of
// hidden layers, from the same initial weights; measures each layer's
// gradient at the start of training; and trains both side by side with
// SGD, then with Adam, for notebook 05-functional.
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
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	img := flag.String("img", "out/notebooks/05-functional", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

// notebook:begin stack
// deepStack is a stack of 1 + 2·blocks Dense(width, relu) layers and a
// Dense(10, softmax) on a flat 8×8 digit. With residual, each pair of
// hidden layers after the first is a block h ← relu(h + F(h)), F being
// Dense(relu) then Dense(linear); without, the pair is two Dense(relu).
// The Dense layers are the same, in the same order, either way. It also
// returns the layers whose outputs are the hidden state: the first layer
// and each block's last.
func deepStack(name string, blocks, width int, residual bool) (*nn.Model, []nn.Layer, error) {
	x := nn.Input("pixels", 64)
	first := nn.Dense(width, nn.ReLU)
	h := nn.Call(first, x)
	state := []nn.Layer{first}
	for range blocks {
		if residual {
			f := nn.Call(nn.Dense(width, nn.ReLU), h)
			f = nn.Call(nn.Dense(width, nn.Linear), f)
			relu := nn.Act(nn.ReLU)
			h = nn.Call(relu, nn.Call(nn.Add(), h, f)) // the skip connection
			state = append(state, relu)
		} else {
			h = nn.Call(nn.Dense(width, nn.ReLU), h)
			last := nn.Dense(width, nn.ReLU)
			h = nn.Call(last, h)
			state = append(state, last)
		}
	}
	out := nn.Call(nn.Dense(10, nn.Softmax), h)
	model, err := nn.NewModel(name, []*nn.Tensor{x}, []*nn.Tensor{out})
	if err != nil {
		return nil, nil, err
	}
	return model, state, model.Init(nn.BuildOptions{Seed: 1})
}

// notebook:end

// notebook:begin gradfunc
// atStart is a model at its initial weights, seen on a whole data set
// in one batch.
type atStart struct {
	loss       float64
	kernelGrad []float64 // ‖∂L/∂W‖ of each Dense layer
	biasGrad   []float64 // ‖∂L/∂b‖ of each Dense layer
	stateRMS   []float64 // root mean square of each hidden state
}

// gradients builds the graph Fit builds for one training step, on all of
// src as one batch: the model's forward pass, the loss, and its gradient
// with respect to every Dense layer's kernel and bias (gorgonia.Grad, as
// in graph.Builder.Compile); runs it once and returns the gradients'
// norms and the hidden states' sizes. Nothing is updated.
func gradients(model *nn.Model, state []nn.Layer, src data.Source) (atStart, error) {
	var r atStart
	n, classes := src.Len(), 10
	b, err := graph.NewBuilder(graph.Float32, n, true)
	if err != nil {
		return r, err
	}
	x := b.Input("x", n, model.InputWidth())
	y := b.Input("y", n, classes)
	outs, calls, err := model.ForwardCalls(b, []*G.Node{x.Node})
	if err != nil {
		return r, err
	}
	ce := train.SparseCategoricalCrossentropy()
	loss, err := ce.Build(b, outs[0], y.Node)
	if err != nil {
		return r, err
	}
	// notebook:end
	// notebook:begin gradfunc-graph
	var wrt []*graph.Param // kernel, bias, kernel, bias, ...
	for _, l := range model.Layers {
		if d, ok := l.(*nn.DenseLayer); ok {
			wrt = append(wrt, d.Kernel, d.Bias)
		}
	}
	var hidden []*G.Node
	for _, c := range calls {
		for _, l := range state {
			if c.Layer == l {
				hidden = append(hidden, c.Node)
			}
		}
	}
	m, err := b.Compile(loss, wrt, hidden...)
	if err != nil {
		return r, err
	}
	defer m.Close()
	// notebook:end

	// notebook:begin gradfunc-run
	// The samples, and their labels one-hot as the loss takes them.
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	labels := make([]float32, n)
	src.Fill(idx, x.Float32s(), labels)
	oneHot := make([]float32, n*classes)
	if err := ce.Encode(labels, n, classes, oneHot); err != nil {
		return r, err
	}
	if err := y.Set(oneHot); err != nil {
		return r, err
	}
	if err := m.Run(nil); err != nil {
		return r, err
	}
	r.loss = m.Loss()
	for i := range wrt {
		norm := math.Sqrt(sumSquares(graph.Float64s(m.Grad(i))))
		if i%2 == 0 {
			r.kernelGrad = append(r.kernelGrad, norm)
		} else {
			r.biasGrad = append(r.biasGrad, norm)
		}
	}
	for i := range hidden {
		v := graph.Float64s(m.Output(i))
		r.stateRMS = append(r.stateRMS, math.Sqrt(sumSquares(v)/float64(len(v))))
	}
	return r, nil
}

// notebook:end

func sumSquares(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += float64(x * x)
	}
	return s
}

// series is one line of a panel.
type series struct {
	name   string
	values []float64
	color  color.Color
}

// panel is one plot of a figure: lines against x = 1, 2, ... (or xs).
type panel struct {
	title, xlabel, ylabel string
	xs                    []float64 // nil: 1, 2, ...
	ymax, ystep           float64   // a linear y axis from 0; ymax 0: logarithmic
	lines                 []series
}

var (
	plainColor    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	residualColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
)

// everyFive labels x = 1 and the multiples of 5, with a tick at every
// whole number.
type everyFive struct{}

func (everyFive) Ticks(lo, hi float64) []plot.Tick {
	var ticks []plot.Tick
	for x := math.Ceil(lo); x <= hi; x++ {
		t := plot.Tick{Value: x}
		if x == 1 || math.Mod(x, 5) == 0 {
			t.Label = fmt.Sprint(x)
		}
		ticks = append(ticks, t)
	}
	return ticks
}

// lineFigure draws panels side by side, each 440×340 pixels, under a
// legend of the lines (the first panel's), to path.
func lineFigure(path string, panels []panel) error {
	plots := make([]*plot.Plot, len(panels))
	for i, pn := range panels {
		p := plot.New()
		p.Title.Text, p.X.Label.Text, p.Y.Label.Text = pn.title, pn.xlabel, pn.ylabel
		p.Add(plotter.NewGrid())
		p.X.Tick.Marker = everyFive{}
		if pn.ymax == 0 {
			p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
		} else {
			p.Y.Min, p.Y.Max = 0, pn.ymax
			var ticks plot.ConstantTicks
			for y := 0.0; y <= pn.ymax+1e-9; y += pn.ystep {
				ticks = append(ticks, plot.Tick{Value: y, Label: fmt.Sprint(math.Round(y*100) / 100)})
			}
			p.Y.Tick.Marker = ticks
		}
		for _, s := range pn.lines {
			xy := make(plotter.XYs, len(s.values))
			for j, v := range s.values {
				xy[j] = plotter.XY{X: float64(j + 1), Y: v}
				if pn.xs != nil {
					xy[j].X = pn.xs[j]
				}
			}
			l, pts, err := plotter.NewLinePoints(xy)
			if err != nil {
				return err
			}
			l.Color, pts.Color, pts.Radius = s.color, s.color, vg.Points(2)
			p.Add(l, pts)
		}
		plots[i] = p
	}
	const dpi, w, h, top = 96, 440, 340, 30
	px := func(n int) vg.Length { return vg.Length(n) * vg.Inch / dpi }
	c := vgimg.NewWith(vgimg.UseWH(px(w*len(panels)), px(h+top)), vgimg.UseDPI(dpi))
	dc := draw.New(c)
	// The legend, centred above the panels: a short line and a name each.
	x := (dc.Min.X+dc.Max.X)/2 - px(90*len(panels[0].lines))/2
	y := dc.Max.Y - px(top)/2
	for _, s := range panels[0].lines {
		sty := draw.LineStyle{Color: s.color, Width: vg.Points(1.5)}
		dc.StrokeLine2(sty, x, y, x+px(24), y)
		txt := draw.TextStyle{Color: color.Black, Font: plot.New().Title.TextStyle.Font, YAlign: draw.YCenter, Handler: plot.DefaultTextHandler}
		txt.Font.Size = vg.Points(11)
		dc.FillText(txt, vg.Point{X: x + px(30), Y: y}, s.name)
		x += px(90)
	}
	tiles := draw.Tiles{Rows: 1, Cols: len(plots), PadTop: px(top) + vg.Points(2), PadBottom: vg.Points(4),
		PadLeft: vg.Points(4), PadRight: vg.Points(10), PadX: vg.Points(18)}
	canvases := plot.Align([][]*plot.Plot{plots}, tiles, dc)
	for i, p := range plots {
		p.Draw(canvases[0][i])
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// notebook:begin fitboth
// fitBoth trains the plain and the residual stack, each from deepStack's
// initial weights, with the optimiser newOpt makes, and returns their
// histories; the test set is the validation data, evaluated each epoch.
func fitBoth(newOpt func() train.Optimizer, trainSet, testSet data.Source, epochs int) (plain, residual *train.History, err error) {
	var hists []*train.History
	for _, res := range []bool{false, true} {
		name := "plain"
		if res {
			name = "residual"
		}
		model, _, err := deepStack(name, 9, 32, res)
		if err != nil {
			return nil, nil, err
		}
		tr, err := train.Compile(model, newOpt(), train.SparseCategoricalCrossentropy(), train.Accuracy())
		if err != nil {
			return nil, nil, err
		}
		h, err := tr.Fit(trainSet, train.FitOptions{
			Epochs: epochs, BatchSize: 32, Seed: 1, ValidationData: testSet,
		})
		if err != nil {
			return nil, nil, err
		}
		hists = append(hists, h)
	}
	return hists[0], hists[1], nil
}

// notebook:end

func run(img string) error {
	fmt.Println("notebook:section models") // notebook:hide
	// notebook:begin models
	digits, err := data.Digits()
	if err != nil {
		return err
	}
	for i := range digits.X {
		digits.X[i] /= 16
	}
	trainSet, testSet, err := data.TrainTestSplit(digits, 0.3, 123, false)
	if err != nil {
		return err
	}
	fmt.Println("train:", trainSet.Len(), "test:", testSet.Len())

	// 19 hidden Dense(32) layers and the softmax: 1 + 2·9 hidden layers.
	plain, plainState, err := deepStack("plain", 9, 32, false)
	if err != nil {
		return err
	}
	residual, residualState, err := deepStack("residual", 9, 32, true)
	if err != nil {
		return err
	}
	same := len(plain.Params()) == len(residual.Params())
	for i, p := range plain.Params() {
		a, b := p.Float64s(), residual.Params()[i].Float64s()
		for j := range a {
			same = same && a[j] == b[j]
		}
	}
	// notebook:end
	// notebook:begin models-count
	count := func(m *nn.Model) (dense, params int) {
		for _, l := range m.Layers {
			if _, ok := l.(*nn.DenseLayer); ok {
				dense++
			}
		}
		for _, p := range m.Params() {
			params += p.Size()
		}
		return dense, params
	}
	for _, m := range []*nn.Model{plain, residual} {
		dense, params := count(m)
		fmt.Printf("%-8s %d layers, %d of them Dense, %d params\n", m.Name, len(m.Layers), dense, params)
	}
	fmt.Println("same initial weights:", same)
	// notebook:end

	fmt.Println("notebook:section gradients") // notebook:hide
	// notebook:begin gradients
	p0, err := gradients(plain, plainState, trainSet)
	if err != nil {
		return err
	}
	r0, err := gradients(residual, residualState, trainSet)
	if err != nil {
		return err
	}
	fmt.Printf("initial loss: plain %.4f, residual %.4f (ln 10 = %.4f)\n", p0.loss, r0.loss, math.Log(10))
	fmt.Println("Dense   ‖∂L/∂W‖ plain  residual   ‖∂L/∂b‖ plain  residual")
	for i := range p0.kernelGrad {
		fmt.Printf("%5d   %13.2e  %8.2e   %13.2e  %8.2e\n", i+1,
			p0.kernelGrad[i], r0.kernelGrad[i], p0.biasGrad[i], r0.biasGrad[i])
	}
	fmt.Println("hidden state after layer   RMS plain  residual")
	for i := range p0.stateRMS {
		fmt.Printf("%24d   %9.2e  %8.2e\n", 1+2*i, p0.stateRMS[i], r0.stateRMS[i])
	}
	lines := func(p, r []float64) []series {
		return []series{{"plain", p, plainColor}, {"residual", r, residualColor}}
	}
	if err := lineFigure(filepath.Join(img, "gradients.png"), []panel{
		{title: "Gradient of each kernel", xlabel: "Dense layer", ylabel: "‖∂L/∂W‖", lines: lines(p0.kernelGrad, r0.kernelGrad)},
		{title: "Gradient of each bias", xlabel: "Dense layer", ylabel: "‖∂L/∂b‖", lines: lines(p0.biasGrad, r0.biasGrad)},
		{title: "Hidden state, forward", xlabel: "after Dense layer", ylabel: "RMS",
			xs: []float64{1, 3, 5, 7, 9, 11, 13, 15, 17, 19}, lines: lines(p0.stateRMS, r0.stateRMS)},
	}); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section fit") // notebook:hide
	// notebook:begin fit
	// Both from the same weights, with SGD at 0.05, batches of 32, the same
	// shuffling (seed 1), for 20 epochs.
	const epochs = 20
	sgd := func() train.Optimizer { return train.SGD(0.05) }
	hp, hr, err := fitBoth(sgd, trainSet, testSet, epochs)
	if err != nil {
		return err
	}
	fmt.Println("epoch   loss plain  residual   test accuracy plain  residual")
	for e := range epochs {
		fmt.Printf("%5d   %10.4f  %8.4f   %19.4f  %8.4f\n", e+1,
			hp.Logs["loss"][e], hr.Logs["loss"][e], hp.Logs["val_accuracy"][e], hr.Logs["val_accuracy"][e])
	}
	if err := lineFigure(filepath.Join(img, "plain-vs-residual.png"), []panel{
		{title: "Training loss, SGD 0.05", xlabel: "epoch", ylabel: "loss", ymax: 2.5, ystep: 0.5, lines: lines(hp.Logs["loss"], hr.Logs["loss"])},
		{title: "Test accuracy", xlabel: "epoch", ylabel: "accuracy", ymax: 1, ystep: 0.2, lines: lines(hp.Logs["val_accuracy"], hr.Logs["val_accuracy"])},
	}); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section adam") // notebook:hide
	// notebook:begin adam
	adam := func() train.Optimizer { return train.Adam(1e-3) }
	ap, ar, err := fitBoth(adam, trainSet, testSet, epochs)
	if err != nil {
		return err
	}
	for _, h := range []struct {
		name string
		h    *train.History
	}{{"plain", ap}, {"residual", ar}} {
		fmt.Printf("Adam, %-8s epoch 5: loss %.4f, test accuracy %.4f; epoch %d: loss %.4f, test accuracy %.4f\n",
			h.name, h.h.Logs["loss"][4], h.h.Logs["val_accuracy"][4],
			epochs, h.h.Logs["loss"][epochs-1], h.h.Logs["val_accuracy"][epochs-1])
	}
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	// A plain stack of 5 hidden layers (1 + 2·2) instead of 19, from the
	// same seed, at its initial weights.
	short, shortState, err := deepStack("plain5", 2, 32, false)
	if err != nil {
		return err
	}
	s0, err := gradients(short, shortState, trainSet)
	if err != nil {
		return err
	}
	fmt.Printf("initial loss %.4f; hidden state RMS after layers 1, 3, 5: %.2e\n", s0.loss, s0.stateRMS)
	fmt.Printf("‖∂L/∂b‖ of layers 1-6: %.2e\n", s0.biasGrad)
	fmt.Printf("‖∂L/∂W‖ of layers 1-6: %.2e\n", s0.kernelGrad)
	// notebook:end
	return nil
}
