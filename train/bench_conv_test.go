package train

import (
	"math/rand"
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
	for i := 0; i < b.N; i++ {
		k := (i % (n / bs)) * bs
		if _, err := tr.benchStep(src, order[k:k+bs], rng); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(convnetStepFLOPs/sec/1e9, "GFLOP/s")
	b.ReportMetric(sec*60000/bs, "s/epoch")
}
