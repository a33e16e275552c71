// Command iris trains the Keras Iris tutorial's network with gradgraph:
// standardised features, a stratified 80/20 split with seed 42, two blocks
// of Dense(64, relu) → BatchNorm → Dropout(0.5) and a softmax output, Adam
// 1e-3, batch 8, up to 100 epochs with 20% of the training data held out for
// validation and early stopping on val_loss (patience 10, best weights
// restored). It prints the model summary, the epoch lines and the test loss
// and accuracy, and writes history.csv, metrics.json, curves.png and a report of the run
// (report.html, self-contained, and report.md with its figures beside it:
// confusion.png, prediction_N.png, model.png) to -out.
//
// -save PATH writes a checkpoint of the trained model; -load PATH starts
// from one, and with -epochs 0 only evaluates it, writing the same
// metrics.json fields. -onnx PATH writes the trained model as an ONNX file
// (package onnx). It runs offline: Iris is embedded in the data package.
//
// -serve ADDR serves a live page of the run while it trains (the loss per
// batch, every epoch's figures, the settings, the model and, at the end,
// the report; package viz/dashboard), on loopback unless ADDR names a
// host; -serve-wait keeps it up after the run until Ctrl-C.
package main

import (
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/cmd/internal/live"
	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/train"
)

func main() { cli.Main("iris", run) }

type config struct {
	epochs, batch, patience int
	seed, splitSeed         int64
	lr                      float64
	out, save, load, onnx   string
	quiet, graph            bool
	serve                   live.Flags
}

func parse(args []string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("iris", flag.ContinueOnError)
	fs.IntVar(&c.epochs, "epochs", 100, "maximum number of epochs")
	fs.IntVar(&c.batch, "batch", 8, "batch size")
	fs.IntVar(&c.patience, "patience", 10, "early-stopping patience in epochs (val_loss)")
	fs.Int64Var(&c.seed, "seed", 1, "seed for initialisation, shuffling and dropout")
	fs.Int64Var(&c.splitSeed, "split-seed", 42, "seed of the 80/20 train/test split")
	fs.Float64Var(&c.lr, "lr", 1e-3, "Adam learning rate")
	fs.StringVar(&c.out, "out", "out/iris", "folder for history.csv, metrics.json, the PNG figures and report.html/report.md")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the test figures")
	fs.BoolVar(&c.graph, "graph", false, "also write model.png (the layer diagram), graph.dot and, with Graphviz installed, graph.svg (the training graph)")
	fs.StringVar(&c.save, "save", "", "write a checkpoint of the trained model to this file")
	fs.StringVar(&c.onnx, "onnx", "", "write the trained model as an ONNX file (opset 13, float32) to this path")
	fs.StringVar(&c.load, "load", "", "start from this checkpoint; -epochs then counts further epochs (0: evaluate only)")
	c.serve.Register(fs)
	if err := cli.Parse(fs, args, stdout); err != nil {
		return c, err
	}
	if err := c.serve.Check(); err != nil {
		return c, err
	}
	switch {
	case c.epochs < 1 && !(c.epochs == 0 && c.load != ""):
		return c, errors.Errorf("-epochs %d: want at least 1 (0 only with -load, to evaluate)", c.epochs)
	case c.epochs > 1000000:
		return c, errors.Errorf("-epochs %d: want at most 1000000", c.epochs)
	case c.batch < 1 || c.batch > 1000000:
		return c, errors.Errorf("-batch %d: want 1..1000000", c.batch)
	case c.patience < 0:
		return c, errors.Errorf("-patience %d: want 0 or more epochs", c.patience)
	case !(c.lr > 0 && c.lr <= 10):
		return c, errors.Errorf("-lr %v: want a learning rate in (0, 10]", c.lr)
	case c.out == "":
		return c, errors.New("-out: the output folder must not be empty")
	}
	return c, nil
}

