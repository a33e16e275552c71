// Command mnistbench measures the Keras MNIST recipe (Dense(512, relu) →
// Dense(10, softmax), RMSprop 1e-3, batch 128, 60,000 samples per epoch) on
// the BLAS backend in use, and prints: the median epoch time, samples per
// second, achieved GFLOP/s (the recipe's nominal 146 GFLOP per epoch), that
// as a percentage of the sgemm peak measured in the same run, peak resident
// memory, and test accuracy. When /usr/bin/python3 (or
// $GRADGRAPH_TORCH_PYTHON) can import torch, it runs the same recipe in
// PyTorch (train/testdata/torch_mnist.py, one thread, glibc's malloc
// thresholds raised as for the matrix) in the same run and prints the ratio
// of the medians; otherwise it says that it skipped it.
//
//	go run [-tags openblas] ./cmd/mnistbench -data ../shared/data/mnist [-epochs 3] [-torch=false] [-cpuprofile f]
//
// With -matrix it runs the benchmark matrix instead (matrix.go): issue 12's
// five MNIST shapes (512 and 1024-1024 on raw and standardised pixels,
// 2048-2048 standardised) and the Iris recipe, each timed with gradgraph at
// every -cpu GOMAXPROCS value and with PyTorch on one thread and on all
// (train/testdata/torch_matrix.py), printed as one table; -quick fits it in
// about a minute.
//
//	go run ./cmd/mnistbench -matrix [-quick] [-cpu 1,2] -data ../shared/data/mnist
//
// -matrix-shape NAME runs one row's gradgraph side alone, as the matrix
// does in each child process; -cpuprofile and -memprofile (the heap after
// its last epoch, the trained graphs still live) profile it.
//
//	go run ./cmd/mnistbench -matrix-shape resnet -samples 1500 -cpu 2 -memprofile heap.pprof
//
// With -stream it runs the streaming benchmark instead (stream.go):
// Fashion-MNIST written as PNG folders, one epoch from memory, streamed,
// and streamed with -copies augmented variants of each image, with each
// case's peak RSS.
//
//	go run ./cmd/mnistbench -stream [-copies 10] [-stream-dir DIR]
//
// `make bench` runs it with the backend the Makefile picked.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"runtime/pprof"
	"sort"
	"strconv"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// epochFLOP is the recipe's nominal work per epoch: forward x·W1 and h·W2
// (2·128·784·512 + 2·128·512·10 per step) and a backward pass of twice that,
// over 60,000/128 steps.
const epochFLOP = 3 * (2*128*784*512 + 2*128*512*10) * 60000.0 / 128

func main() { cli.Main("mnistbench", run) }

// opsName says which ops the model's graphs are built from.
func opsName(fused bool) string {
	if fused {
		return "fused (GRADGRAPH_FUSION=0 for the plain-Gorgonia twins)"
	}
	return "plain-Gorgonia twins (GRADGRAPH_FUSION=0)"
}

