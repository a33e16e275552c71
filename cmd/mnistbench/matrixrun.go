package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/recipe"
	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// runShape is the gradgraph side of one matrix row, run in a process of its
// own (-matrix-shape) so that its peak RSS is this shape's alone. For every
// GOMAXPROCS value in cpus it builds the model afresh with the same seed and
// trains epochs epochs on src; it does so rounds times, the settings in
// cpus's order in even rounds and in reverse in odd ones, and prints each
// setting's median epoch time over all its rounds and its fastest round's
// median; then it prints the process's peak RSS. The turns keep a drift of the machine's speed from
// favouring the setting that runs first: on the development VM, shared
// with other tenants, 512-unit epochs at one setting wandered between 0.17
// and 0.24 s within a minute, and with GOMAXPROCS 1 always first such a
// drift reads as "more cores are slower". Every round of a setting must end
// with the same loss (same seed, same bits), or runShape fails. With heapProfile set
// it writes the heap profile there after the last run's epochs, while that
// trainer's graphs are still live. Lines:
//
//	gradgraph shape=NAME cpu=N median_epoch_s=S best_round_s=B loss=L
//	gradgraph shape=NAME peak_rss_mb=M
func runShape(s shape, src data.Source, cpus []int, rounds, epochs int, seed int64, heapProfile string, stdout io.Writer) error {
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	times := map[int][]float64{}
	best := map[int]float64{} // the fastest round's median
	losses := map[int]float64{}
	for r := 0; r < rounds; r++ {
		order := roundOrder(cpus, r)
		for i, c := range order {
			// The last run's trainer is garbage now: collect it and hand
			// its pages back before the next is built (PyTorch frees its
			// tensors when the last reference goes and reuses them), so
			// that the peak RSS is one trainer's, not the last one's plus
			// the collector's headroom over it.
			debug.FreeOSMemory()
			runtime.GOMAXPROCS(c)
			tr, ts, loss, err := timeShape(s, src, epochs, seed)
			if err != nil {
				return errors.Wrapf(err, "shape %s, GOMAXPROCS %d", s.name, c)
			}
			if l, ok := losses[c]; ok && l != loss {
				return errors.Errorf("shape %s, GOMAXPROCS %d: round %d ended with loss %v, round 1 with %v (same seed)", s.name, c, r+1, loss, l)
			}
			losses[c] = loss
			times[c] = append(times[c], ts...)
			if m, ok := best[c]; !ok || median(ts) < m {
				best[c] = median(ts)
			}
			if r == rounds-1 && i == len(order)-1 && heapProfile != "" {
				if err := writeHeapProfile(heapProfile); err != nil {
					return err
				}
			}
			runtime.KeepAlive(tr)
		}
	}
	for _, c := range cpus {
		fmt.Fprintf(stdout, "gradgraph shape=%s cpu=%d median_epoch_s=%.6f best_round_s=%.6f loss=%.4f\n", s.name, c, median(times[c]), best[c], losses[c])
	}
	fmt.Fprintf(stdout, "gradgraph shape=%s peak_rss_mb=%.1f\n", s.name, float64(report.PeakRSS())/1e6)
	return nil
}

// roundOrder is the order runShape times the settings cpus in round r
// (from 0): as given in even rounds, reversed in odd ones.
func roundOrder(cpus []int, r int) []int {
	order := slices.Clone(cpus)
	if r%2 == 1 {
		slices.Reverse(order)
	}
	return order
}

// timeShape builds and compiles the shape's model and returns the trained
// trainer, the time of each of its epochs epochs on src and the last
// epoch's loss.
func timeShape(s shape, src data.Source, epochs int, seed int64) (tr *train.Trainer, times []float64, loss float64, err error) {
	if tr, err = shapeTrainer(s, src.Features(), src.NumClasses(), seed); err != nil {
		return nil, nil, 0, err
	}
	var start time.Time
	timer := train.CallbackFuncs{
		EpochBegin: func(*train.Trainer, int) error { start = time.Now(); return nil },
		EpochEnd: func(_ *train.Trainer, _ int, logs train.Logs) error {
			times = append(times, time.Since(start).Seconds())
			loss = logs["loss"]
			return nil
		},
	}
	if _, err := tr.Fit(src, train.FitOptions{Epochs: epochs, BatchSize: s.batch(), Seed: seed, Callbacks: []train.Callback{timer}}); err != nil {
		return nil, nil, 0, err
	}
	return tr, times, loss, nil
}

