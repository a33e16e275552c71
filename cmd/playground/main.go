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
// With -serve ADDR it serves a live page instead (see serve.go): the
// TensorFlow Playground's controls, with the training running here.
//
// Otherwise it writes to -out:
//
//   - boundary.png: the decision boundary of the final model with the points;
//   - boundary.gif: the boundary evolving during training, -frames frames
//     from the initial weights (epoch 0) to the last epoch, each titled with
//     its epoch and the accuracy on the points drawn at that moment;
//   - curves.png, history.csv: the loss and accuracy at each epoch;
//   - metrics.json: the final training loss and accuracy (evaluated with the
//     final weights on the training samples), with -val the last validation
//     figures, and the settings of the run;
//   - report.html (self-contained) and report.md: those settings and figures
//     with the curves, the confusion matrix on the training samples
//     (confusion.png), four predictions' probability bars
//     (prediction_N.png), the model summary and diagram (model.png).
//
// Every grid of the plane is predicted in one batch, so a frame costs a single
// forward pass of resolution² points rather than one per point.
package main

import (
	"flag"
	"fmt"
	"image"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph/blas"
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

// Limits on the network and the run, so that a typo (-hidden 80000,
// -frames 1e6) fails at once instead of exhausting memory: every GIF frame
// is kept as a full image until the GIF is written (about 2.5 MB each at
// the default resolution; 400 frames took 1 GB).
const (
	maxLayers  = 16
	maxWidth   = 4096
	maxFrames  = 100
	maxSamples = 100000
	maxClasses = 10
	maxEpochs  = 100000
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
	quiet, graph                        bool
	serve                               string // -serve: the live page's address
	public                              bool
	limits                              limits
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
	fs.StringVar(&c.optimizer, "optimizer", "adam", "optimizer: adam, sgd, rmsprop or adagrad")
	fs.Float64Var(&c.lr, "lr", 0.01, "learning rate")
	fs.IntVar(&c.epochs, "epochs", 200, "number of epochs")
	fs.IntVar(&c.batch, "batch", 32, "batch size")
	fs.Float64Var(&c.val, "val", 0, "fraction of the samples held out for validation, in [0, 1)")
	fs.Int64Var(&c.seed, "seed", 1, "seed for the data, the initial weights and shuffling")
	fs.IntVar(&c.frames, "frames", 40, "frames of boundary.gif, from epoch 0 to the last (at most epochs+1); 0 for no GIF")
	fs.IntVar(&c.delay, "delay", 12, "time each GIF frame is shown, in hundredths of a second")
	fs.IntVar(&c.resolution, "resolution", 150, "cells along each side of the boundary grid")
	fs.StringVar(&c.out, "out", "out/playground", "folder for boundary.png, boundary.gif, curves.png, history.csv, metrics.json and report.html/report.md")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the final figures")
	fs.BoolVar(&c.graph, "graph", false, "also write model.png (the layer diagram), graph.dot and, with Graphviz installed, graph.svg (the training graph)")
	fs.StringVar(&c.serve, "serve", "", "serve the live page on this address (e.g. 127.0.0.1:8080) instead of a run to -out")
	fs.BoolVar(&c.public, "public", false, "with -serve, allow an address other than loopback")
	fs.IntVar(&c.limits.sessions, "max-sessions", 8, "with -serve, the most sessions (browser tabs) at once")
	fs.IntVar(&c.limits.layers, "max-layers", 6, "with -serve, the most hidden layers a page may ask for")
	fs.IntVar(&c.limits.neurons, "max-neurons", 8, "with -serve, the most neurons per hidden layer a page may ask for")
	fs.IntVar(&c.limits.points, "max-points", 1000, "with -serve, the most points of a page's data set")
	fs.DurationVar(&c.limits.idle, "idle", 30*time.Second, "with -serve, how long a session lives with no page watching it")
	fs.Float64Var(&c.limits.fps, "fps", 10, "with -serve, the most frames per second sent while training")
	fs.IntVar(&c.limits.epochs, "epochs-per-frame", 3, "with -serve, epochs trained between two frames")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return c, err
	}
	if c.serve != "" {
		l := c.limits
		switch {
		case l.sessions < 1 || l.sessions > 1000:
			return c, errors.Errorf("-max-sessions %d: want 1..1000", l.sessions)
		case l.layers < 0 || l.layers > maxLayers:
			return c, errors.Errorf("-max-layers %d: want 0..%d", l.layers, maxLayers)
		case l.neurons < 1 || l.neurons > 64:
			return c, errors.Errorf("-max-neurons %d: want 1..64", l.neurons)
		case l.points < 20 || l.points > 10000:
			return c, errors.Errorf("-max-points %d: want 20..10000", l.points)
		case l.idle <= 0:
			return c, errors.Errorf("-idle %v: want a positive duration", l.idle)
		case !(l.fps > 0 && l.fps <= 30):
			return c, errors.Errorf("-fps %v: want (0, 30]", l.fps)
		case l.epochs < 1 || l.epochs > 1000:
			return c, errors.Errorf("-epochs-per-frame %d: want 1..1000", l.epochs)
		}
		return c, loopbackOnly(c.serve, c.public)
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
	case c.optimizer != "adam" && c.optimizer != "sgd" && c.optimizer != "rmsprop" && c.optimizer != "adagrad":
		return c, errors.Errorf("-optimizer: unknown optimizer %q (known: adam, sgd, rmsprop, adagrad)", c.optimizer)
	case !(c.lr > 0) || math.IsInf(c.lr, 0):
		return c, errors.Errorf("-lr %v: want a positive learning rate", c.lr)
	case c.epochs < 1 || c.epochs > maxEpochs:
		return c, errors.Errorf("-epochs %d: want 1..%d", c.epochs, maxEpochs)
	case c.n < 2 || c.n > maxSamples:
		return c, errors.Errorf("-n %d: want 2..%d samples", c.n, maxSamples)
	case c.classes < 2 || c.classes > maxClasses:
		return c, errors.Errorf("-classes %d: want 2..%d", c.classes, maxClasses)
	case !(c.noise >= 0) || math.IsInf(c.noise, 0):
		return c, errors.Errorf("-noise %v: want a finite standard deviation ≥ 0", c.noise)
	case c.batch < 1:
		return c, errors.Errorf("-batch %d: want at least 1", c.batch)
	case !(c.val >= 0 && c.val < 1):
		return c, errors.Errorf("-val %v: want a fraction in [0, 1)", c.val)
	case c.frames < 0 || c.frames > maxFrames:
		return c, errors.Errorf("-frames %d: want 0 (no GIF) to %d", c.frames, maxFrames)
	case c.delay < 0 || c.delay > 6000:
		return c, errors.Errorf("-delay %d: want 0..6000 hundredths of a second", c.delay)
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
	if c.serve != "" {
		return serve(c, stdout)
	}
	s, err := setup(c, stdout)
	if err != nil {
		return err
	}
	if c.graph {
		if err := report.Graph(c.out, s.tr, c.batch, stdout); err != nil {
			return err
		}
	}
	fr, err := fitWithFrames(s, stdout)
	if err != nil {
		return err
	}
	ev, err := evaluateTraining(s, fr.hist, stdout)
	if err != nil {
		return err
	}
	return writeOutputs(s, fr, ev)
}

// session is a run's settings with its data, its compiled model and the
// plane that draws it.
type session struct {
	c  config
	ds *data.Dataset
	tr *train.Trainer
	pl *plane
}

// setup draws the data set and builds and compiles the network. The output
// folder is checked before any training, so that an unwritable -out fails
// at once rather than after the epochs.
func setup(c config, stdout io.Writer) (session, error) {
	ds, err := data.Synthetic(c.dataset, c.n, c.classes, c.noise, c.seed)
	if err != nil {
		return session{}, errors.Wrap(err, "-dataset")
	}
	tr, err := trainer(c, ds.Features())
	if err != nil {
		return session{}, err
	}
	if err := report.OutDir(c.out); err != nil {
		return session{}, err
	}
	if !c.quiet {
		fmt.Fprintf(stdout, "%s: %d samples, %d classes, noise %g, seed %d\n", c.dataset, ds.Len(), c.classes, c.noise, c.seed)
		fmt.Fprint(stdout, tr.NN().Summary())
	}
	pl, err := newPlane(tr, ds, c.resolution)
	if err != nil {
		return session{}, err
	}
	return session{c: c, ds: ds, tr: tr, pl: pl}, nil
}

// trainer builds the network -hidden and -activation describe on features
// inputs and compiles it with -optimizer.
func trainer(c config, features int) (*train.Trainer, error) {
	act, err := nn.ActivationByName(c.activation)
	if err != nil {
		return nil, errors.Wrap(err, "-activation")
	}
	var layers []nn.Layer
	for _, w := range c.hidden {
		layers = append(layers, nn.Dense(w, act))
	}
	layers = append(layers, nn.Dense(c.classes, nn.Softmax))
	model := nn.Sequential("playground", layers...)
	if err := model.Build(features, nn.BuildOptions{Seed: c.seed}); err != nil {
		return nil, err
	}
	var opt train.Optimizer
	switch c.optimizer {
	case "adam":
		opt = train.Adam(c.lr)
	case "sgd":
		opt = train.SGD(c.lr)
	case "rmsprop":
		opt = train.RMSprop(c.lr)
	case "adagrad":
		opt = train.Adagrad(c.lr)
	}
	return train.Compile(model, opt, train.SparseCategoricalCrossentropy(), train.Accuracy())
}

// fitResult is the training history with the GIF's frames and the time
// training took.
type fitResult struct {
	hist    *train.History
	frames  []image.Image
	seconds float64
}

// fitWithFrames trains for -epochs epochs, printing about ten epoch lines
// and drawing the boundary after the epochs frameEpochs picks (epoch 0 is
// the initial weights, drawn before the first step).
func fitWithFrames(s session, stdout io.Writer) (fitResult, error) {
	c := s.c
	var r fitResult
	drawFrame := func(epoch int) error {
		acc, err := s.pl.accuracy()
		if err != nil {
			return err
		}
		img, err := s.pl.image(fmt.Sprintf("%s · epoch %d · accuracy %.3f", c.dataset, epoch, acc))
		if err != nil {
			return errors.Wrapf(err, "frame at epoch %d", epoch)
		}
		r.frames = append(r.frames, img)
		return nil
	}
	want := map[int]bool{}
	for _, e := range frameEpochs(c.frames, c.epochs) {
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
	var err error
	r.hist, err = s.tr.Fit(s.ds, train.FitOptions{
		Epochs: c.epochs, BatchSize: c.batch, ValidationSplit: c.val, Seed: c.seed,
		Callbacks: []train.Callback{cb},
	})
	r.seconds = time.Since(start).Seconds()
	return r, err
}

// evaluation is the final weights' figures on the samples Fit trained on,
// with their predicted probabilities and labels.
type evaluation struct {
	logs   train.Logs
	probs  [][]float32
	labels []int
}

// evaluateTraining evaluates the final weights on the samples Fit trained
// on and prints the figures, with -val the last validation accuracy too.
func evaluateTraining(s session, hist *train.History, stdout io.Writer) (evaluation, error) {
	// With -val, Fit trained on the first floor(n·(1−val)) samples only
	// (Keras's rule, in floating point as train.FitOptions documents).
	trainSet, err := data.Slice(s.ds, 0, int(float64(s.ds.Len())*(1-s.c.val)))
	if err != nil {
		return evaluation{}, err
	}
	batch := min(trainSet.Len(), predictBatch)
	ev := evaluation{labels: make([]int, trainSet.Len())}
	if ev.logs, err = s.tr.Evaluate(trainSet, batch); err != nil {
		return ev, err
	}
	if ev.probs, err = s.tr.Predict(trainSet, batch); err != nil {
		return ev, err
	}
	for i := range ev.labels {
		ev.labels[i] = data.LabelOf(trainSet, i)
	}
	fmt.Fprintf(stdout, "Training loss: %.4f\nTraining accuracy: %.4f\n", ev.logs["loss"], ev.logs["accuracy"])
	if s.c.val > 0 {
		fmt.Fprintf(stdout, "Validation accuracy: %.4f\n", lastLog(hist, "val_accuracy"))
	}
	return ev, nil
}

// writeOutputs writes boundary.png and boundary.gif (when there are
// frames), then with report.Write history.csv, curves.png, the report's
// figures, metrics.json and report.html / report.md to -out.
func writeOutputs(s session, fr fitResult, ev evaluation) error {
	c := s.c
	title := fmt.Sprintf("%s · %s · %s · accuracy %.3f", c.dataset, c.net(), plural(c.epochs, "epoch"), ev.logs["accuracy"])
	if err := s.pl.write(filepath.Join(c.out, "boundary.png"), title); err != nil {
		return err
	}
	if len(fr.frames) > 0 {
		if err := viz.WriteGIF(filepath.Join(c.out, "boundary.gif"), fr.frames, c.delay); err != nil {
			return err
		}
	}
	conf, picks, err := report.FromPredictions(ev.probs, ev.labels, c.classes, 4)
	if err != nil {
		return err
	}
	curves := fmt.Sprintf("%s: %s, %s %g, batch %d", c.dataset, c.net(), c.optimizer, c.lr, c.batch)
	return report.Write(c.out, report.Report{
		Title:   "Playground " + curves,
		Command: "playground",
		Metrics: metrics(s, fr, ev.logs),
		Sections: []report.Section{
			report.Table("Data", "data set", "dataset", "samples", "samples", "training samples", "train_samples",
				"validation fraction", "val_fraction", "classes", "classes", "noise", "noise"),
			report.Table("Hyperparameters", "hidden layers", "hidden", "activation", "activation", "optimizer", "optimizer",
				"learning rate", "lr", "batch size", "batch", "epochs", "epochs", "seed", "seed"),
			report.Table("Final weights", "training accuracy", "train_accuracy", "training loss", "train_loss",
				"validation accuracy", "val_accuracy", "validation loss", "val_loss"),
			report.Table("Run", "training time (s)", "train_seconds", "backend", "backend", "fused ops", "fused"),
		},
		History:     fr.hist,
		BestEpoch:   -1,
		CurvesTitle: curves,
		Model:       s.tr.NN(),
		Summary:     s.tr.NN().Summary(),
		Confusion:   conf,
		ConfusionOf: fmt.Sprintf("Training samples, %d", len(ev.labels)),
		Predictions: picks,
		Figures:     []report.Figure{{File: "boundary.png", Title: "Decision boundary"}},
	})
}

// metrics are metrics.json's fields; scripts read them by name.
func metrics(s session, fr fitResult, ev train.Logs) map[string]any {
	c := s.c
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
		"fused":          s.tr.NN().Fused(),
		"train_seconds":  fr.seconds,
		"train_samples":  int(float64(c.n) * (1 - c.val)),
		"backend":        blas.Name(),
	}
	if c.hidden == nil {
		// An empty list rather than null, so that readers need no special case.
		m["hidden"] = []int{}
	}
	if c.val > 0 {
		m["val_fraction"] = c.val
		m["val_accuracy"] = lastLog(fr.hist, "val_accuracy")
		m["val_loss"] = lastLog(fr.hist, "val_loss")
	}
	return m
}

// lastLog is key's figure at the last epoch of h.
func lastLog(h *train.History, key string) float64 {
	return h.Logs[key][len(h.Epoch)-1]
}

// net names the hidden layers for titles: "16-16 relu", or "no hidden layer".
func (c config) net() string {
	if len(c.hidden) == 0 {
		return "no hidden layer"
	}
	return hiddenName(c.hidden) + " " + c.activation
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