func run(args []string, stdout io.Writer) error {
	c, err := parse(args, stdout)
	if err != nil {
		return err
	}
	if err := report.OutDir(c.out); err != nil {
		return err
	}
	trainSet, testSet, err := loadIris(c.splitSeed)
	if err != nil {
		return err
	}
	tr, err := trainer(c, trainSet.Features(), trainSet.NumClasses())
	if err != nil {
		return err
	}
	dash, err := live.Start(c.serve, title, map[string]any{
		"optimizer": tr.Optimizer.Name(), "learning_rate": c.lr, "batch_size": c.batch, "max_epochs": c.epochs,
		"patience": c.patience, "seed": c.seed, "split_seed": c.splitSeed, "validation_split": validationSplit,
	}, stdout)
	if err != nil {
		return err
	}
	defer dash.Close()
	if c.graph {
		if err := report.Graph(c.out, tr, c.batch, stdout); err != nil {
			return err
		}
	}
	fr, err := fit(c, tr, trainSet, dash, stdout)
	if err != nil {
		return err
	}
	ts, err := test(tr, testSet, c.batch, stdout)
	if err != nil {
		return err
	}
	if err := writeOutputs(c, tr, sets{trainSet, testSet}, fr, ts); err != nil {
		return err
	}
	return dash.Finish(c.out)
}

// title heads the curves and the live page.
const title = "Iris: Dense(64)-BN-Dropout ×2, Adam"

// sets are the two parts of the split, for the report's sizes and class
// names.
type sets struct{ train, test *data.Dataset }

// loadIris splits Iris 80/20, stratified, and standardises both parts with
// the training part's mean and deviation only, so that nothing about the
// test set leaks into training.
func loadIris(splitSeed int64) (trainSet, testSet *data.Dataset, err error) {
	iris, err := data.Iris()
	if err != nil {
		return nil, nil, err
	}
	if trainSet, testSet, err = data.TrainTestSplit(iris, 0.2, splitSeed, true); err != nil {
		return nil, nil, err
	}
	var scaler data.StandardScaler
	if err := scaler.FitTransform(trainSet); err != nil {
		return nil, nil, err
	}
	if err := scaler.Transform(testSet); err != nil {
		return nil, nil, err
	}
	return trainSet, testSet, nil
}

// fitResult is the training history, the epoch early stopping restored and
// the time training took.
type fitResult struct {
	hist      *train.History
	bestEpoch int // 0-based, counting the loaded checkpoint's epochs too
	seconds   float64
}

// fit prints the model summary and trains for up to -epochs more epochs,
// holding out 20% for validation and stopping early on val_loss, as the
// tutorial does.
func fit(c config, tr *train.Trainer, trainSet *data.Dataset, dash *live.Session, stdout io.Writer) (fitResult, error) {
	progress := stdout
	if c.quiet {
		progress = nil
	} else {
		fmt.Fprint(stdout, tr.NN().Summary())
	}
	stop := &train.EarlyStopping{Monitor: "val_loss", Patience: c.patience, RestoreBestWeights: true, Verbose: progress}
	start := time.Now()
	hist, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: tr.Epoch() + c.epochs, InitialEpoch: tr.Epoch(), BatchSize: c.batch, ValidationSplit: validationSplit, Seed: c.seed,
		Callbacks: dash.Add([]train.Callback{stop}), Progress: progress,
	})
	if err != nil {
		return fitResult{}, err
	}
	return fitResult{hist: hist, bestEpoch: stop.BestEpoch, seconds: time.Since(start).Seconds()}, nil
}

// testResult is the test set's figures from Evaluate and, as the tutorial
// checks them, from Predict and argmax.
type testResult struct {
	loss, accuracy, predictAccuracy float64
	probs                           [][]float32 // Predict's, one row per test sample
	labels                          []int
}

// test evaluates the model on the test set and prints the figures.
func test(tr *train.Trainer, testSet *data.Dataset, batch int, stdout io.Writer) (testResult, error) {
	ev, err := tr.Evaluate(testSet, batch)
	if err != nil {
		return testResult{}, err
	}
	probs, err := tr.Predict(testSet, batch)
	if err != nil {
		return testResult{}, err
	}
	correct := 0
	labels := make([]int, testSet.Len())
	for i, p := range train.Argmax(probs) {
		labels[i] = testSet.Label(i)
		if p == labels[i] {
			correct++
		}
	}
	r := testResult{loss: ev["loss"], accuracy: ev["accuracy"], predictAccuracy: float64(correct) / float64(testSet.Len()), probs: probs, labels: labels}
	fmt.Fprintf(stdout, "Test loss (evaluate): %.4f\nTest accuracy (evaluate): %.4f\n", r.loss, r.accuracy)
	fmt.Fprintf(stdout, "Test accuracy (predict + argmax): %.4f (%d/%d)\n", r.predictAccuracy, correct, testSet.Len())
	return r, nil
}