func run(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("mnistbench", flag.ContinueOnError)
	dir := fs.String("data", "", "folder of the MNIST IDX files (default: $GRADGRAPH_DATA/mnist or the cache)")
	epochs := fs.Int("epochs", 3, "epochs to time")
	seed := fs.Int64("seed", 1, "seed")
	torch := fs.Bool("torch", true, "also run the PyTorch baseline when torch is installed")
	script := fs.String("torch-script", "train/testdata/torch_mnist.py", "the PyTorch baseline script")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the training epochs (with -matrix-shape: of the shape's runs) to this file")
	memprofile := fs.String("memprofile", "", "with -matrix-shape: write a heap profile to this file after the last GOMAXPROCS setting's epochs")
	matrix := fs.Bool("matrix", false, "run the benchmark matrix (issue 12's five MNIST shapes, the Iris recipe, the MNIST convnet and the resnet, each against PyTorch) instead of the recipe")
	quick := fs.Bool("quick", false, "with -matrix: 3 epochs on a quarter of the samples, about a minute")
	rounds := fs.Int("rounds", defaultRounds, "with -matrix or -matrix-shape: time the -cpu settings this many times each, in turn, the order reversed every other round")
	cpuFlag := fs.String("cpu", "", "with -matrix: GOMAXPROCS values to run the gradgraph side at, in turn (default 1 and the current GOMAXPROCS)")
	matrixScript := fs.String("matrix-script", "train/testdata/torch_matrix.py", "with -matrix: the PyTorch baseline script")
	only := fs.String("shapes", "", "with -matrix: run only these shapes, comma-separated (default all: 512-raw, 512-std, 1024x2-raw, 1024x2-std, 2048x2-std, iris, convnet, resnet)")
	shapeName := fs.String("matrix-shape", "", "run one matrix shape's gradgraph side and print its lines (what -matrix runs in each child process)")
	samples := fs.Int("samples", 0, "with -matrix-shape: training samples (0: the shape's own)")
	stream := streamFlags(fs) // -stream and its flags (stream.go)
	if err := cli.Parse(fs, args, stdout); err != nil {
		return err
	}
	if stream.on || stream.caseArg != "" {
		return runStream(*stream, *seed, stdout)
	}
	if *epochs < 1 {
		return errors.Errorf("-epochs %d: want at least 1", *epochs)
	}
	if *rounds < 1 {
		return errors.Errorf("-rounds %d: want at least 1", *rounds)
	}
	if *samples < 0 || *samples > 60000 {
		return errors.Errorf("-samples %d: want 0..60000", *samples)
	}
	cpus := defaultCPUs()
	if *cpuFlag != "" {
		var err error
		if cpus, err = parseCPUList(*cpuFlag); err != nil {
			return err
		}
	}
	backend, err := blas.Use()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mnistbench: warning:", err)
	}
	if *shapeName != "" {
		stop, err := startCPUProfile(*cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
		return runShapeFlag(*shapeName, *dir, *samples, cpus, *rounds, *epochs, *seed, *memprofile, stdout)
	}
	if *matrix {
		// -epochs overrides the matrix's own counts only when given.
		matrixEpochs := 0
		fs.Visit(func(f *flag.Flag) {
			if f.Name == "epochs" {
				matrixEpochs = *epochs
			}
		})
		c := newMatrixConfig(*quick, matrixEpochs)
		c.dir, c.script, c.cpus, c.torch, c.seed, c.rounds = *dir, *matrixScript, cpus, *torch, *seed, *rounds
		if c.shapes, err = selectShapes(*only); err != nil {
			return err
		}
		return runMatrix(c, backend, stdout)
	}
	peak := sgemmPeak(500 * time.Millisecond)
	trainSet, testSet, err := data.MNIST(*dir, data.Offline())
	if err != nil {
		return err
	}
	model := nn.Sequential("mnist", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(784, nn.BuildOptions{Seed: *seed}); err != nil {
		return err
	}
	tr, err := train.Compile(model, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	var times []float64
	var start time.Time
	timer := train.CallbackFuncs{
		EpochBegin: func(*train.Trainer, int) error { start = time.Now(); return nil },
		EpochEnd: func(_ *train.Trainer, e int, logs train.Logs) error {
			times = append(times, time.Since(start).Seconds())
			fmt.Fprintf(stdout, "epoch %d: %.3f s, loss %.4f\n", e+1, times[len(times)-1], logs["loss"])
			return nil
		},
	}
	stop, err := startCPUProfile(*cpuprofile)
	if err != nil {
		return err
	}
	_, err = tr.Fit(trainSet, train.FitOptions{Epochs: *epochs, BatchSize: 128, Seed: *seed, Callbacks: []train.Callback{timer}})
	stop()
	if err != nil {
		return err
	}
	ev, err := tr.Evaluate(testSet, 1000)
	if err != nil {
		return err
	}
	med := median(times)
	gflops := epochFLOP / med / 1e9
	fmt.Fprintf(stdout, "\nbackend:              %s\n", backend)
	fmt.Fprintf(stdout, "ops:                  %s\n", opsName(model.Fused()))
	fmt.Fprintf(stdout, "median epoch:         %.3f s (%d epochs)\n", med, len(times))
	fmt.Fprintf(stdout, "samples/s:            %.0f\n", 60000/med)
	fmt.Fprintf(stdout, "achieved:             %.1f GFLOP/s (nominal %.0f GFLOP per epoch)\n", gflops, epochFLOP/1e9)
	fmt.Fprintf(stdout, "sgemm peak:           %.1f GFLOP/s (128x784 · 784x512, GOMAXPROCS %d, this run)\n", peak, runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "share of sgemm peak:  %.0f%%\n", 100*gflops/peak)
	fmt.Fprintf(stdout, "peak RSS:             %.0f MB\n", float64(report.PeakRSS())/1e6)
	fmt.Fprintf(stdout, "test accuracy:        %.4f after %d epochs\n", ev["accuracy"], len(times))
	if !*torch {
		fmt.Fprintln(stdout, "PyTorch:              skipped (-torch=false)")
		return nil
	}
	tmed, err := torchMedian(*script, *dir, *epochs)
	if err != nil {
		fmt.Fprintf(stdout, "PyTorch:              skipped (%v)\n", err)
		return nil
	}
	fmt.Fprintf(stdout, "PyTorch (1 thread):   %.3f s median epoch\n", tmed)
	fmt.Fprintf(stdout, "ratio:                %.2fx PyTorch's epoch time\n", med/tmed)
	return nil
}

// startCPUProfile starts a CPU profile written to path, when path is not
// empty, and returns the function that stops it.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, errors.Wrap(err, "-cpuprofile")
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errors.Wrap(err, "-cpuprofile")
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// sgemmPeak times the recipe's largest product through the GEMM the Dense
// layers call (kernels.Gemm, behind the kernel wall) for about d, in five
// windows, and returns the best window's GFLOP/s: on a shared machine the
// best window is the closest to what the hardware gives, and a peak that a
// neighbour's burst pulled down would inflate every share of it.
func sgemmPeak(d time.Duration) float64 {
	const m, k, n, windows = 128, 784, 512, 5
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	for i := range a {
		a[i] = float32(i%7) / 7
	}
	for i := range b {
		b[i] = float32(i%5) / 5
	}
	best := 0.0
	for w := 0; w < windows; w++ {
		iters, start := 0, time.Now()
		for iters == 0 || time.Since(start) < d/windows {
			kernels.Gemm(false, false, m, n, k, a, k, b, n, false, c, n)
			iters++
		}
		best = max(best, 2*m*n*k*float64(iters)/time.Since(start).Seconds()/1e9)
	}
	return best
}

var medianRe = regexp.MustCompile(`median_epoch_s=([0-9.]+)`)

// torchMedian runs the PyTorch baseline and returns its median epoch time.
func torchMedian(script, dir string, epochs int) (float64, error) {
	py := torchPython()
	if err := exec.Command(py, "-c", "import torch").Run(); err != nil {
		return 0, errors.New(noTorch(py))
	}
	if _, err := os.Stat(script); err != nil {
		return 0, errors.Errorf("no script %s: run from the repository root", script)
	}
	args := []string{script, "--threads", "1", "--epochs", strconv.Itoa(epochs)}
	if dir != "" {
		args = append(args, "--data", dir)
	}
	cmd := exec.Command(py, args...)
	cmd.Env = append(os.Environ(), torchMallocEnv...) // at its best, as in the matrix
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, errors.Errorf("torch run failed: %v: %s", err, cli.OneLine(string(out)))
	}
	mm := medianRe.FindSubmatch(out)
	if mm == nil {
		return 0, errors.Errorf("no median in the torch output: %s", cli.OneLine(string(out)))
	}
	return strconv.ParseFloat(string(mm[1]), 64)
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
