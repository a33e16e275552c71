package train

// Benchmarks of the Keras MNIST recipe: Dense(512, relu) → Dense(10,
// softmax), RMSprop, sparse categorical cross-entropy, batch 128.
//
//	go test -run '^$' -bench MNIST ./train/                  # pure-Go BLAS
//	go test -tags openblas -run '^$' -bench MNIST ./train/   # OpenBLAS
//
// With -tags openblas the benchmarks install OpenBLAS through blas.Use;
// GRADGRAPH_BLAS_THREADS picks its thread count. BenchmarkEpochMNIST reads
// the real data set from GRADGRAPH_MNIST (default: ../shared/data/mnist
// beside the repository) and is skipped when it is not there.

import (
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/nn"
)

// mnistStepFLOPs is the nominal floating-point work of one training step of
// the recipe at batch 128, counted as the issue counts it: three gemms per
// dense layer (forward, weight gradient, input gradient), 2·m·n·k each.
// 60,000 samples (468.75 steps) make ~146 GFLOP. A step that skips the
// first layer's input gradient does two thirds of the big gemms' work; the
// metric keeps the nominal count so that figures compare across versions.
const mnistStepFLOPs = 3 * 2 * 128 * (784*512 + 512*10)

var blasOnce sync.Once

func useBLAS(b testing.TB) {
	blasOnce.Do(func() {
		name, err := blas.Use()
		if err != nil {
			b.Logf("blas: %v", err)
		}
		b.Logf("BLAS: %s", name)
	})
}

// syntheticMNIST makes n MNIST-shaped images from a fixed seed: about 80%
// zero pixels like the real digits, the rest uniform bytes, random labels.
func syntheticMNIST(n int, seed int64) *data.Images {
	rng := rand.New(rand.NewSource(seed))
	pix := make([]byte, n*784)
	for i := range pix {
		if rng.Intn(5) == 0 {
			pix[i] = byte(rng.Intn(256))
		}
	}
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(rng.Intn(10))
	}
	classes := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}
	im, err := data.NewImages("synthetic-mnist", pix, 28, 28, labels, classes)
	if err != nil {
		panic(err)
	}
	return im
}

func mnistTrainer(tb testing.TB, seed int64) *Trainer {
	m := nn.Sequential("mnist", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := m.Build(784, nn.BuildOptions{Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	tr, err := Compile(m, RMSprop(1e-3), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// trainBatch runs one training step of Fit's loop on the samples idx.
func (t *Trainer) benchStep(src data.Source, idx []int, rng *rand.Rand) (float64, error) {
	s, err := t.stepFor(len(idx), true)
	if err != nil {
		return 0, err
	}
	var loss float64
	t.gate.run(len(idx), func() { // as Fit: the step gate, checks, update and commit
		if loss, err = t.run(s, src, idx, rng); err == nil {
			err = t.apply(s, loss)
		}
	})
	if err != nil {
		return 0, err
	}
	for _, mt := range t.Metrics {
		mt.Update(s.out64[0], s.tgt64[0], len(idx), outputWidth(t.Model))
	}
	return loss, nil
}

// BenchmarkTrainStepMNIST is one Fit step (batch 128) of the recipe on
// synthetic data, cycling through 1,280 samples.
func BenchmarkTrainStepMNIST(b *testing.B) {
	useBLAS(b)
	const n, bs = 1280, 128
	src := syntheticMNIST(n, 1)
	tr := mnistTrainer(b, 1)
	rng := rand.New(rand.NewSource(1))
	order := rng.Perm(n)
	// Warm up: build the graph, the optimiser state.
	if _, err := tr.benchStep(src, order[:bs], rng); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := (i % (n / bs)) * bs
		if _, err := tr.benchStep(src, order[k:k+bs], rng); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(mnistStepFLOPs/sec/1e9, "GFLOP/s")
	b.ReportMetric(sec*60000/bs, "s/epoch")
}

// BenchmarkPredictMNIST is Predict over 10,000 synthetic samples, batch 128.
func BenchmarkPredictMNIST(b *testing.B) {
	useBLAS(b)
	const n = 10000
	src := syntheticMNIST(n, 2)
	tr := mnistTrainer(b, 2)
	if _, err := tr.Predict(src, 128); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Predict(src, 128); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// mnistDir is $GRADGRAPH_MNIST, else the shared data folder beside the
// repository (tests run in the package's folder).
func mnistDir() string {
	if d := os.Getenv("GRADGRAPH_MNIST"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "data", "mnist")
}

// BenchmarkEpochMNIST is one Fit epoch over the real MNIST training set
// (60,000 samples, batch 128, RMSprop 1e-3, shuffled).
func BenchmarkEpochMNIST(b *testing.B) {
	useBLAS(b)
	trainSet, _, err := data.MNIST(mnistDir(), data.Offline())
	if err != nil {
		b.Skipf("MNIST not available: %v", err)
	}
	tr := mnistTrainer(b, 3)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Fit(trainSet, FitOptions{Epochs: tr.Epoch() + 1, InitialEpoch: tr.Epoch(), BatchSize: 128, Seed: 3}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(sec, "s/epoch")
	b.ReportMetric(60000/sec, "samples/s")
	b.ReportMetric(mnistStepFLOPs*60000/128/sec/1e9, "GFLOP/s")
}

// TestMNISTRun trains the recipe on the real MNIST for GRADGRAPH_MNIST_EPOCHS
// epochs (default 5) and logs each epoch's time, the median, samples/s,
// GFLOP/s, the test accuracy and the peak RSS. It runs only when
// GRADGRAPH_MNIST_RUN=1:
//
//	GRADGRAPH_MNIST_RUN=1 go test -tags openblas -run MNISTRun -v ./train/
func TestMNISTRun(t *testing.T) {
	if os.Getenv("GRADGRAPH_MNIST_RUN") != "1" {
		t.Skip("set GRADGRAPH_MNIST_RUN=1 to train on MNIST")
	}
	useBLAS(t)
	trainSet, testSet, err := data.MNIST(mnistDir(), data.Offline())
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	epochs := 5
	if s := os.Getenv("GRADGRAPH_MNIST_EPOCHS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			epochs = n
		}
	}
	tr := mnistTrainer(t, 0)
	var times []float64
	for e := 0; e < epochs; e++ {
		start := time.Now()
		h, err := tr.Fit(trainSet, FitOptions{Epochs: e + 1, InitialEpoch: e, BatchSize: 128, Seed: 0})
		if err != nil {
			t.Fatal(err)
		}
		d := time.Since(start).Seconds()
		times = append(times, d)
		l := h.Logs["loss"]
		t.Logf("epoch %d: %.3f s, loss %.4f", e+1, d, l[len(l)-1])
	}
	ev, err := tr.Evaluate(testSet, 128)
	if err != nil {
		t.Fatal(err)
	}
	sorted := append([]float64(nil), times...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	if len(sorted)%2 == 0 {
		med = (sorted[len(sorted)/2-1] + sorted[len(sorted)/2]) / 2
	}
	t.Logf("median_epoch_s=%.3f best_epoch_s=%.3f samples_per_s=%.0f gflops=%.1f test_acc=%.4f test_loss=%.4f peak_rss_mb=%.0f",
		med, sorted[0], 60000/med, mnistStepFLOPs*60000/128/med/1e9, ev["accuracy"], ev["loss"], peakRSSMB())
}

// peakRSSMB reads VmHWM from /proc/self/status (Linux); NaN elsewhere.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return math.NaN()
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return math.NaN()
}