// validationSplit is the fraction of the training part Fit holds out, as
// the tutorial does.
const validationSplit = 0.2

// writeOutputs writes the -save checkpoint, then with report.Write
// history.csv, curves.png, the report's figures, metrics.json and
// report.html / report.md.
func writeOutputs(c config, tr *train.Trainer, ds sets, fr fitResult, ts testResult) error {
	// None when a checkpoint is evaluated with -epochs 0. The curves are
	// indexed by this run's epochs, which start after the loaded
	// checkpoint's.
	best, bestInRun := -1, -1
	if len(fr.hist.Epoch) > 0 {
		best = fr.bestEpoch
		bestInRun = best - fr.hist.Epoch[0]
	}
	if c.save != "" {
		if err := tr.Save(c.save); err != nil {
			return err
		}
	}
	if c.onnx != "" {
		if err := onnx.ExportFile(c.onnx, tr.NN(), onnx.Options{}); err != nil {
			return err
		}
	}
	conf, picks, err := report.FromPredictions(ts.probs, ts.labels, ds.test.NumClasses(), 4)
	if err != nil {
		return err
	}
	// Fit trains on the first floor(n·(1−split)) samples (train.FitOptions).
	fitSamples := int(float64(ds.train.Len()) * (1 - validationSplit))
	return report.Write(c.out, report.Report{
		Title:   title,
		Command: "iris",
		Metrics: map[string]any{
			"epochs_total":          tr.Epoch(),
			"test_accuracy":         ts.accuracy,
			"test_loss":             ts.loss,
			"test_accuracy_predict": ts.predictAccuracy,
			"epochs_run":            len(fr.hist.Epoch),
			"best_epoch":            best + 1,
			"train_seconds":         fr.seconds,
			"seed":                  c.seed,
			"fused":                 tr.NN().Fused(),
			"dataset":               "iris",
			"features":              ds.train.Features(),
			"classes":               ds.train.NumClasses(),
			"train_samples":         fitSamples,
			"val_samples":           ds.train.Len() - fitSamples,
			"test_samples":          ds.test.Len(),
			"split_seed":            c.splitSeed,
			"optimizer":             tr.Optimizer.Name(),
			"learning_rate":         c.lr,
			"batch_size":            c.batch,
			"max_epochs":            c.epochs,
			"patience":              c.patience,
			"backend":               blas.Name(),
		},
		Sections: []report.Section{
			report.Table("Data", "data set", "dataset", "features", "features", "classes", "classes",
				"training samples", "train_samples", "validation samples", "val_samples", "test samples", "test_samples", "split seed", "split_seed"),
			report.Table("Hyperparameters", "optimizer", "optimizer", "learning rate", "learning_rate", "batch size", "batch_size",
				"epochs (at most)", "max_epochs", "patience (val_loss)", "patience", "seed", "seed"),
			report.Table("Test set", "accuracy", "test_accuracy", "loss", "test_loss", "accuracy (predict + argmax)", "test_accuracy_predict",
				"best epoch", "best_epoch", "epochs run", "epochs_run", "epochs in all", "epochs_total"),
			report.Table("Run", "training time (s)", "train_seconds", "backend", "backend", "fused ops", "fused"),
		},
		History:     fr.hist,
		BestEpoch:   bestInRun,
		CurvesTitle: title,
		Model:       tr.NN(),
		Summary:     tr.NN().Summary(),
		Confusion:   conf,
		ConfusionOf: fmt.Sprintf("Test set, %d samples", ds.test.Len()),
		Classes:     ds.test.Classes,
		Predictions: picks,
	})
}

// trainer builds and compiles the tutorial's model, or loads it from the
// -load checkpoint.
func trainer(c config, features, classes int) (*train.Trainer, error) {
	if c.load != "" {
		tr, err := train.Load(c.load)
		if err != nil {
			return nil, err
		}
		if tr.NN().InputWidth() != features || tr.NN().OutputWidth() != classes {
			return nil, errors.Errorf("checkpoint %s: model maps %d features to %d outputs, Iris has %d features and %d classes",
				c.load, tr.NN().InputWidth(), tr.NN().OutputWidth(), features, classes)
		}
		return tr, nil
	}
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(classes, nn.Softmax))
	if err := model.Build(features, nn.BuildOptions{Seed: c.seed}); err != nil {
		return nil, err
	}
	return train.Compile(model, train.Adam(c.lr), train.SparseCategoricalCrossentropy(), train.Accuracy())
}
