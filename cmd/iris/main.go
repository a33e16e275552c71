// Command iris trains the Keras Iris tutorial's network with gradgraph:
// standardised features, a stratified 80/20 split with seed 42, two blocks
// of Dense(64, relu) → BatchNorm → Dropout(0.5) and a softmax output, Adam
// 1e-3, batch 8, up to 100 epochs with 20% of the training data held out for
// validation and early stopping on val_loss (patience 10, best weights
// restored). It prints the model summary, the epoch lines and the test loss
// and accuracy, and writes history.csv, metrics.json and curves.png to -out.
//
// It runs offline: Iris is embedded in the data package.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "iris:", err)
		os.Exit(1)
	}
}

type config struct {
	epochs, batch, patience int
	seed, splitSeed         int64
	lr                      float64
	out                     string
	quiet                   bool
}

func parse(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("iris", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&c.epochs, "epochs", 100, "maximum number of epochs")
	fs.IntVar(&c.batch, "batch", 8, "batch size")
	fs.IntVar(&c.patience, "patience", 10, "early-stopping patience in epochs (val_loss)")
	fs.Int64Var(&c.seed, "seed", 1, "seed for initialisation, shuffling and dropout")
	fs.Int64Var(&c.splitSeed, "split-seed", 42, "seed of the 80/20 train/test split")
	fs.Float64Var(&c.lr, "lr", 1e-3, "Adam learning rate")
	fs.StringVar(&c.out, "out", "out/iris", "folder for history.csv, metrics.json and curves.png")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the test figures")
	if err := fs.Parse(args); err != nil {
		var sb stringsBuilder
		fs.SetOutput(&sb)
		fs.PrintDefaults()
		return c, errors.Errorf("%v\nflags:\n%s", err, sb.String())
	}
	if fs.NArg() > 0 {
		return c, errors.Errorf("unexpected arguments %q", fs.Args())
	}
	return c, nil
}

func run(args []string, stdout io.Writer) error {
	c, err := parse(args)
	if err != nil {
		return err
	}
	if err := report.OutDir(c.out); err != nil {
		return err
	}
	iris, err := data.Iris()
	if err != nil {
		return err
	}
	trainSet, testSet, err := data.TrainTestSplit(iris, 0.2, c.splitSeed, true)
	if err != nil {
		return err
	}
	// The scaler learns the training set's mean and deviation only, so that
	// nothing about the test set leaks into training.
	var scaler data.StandardScaler
	if err := scaler.FitTransform(trainSet); err != nil {
		return err
	}
	if err := scaler.Transform(testSet); err != nil {
		return err
	}

	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(iris.Features(), nn.BuildOptions{Seed: c.seed}); err != nil {
		return err
	}
	tr, err := train.Compile(model, train.Adam(c.lr), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	progress := stdout
	if c.quiet {
		progress = nil
	} else {
		fmt.Fprint(stdout, model.Summary())
	}
	stop := &train.EarlyStopping{Monitor: "val_loss", Patience: c.patience, RestoreBestWeights: true, Verbose: progress}
	start := time.Now()
	hist, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: c.epochs, BatchSize: c.batch, ValidationSplit: 0.2, Seed: c.seed,
		Callbacks: []train.Callback{stop}, Progress: progress,
	})
	if err != nil {
		return err
	}
	seconds := time.Since(start).Seconds()

	ev, err := tr.Evaluate(testSet, c.batch)
	if err != nil {
		return err
	}
	probs, err := tr.Predict(testSet, c.batch)
	if err != nil {
		return err
	}
	correct := 0
	for i, p := range train.Argmax(probs) {
		if p == testSet.Label(i) {
			correct++
		}
	}
	predAcc := float64(correct) / float64(testSet.Len())
	fmt.Fprintf(stdout, "Test loss (evaluate): %.4f\nTest accuracy (evaluate): %.4f\n", ev["loss"], ev["accuracy"])
	fmt.Fprintf(stdout, "Test accuracy (predict + argmax): %.4f (%d/%d)\n", predAcc, correct, testSet.Len())

	if err := report.History(c.out, hist); err != nil {
		return err
	}
	best := stop.BestEpoch
	if len(hist.Epoch) == 0 {
		best = -1
	} else if _, err := report.Curves(c.out, "Iris: Dense(64)-BN-Dropout ×2, Adam", hist, best); err != nil {
		return err
	}
	return report.Metrics(c.out, map[string]any{
		"test_accuracy":         ev["accuracy"],
		"test_loss":             ev["loss"],
		"test_accuracy_predict": predAcc,
		"epochs_run":            len(hist.Epoch),
		"best_epoch":            best + 1,
		"train_seconds":         seconds,
		"seed":                  c.seed,
	})
}
