// Command playground is gradgraph's TensorFlow Playground: it trains a small
// fully connected network on a two-dimensional toy problem (spiral, circles,
// moons, xor or blobs, from data.Synthetic) and draws how the network
// carves up the plane.
//
// The network is Dense(width, activation) for each width of -hidden, then
// Dense(classes, softmax), trained on every sample with sparse categorical
// cross-entropy and accuracy (no validation split unless -val is given).
// The defaults (-hidden 16,16, ReLU, Adam 0.01, batch 32, 200 epochs) separate
// the default three-armed spiral with a training accuracy above 0.95.
//
// It writes to -out:
//
//   - boundary.png: the decision boundary of the final model with the points;
//   - boundary.gif: the boundary evolving during training, -frames frames
//     from the initial weights (epoch 0) to the last epoch, each titled with
//     its epoch and the accuracy on the points drawn at that moment;
//   - curves.png, history.csv: the loss and accuracy at each epoch;
//   - metrics.json: the final training loss and accuracy (evaluated with the
//     final weights on the training samples), with -val the last validation
//     figures, and the settings of the run.
//
// Every grid of the plane is predicted in one batch, so a frame costs a single
// forward pass of resolution² points rather than one per point.
package main

import (
	"flag"
	"fmt"
	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"image"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

func main() { cli.Main("playground", run) }

// defaultNoise is each data set's noise when -noise is not given: enough to
// look natural, little enough for the classes to stay separable.
var defaultNoise = map[string]float64{
	"spiral":  0.03,
	"circles": 0.05,
	"moons":   0.1,
	"xor":     0.05,
	"blobs":   0.25,
}

// activations are the hidden-layer activations -activation accepts.
var activations = []string{"relu", "tanh", "sigmoid", "linear"}

// Limits on the network, so that a typo (-hidden 80000) fails at once.
const (
	maxLayers = 16
	maxWidth  = 4096
)

type config struct {
	dataset, activation, optimizer, out string
	n, classes                          int
	noise, lr, val                      float64
	hiddenFlag                          string
	hidden                              []int
	epochs, batch, frames, resolution   int
	delay                               int
	seed                                int64
	quiet                               bool
}

func parse(args []string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("playground", flag.ContinueOnError)
	fs.StringVar(&c.dataset, "dataset", "spiral", "data set: "+strings.Join(data.SyntheticNames, ", "))
	fs.IntVar(&c.n, "n", 600, "number of samples")
	fs.IntVar(&c.classes, "classes", 0, "number of classes (default 3 for spiral and blobs; circles, moons and xor have 2)")
	fs.Float64Var(&c.noise, "noise", 0, "standard deviation of the noise on each coordinate (default: spiral 0.03, circles 0.05, moons 0.1, xor 0.05, blobs 0.25)")
	fs.StringVar(&c.hiddenFlag, "hidden", "16,16", `comma-separated widths of the hidden layers; "" for none`)
	fs.StringVar(&c.activation, "activation", "relu", "hidden-layer activation: "+strings.Join(activations, ", "))
	fs.StringVar(&c.optimizer, "optimizer", "adam", "optimizer: adam, sgd or rmsprop")
	fs.Float64Var(&c.lr, "lr", 0.01, "learning rate")
	fs.IntVar(&c.epochs, "epochs", 200, "number of epochs")
	fs.IntVar(&c.batch, "batch", 32, "batch size")
	fs.Float64Var(&c.val, "val", 0, "fraction of the samples held out for validation, in [0, 1)")
	fs.Int64Var(&c.seed, "seed", 1, "seed for the data, the initial weights and shuffling")
	fs.IntVar(&c.frames, "frames", 40, "frames of boundary.gif, from epoch 0 to the last (at most epochs+1); 0 for no GIF")
	fs.IntVar(&c.delay, "delay", 12, "time each GIF frame is shown, in hundredths of a second")
	fs.IntVar(&c.resolution, "resolution", 150, "cells along each side of the boundary grid")
	fs.StringVar(&c.out, "out", "out/playground", "folder for boundary.png, boundary.gif, curves.png, history.csv and metrics.json")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the final figures")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	noise, ok := defaultNoise[c.dataset]
	if !ok {
		return c, errors.Errorf("-dataset: unknown data set %q (known: %s)", c.dataset, strings.Join(data.SyntheticNames, ", "))
	}
	if !set["noise"] {
		c.noise = noise
	}
	if !set["classes"] {
		c.classes = 2
		if c.dataset == "spiral" || c.dataset == "blobs" {
			c.classes = 3
		}
	}
	var err error
	if c.hidden, err = parseHidden(c.hiddenFlag); err != nil {
		return c, err
	}
	if !contains(activations, c.activation) {
		return c, errors.Errorf("-activation: unknown activation %q (known: %s)", c.activation, strings.Join(activations, ", "))
	}
	switch {
	case c.optimizer != "adam" && c.optimizer != "sgd" && c.optimizer != "rmsprop":
		return c, errors.Errorf("-optimizer: unknown optimizer %q (known: adam, sgd, rmsprop)", c.optimizer)
	case !(c.lr > 0) || math.IsInf(c.lr, 0):
		return c, errors.Errorf("-lr %v: want a positive learning rate", c.lr)
	case c.epochs < 1:
		return c, errors.Errorf("-epochs %d: want at least 1", c.epochs)
	case c.batch < 1:
		return c, errors.Errorf("-batch %d: want at least 1", c.batch)
	case !(c.val >= 0 && c.val < 1):
		return c, errors.Errorf("-val %v: want a fraction in [0, 1)", c.val)
	case c.frames < 0:
		return c, errors.Errorf("-frames %d: want 0 (no GIF) or more", c.frames)
	case c.delay < 0:
		return c, errors.Errorf("-delay %d: want 0 or more", c.delay)
	case c.resolution < 2 || c.resolution > 1000:
		return c, errors.Errorf("-resolution %d: want 2..1000", c.resolution)
	case c.out == "":
		return c, errors.New("-out: empty folder name")
	}
	return c, nil
}

// parseHidden reads -hidden: positive widths separated by commas.
func parseHidden(s string) ([]int, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	if len(parts) > maxLayers {
		return nil, errors.Errorf("-hidden %q: %d layers, want at most %d", s, len(parts), maxLayers)
	}
	widths := make([]int, len(parts))
	for i, p := range parts {
		w, err := strconv.Atoi(strings.TrimSpace(p))
		switch {
		case strings.TrimSpace(p) == "":
			return nil, errors.Errorf("-hidden %q: layer %d has no width", s, i+1)
		case err != nil:
			return nil, errors.Errorf("-hidden %q: layer %d: width %q is not a whole number", s, i+1, p)
		case w < 1 || w > maxWidth:
			return nil, errors.Errorf("-hidden %q: layer %d: width %d, want 1..%d", s, i+1, w, maxWidth)
		}
		widths[i] = w
	}
	return widths, nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// frameEpochs returns the epochs (0 = before training) after which a GIF
// frame is drawn: frames of them spread evenly from 0 to epochs, ending at
// epochs; at most one per epoch.
func frameEpochs(frames, epochs int) []int {
	frames = min(frames, epochs+1)
	switch frames {
	case 0:
		return nil
	case 1:
		return []int{epochs}
	}
	out := make([]int, frames)
	for i := range out {
		out[i] = int(math.Round(float64(i) * float64(epochs) / float64(frames-1)))
	}
	return out
}

func run(args []string, stdout io.Writer) error {
	c, err := parse(args, stdout)
	if err != nil {
		return err
	}
	ds, err := data.Synthetic(c.dataset, c.n, c.classes, c.noise, c.seed)
	if err != nil {
		return errors.Wrap(err, "-dataset")
	}
	act, err := nn.ActivationByName(c.activation)
	if err != nil {
		return errors.Wrap(err, "-activation")
	}
	var layers []nn.Layer
	for _, w := range c.hidden {
		layers = append(layers, nn.Dense(w, act))
	}
	layers = append(layers, nn.Dense(c.classes, nn.Softmax))
	model := nn.Sequential("playground", layers...)
	if err := model.Build(ds.Features(), nn.BuildOptions{Seed: c.seed}); err != nil {
		return err
	}
	var opt train.Optimizer
	switch c.optimizer {
	case "adam":
		opt = train.Adam(c.lr)
	case "sgd":
		opt = train.SGD(c.lr)
	case "rmsprop":
		opt = train.RMSprop(c.lr)
	}
	tr, err := train.Compile(model, opt, train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	if err := report.OutDir(c.out); err != nil {
		return err
	}
	if !c.quiet {
		fmt.Fprintf(stdout, "%s: %d samples, %d classes, noise %g, seed %d\n", c.dataset, ds.Len(), c.classes, c.noise, c.seed)
		fmt.Fprint(stdout, model.Summary())
	}

	pl, err := newPlane(tr, ds, c.resolution)
	if err != nil {
		return err
	}
	net := "no hidden layer"
	if len(c.hidden) > 0 {
		net = hiddenName(c.hidden) + " " + c.activation
	}
	var frames []image.Image
	drawFrame := func(epoch int) error {
		acc, err := pl.accuracy()
		if err != nil {
			return err
		}
		img, err := pl.image(fmt.Sprintf("%s · epoch %d · accuracy %.3f", c.dataset, epoch, acc))
		if err != nil {
			return errors.Wrapf(err, "frame at epoch %d", epoch)
		}
		frames = append(frames, img)
		return nil
	}
	schedule := frameEpochs(c.frames, c.epochs)
	want := map[int]bool{}
	for _, e := range schedule {
		want[e] = true
	}
	printEvery := max(1, c.epochs/10)
	cb := train.CallbackFuncs{
		TrainBegin: func(*train.Trainer) error {
			if want[0] {
				return drawFrame(0)
			}
			return nil
		},
		EpochEnd: func(_ *train.Trainer, epoch int, logs train.Logs) error {
			done := epoch + 1
			if !c.quiet && (done%printEvery == 0 || done == c.epochs) {
				fmt.Fprintf(stdout, "Epoch %d/%d - %s\n", done, c.epochs, logs)
			}
			if want[done] {
				return drawFrame(done)
			}
			return nil
		},
	}
	start := time.Now()
	hist, err := tr.Fit(ds, train.FitOptions{
		Epochs: c.epochs, BatchSize: c.batch, ValidationSplit: c.val, Seed: c.seed,
		Callbacks: []train.Callback{cb},
	})
	if err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()

	// With -val, Fit trained on the first floor(n·(1−val)) samples only
	// (Keras's rule, in floating point as train.FitOptions documents).
	trainSet, err := data.Slice(ds, 0, int(float64(ds.Len())*(1-c.val)))
	if err != nil {
		return err
	}
	ev, err := tr.Evaluate(trainSet, min(trainSet.Len(), predictBatch))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Training loss: %.4f\nTraining accuracy: %.4f\n", ev["loss"], ev["accuracy"])
	if c.val > 0 {
		last := len(hist.Epoch) - 1
		fmt.Fprintf(stdout, "Validation accuracy: %.4f\n", hist.Logs["val_accuracy"][last])
	}

	title := fmt.Sprintf("%s · %s · %s · accuracy %.3f", c.dataset, net, plural(c.epochs, "epoch"), ev["accuracy"])
	if err := pl.write(filepath.Join(c.out, "boundary.png"), title); err != nil {
		return err
	}
	if len(frames) > 0 {
		if err := viz.WriteGIF(filepath.Join(c.out, "boundary.gif"), frames, c.delay); err != nil {
			return err
		}
	}
	if err := report.History(c.out, hist); err != nil {
		return err
	}
	if _, err := report.Curves(c.out, fmt.Sprintf("%s: %s, %s %g, batch %d", c.dataset, net, c.optimizer, c.lr, c.batch), hist, -1); err != nil {
		return err
	}
	m := map[string]any{
		"train_accuracy": ev["accuracy"],
		"train_loss":     ev["loss"],
		"epochs":         c.epochs,
		"dataset":        c.dataset,
		"samples":        c.n,
		"classes":        c.classes,
		"noise":          c.noise,
		"hidden":         c.hidden,
		"activation":     c.activation,
		"optimizer":      c.optimizer,
		"lr":             c.lr,
		"batch":          c.batch,
		"seed":           c.seed,
		"fused":          model.Fused(),
		"train_seconds":  seconds,
	}
	if c.hidden == nil {
		m["hidden"] = []int{}
	}
	if c.val > 0 {
		last := len(hist.Epoch) - 1
		m["val_fraction"] = c.val
		m["val_accuracy"] = hist.Logs["val_accuracy"][last]
		m["val_loss"] = hist.Logs["val_loss"][last]
	}
	return report.Metrics(c.out, m)
}

// hiddenName writes widths as "16-16".
func hiddenName(h []int) string {
	s := make([]string, len(h))
	for i, w := range h {
		s[i] = strconv.Itoa(w)
	}
	return strings.Join(s, "-")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}
