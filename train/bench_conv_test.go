package train

import (
	"math"
	"math/rand"
	"runtime"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
)

// convnetStepFLOPs is the nominal work of one step of Keras's MNIST convnet
// at batch 64: per convolution 2·positions·kh·kw·cin·filters multiply-adds
// forward, three products (forward, kernel gradient, input gradient; the
// first layer's input gradient is counted though never formed), plus the
// output Dense layer.
const convnetStepFLOPs = 3 * 2 * 64 * (26*26*9*32 + 11*11*288*64 + 3*3*576*128 + 1152*10)

func convnetTrainer(tb testing.TB, seed int64) *Trainer {
	m := nn.Sequential("convnet",
		nn.Conv2D(32, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(64, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(128, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax))
	if err := m.BuildShape([]int{28, 28, 1}, nn.BuildOptions{Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	tr, err := Compile(m, RMSprop(1e-3), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// BenchmarkTrainStepConvnet is one Fit step (batch 64) of Keras's MNIST
// convnet on synthetic images, cycling through 640 samples.
func BenchmarkTrainStepConvnet(b *testing.B) {
	useBLAS(b)
	const n, bs = 640, 64
	src := syntheticMNIST(n, 1)
	tr := convnetTrainer(b, 1)
	rng := rand.New(rand.NewSource(1))
	order := rng.Perm(n)
	if _, err := tr.benchStep(src, order[:bs], rng); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		k := (i % (n / bs)) * bs
		if _, err := tr.benchStep(src, order[k:k+bs], rng); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	// The process's CPU time per step, all threads: on a machine shared
	// with other processes the wall time per step varies with their load,
	// this much less (it counts workers spinning while they wait, too).
	if cpu := processCPU() - cpu0; cpu > 0 {
		b.ReportMetric(cpu.Seconds()*1e3/float64(b.N), "cpu-ms/op")
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(convnetStepFLOPs/sec/1e9, "GFLOP/s")
	b.ReportMetric(sec*60000/bs, "s/epoch")
}

// TestConvnetDeterministic: the convnet's training steps (fused
// convolution and pooling, shared out among the cores by sample) give
// bit-identical weights from the same seed, at GOMAXPROCS 1 and at 2.
func TestConvnetDeterministic(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the MNIST convnet")
	}
	const n, bs, steps = 256, 64, 3
	src := syntheticMNIST(n, 2)
	train := func() [][]float64 {
		tr := convnetTrainer(t, 1)
		rng := rand.New(rand.NewSource(1))
		order := rng.Perm(n)
		for i := 0; i < steps; i++ {
			if _, err := tr.benchStep(src, order[i*bs:(i+1)*bs], rng); err != nil {
				t.Fatal(err)
			}
		}
		var w [][]float64
		for _, p := range tr.Model.Params() {
			w = append(w, p.Float64s())
		}
		return w
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		a, b := train(), train()
		moved := false
		for i := range a {
			for j := range a[i] {
				if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
					t.Fatalf("GOMAXPROCS=%d: param %d [%d]: %v then %v", procs, i, j, a[i][j], b[i][j])
				}
			}
		}
		init := convnetTrainer(t, 1).Model.Params()
		for i, p := range init {
			for j, v := range p.Float64s() {
				moved = moved || v != a[i][j]
			}
		}
		if !moved {
			t.Fatalf("GOMAXPROCS=%d: the steps left the weights as initialised", procs)
		}
	}
}