// shapeTrainer builds the shape's model: ReLU Dense layers and a softmax
// output with RMSprop 1e-3 for MNIST, cmd/iris's Dense-BatchNorm-Dropout
// blocks with Adam 1e-3 for Iris, the recipe's convnet (recipe.Convnet, as
// cmd/mnist and cmd/images train it) with RMSprop 1e-3, the recipe's
// resnet (recipe.Resnet) with Adam 1e-3 and no cosine schedule (the
// matrix times epochs, not a whole run).
func shapeTrainer(s shape, features, classes int, seed int64) (*train.Trainer, error) {
	if s.resnet {
		model, err := recipe.Resnet(s.name, []int{28, 28, 1}, classes)
		if err != nil {
			return nil, err
		}
		if err := model.BuildShape([]int{28, 28, 1}, nn.BuildOptions{Seed: seed}); err != nil {
			return nil, err
		}
		return train.Compile(model, train.Adam(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
	}
	if s.convnet {
		model := nn.Sequential(s.name, recipe.Convnet(classes)...)
		if err := model.BuildShape([]int{28, 28, 1}, nn.BuildOptions{Seed: seed}); err != nil {
			return nil, err
		}
		return train.Compile(model, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
	}
	var layers []nn.Layer
	for _, h := range s.hidden {
		layers = append(layers, nn.Dense(h, nn.ReLU))
		if s.iris {
			layers = append(layers, nn.BatchNorm(), nn.Dropout(0.5))
		}
	}
	layers = append(layers, nn.Dense(classes, nn.Softmax))
	model := nn.Sequential(s.name, layers...)
	if err := model.Build(features, nn.BuildOptions{Seed: seed}); err != nil {
		return nil, err
	}
	if s.iris {
		return train.Compile(model, train.Adam(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
	}
	return train.Compile(model, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
}

// shapeData is the shape's training data: the first samples MNIST training
// images (standardised where the shape says so), or cmd/iris's standardised
// 80% train split (split seed 42, stratified).
func shapeData(s shape, dir string, samples int) (data.Source, error) {
	if s.iris {
		return irisTrain()
	}
	trainSet, _, err := data.MNIST(dir, data.Offline())
	if err != nil {
		return nil, err
	}
	// A copy of the first samples, not a view: the rest of the training
	// set (47 MB) and the test set are then garbage before the model is
	// built, as in a program that trains on part of MNIST.
	first := make([]int, min(samples, trainSet.Len()))
	for i := range first {
		first[i] = i
	}
	var src data.Source
	if src, err = trainSet.Take(fmt.Sprintf("mnist/train[:%d]", len(first)), first); err != nil {
		return nil, err
	}
	if s.standardised {
		src = standardised{Source: src, mean: mnistMean, std: mnistStd}
	}
	return src, nil
}

// irisTrain is cmd/iris's training data: the stratified 80% split with seed
// 42, standardised with its own mean and deviation.
func irisTrain() (*data.Dataset, error) {
	iris, err := data.Iris()
	if err != nil {
		return nil, err
	}
	trainSet, _, err := data.TrainTestSplit(iris, 0.2, 42, true)
	if err != nil {
		return nil, err
	}
	var scaler data.StandardScaler
	if err := scaler.FitTransform(trainSet); err != nil {
		return nil, err
	}
	return trainSet, nil
}

// runShapeFlag is -matrix-shape: the gradgraph side of the named shape on
// samples training samples (0: the shape's own count).
func runShapeFlag(name, dir string, samples int, cpus []int, rounds, epochs int, seed int64, heapProfile string, stdout io.Writer) error {
	s, ok := findShape(name)
	if !ok {
		return errors.Errorf("-matrix-shape %q: no such shape", name)
	}
	if samples == 0 || s.iris {
		samples = s.samples
	}
	src, err := shapeData(s, dir, samples)
	if err != nil {
		return err
	}
	return runShape(s, src, cpus, rounds, epochs, seed, heapProfile, stdout)
}

// writeHeapProfile collects garbage and writes the heap profile (what is
// live, and everything allocated so far) to path.
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return errors.Wrap(err, "-memprofile")
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return errors.Wrap(err, "-memprofile")
	}
	return errors.Wrap(f.Close(), "-memprofile")
}
