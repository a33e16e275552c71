// Command iris trains the Keras Iris tutorial's network with gradgraph:
// standardised features, a stratified 80/20 split with seed 42, two blocks
// of Dense(64, relu) → BatchNorm → Dropout(0.5) and a softmax output, Adam
// 1e-3, batch 8, up to 100 epochs with 20% of the training data held out for
// validation and early stopping on val_loss (patience 10, best weights
// restored). It prints the model summary, the epoch lines and the test loss
// and accuracy, and writes history.csv, metrics.json and curves.png to -out.
//
// -save PATH writes a checkpoint of the trained model; -load PATH starts
// from one, and with -epochs 0 only evaluates it, writing the same
// metrics.json fields. It runs offline: Iris is embedded in the data package.
package main

import (
	"flag"
	"fmt"
	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"io"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() { cli.Main("iris", run) }

type config struct {
	epochs, batch, patience int
	seed, splitSeed         int64
	lr                      float64
	out, save, load         string
	quiet                   bool
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
	fs.StringVar(&c.out, "out", "out/iris", "folder for history.csv, metrics.json and curves.png")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the test figures")
	fs.StringVar(&c.save, "save", "", "write a checkpoint of the trained model to this file")
	fs.StringVar(&c.load, "load", "", "start from this checkpoint; -epochs then counts further epochs (0: evaluate only)")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return c, err
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

	tr, err := trainer(c, iris.Features())
	if err != nil {
		return err
	}
	model := tr.Model
	progress := stdout
	if c.quiet {
		progress = nil
	} else {
		fmt.Fprint(stdout, model.Summary())
	}
	stop := &train.EarlyStopping{Monitor: "val_loss", Patience: c.patience, RestoreBestWeights: true, Verbose: progress}
	start := time.Now()
	hist, err := tr.Fit(trainSet, train.FitOptions{
		Epochs: tr.Epoch() + c.epochs, InitialEpoch: tr.Epoch(), BatchSize: c.batch, ValidationSplit: 0.2, Seed: c.seed,
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
	if c.save != "" {
		if err := tr.Save(c.save); err != nil {
			return err
		}
	}
	best := stop.BestEpoch
	if len(hist.Epoch) == 0 {
		best = -1
	} else {
		// The curves are indexed by this run's epochs, which start after the
		// loaded checkpoint's.
		if _, err := report.Curves(c.out, "Iris: Dense(64)-BN-Dropout ×2, Adam", hist, best-hist.Epoch[0]); err != nil {
			return err
		}
	}
	return report.Metrics(c.out, map[string]any{
		"epochs_total":          tr.Epoch(),
		"test_accuracy":         ev["accuracy"],
		"test_loss":             ev["loss"],
		"test_accuracy_predict": predAcc,
		"epochs_run":            len(hist.Epoch),
		"best_epoch":            best + 1,
		"train_seconds":         seconds,
		"seed":                  c.seed,
		"fused":                 tr.Model.Fused(),
	})
}

// trainer builds and compiles the tutorial's model, or loads it from the
// -load checkpoint.
func trainer(c config, features int) (*train.Trainer, error) {
	if c.load != "" {
		tr, err := train.Load(c.load)
		if err != nil {
			return nil, err
		}
		if tr.Model.InputWidth() != features {
			return nil, errors.Errorf("checkpoint %s: model takes %d features, Iris has %d", c.load, tr.Model.InputWidth(), features)
		}
		return tr, nil
	}
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(features, nn.BuildOptions{Seed: c.seed}); err != nil {
		return nil, err
	}
	return train.Compile(model, train.Adam(c.lr), train.SparseCategoricalCrossentropy(), train.Accuracy())
}
