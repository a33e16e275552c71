package train

import (
	"fmt"
	"github.com/gradgraph/gradgraph/nn"
	"math"
	"math/rand"
	"runtime"
	"testing"

	"github.com/gradgraph/gradgraph/internal/split"
)

// TestSplitsChangeNoBit: the kernels choose between one core and several
// from timings (internal/split), so the weights must not depend on the
// choice. Twenty steps of the MNIST recipe (zero-skipping and dense
// products, RMSprop's chunked update, the chunked batch fill), and of the
// convnet, every loop forced inline, forced split, and left to the
// timings, at GOMAXPROCS 1 and 2 (and every core the machine has, where
// that is more), all give the same bits.
func TestSplitsChangeNoBit(t *testing.T) {
	if testing.Short() {
		t.Skip("trains the MNIST recipe and the convnet six times each; skipped with -short")
	}
	for _, c := range []struct {
		name  string
		steps int
		build func(testing.TB, int64) *Trainer
		bs    int
	}{{"mnist", 20, mnistTrainer, 128}, {"convnet", 3, convnetTrainer, 64}, {"batchnorm", 3, batchNormTrainer, 64}} {
		src := syntheticMNIST(c.bs*4, 3)
		var want string
		procsList := []int{1, 2}
		if n := runtime.NumCPU(); n > 2 {
			procsList = append(procsList, n)
		}
		for _, procs := range procsList {
			for _, mode := range []split.Mode{split.Serial, split.Split, split.Auto} {
				prev := runtime.GOMAXPROCS(procs)
				restore := split.Force(mode)
				tr := c.build(t, 1)
				rng := rand.New(rand.NewSource(1))
				order := rng.Perm(src.Len())
				for s := 0; s < c.steps; s++ {
					k := (s % 4) * c.bs
					if _, err := tr.benchStep(src, order[k:k+c.bs], rng); err != nil {
						t.Fatal(err)
					}
				}
				restore()
				runtime.GOMAXPROCS(prev)
				got := weightsHash(tr)
				if want == "" {
					want = got
				} else if got != want {
					t.Errorf("%s, GOMAXPROCS %d, mode %d: weights hash %s, want %s (GOMAXPROCS 1, inline)", c.name, procs, mode, got, want)
				}
			}
		}
	}
}

// batchNormTrainer is a convolution, BatchNormalization and a ReLU of its
// own (the resnet's pattern), then a softmax Dense: at batch 64 the
// statistics, the normalisation and its gradients run over 64·26·26 rows
// of 16 channels, enough for their loops to split.
func batchNormTrainer(tb testing.TB, seed int64) *Trainer {
	m := nn.Sequential("bn",
		nn.Conv2D(16, 3, nn.Linear), nn.BatchNorm(), nn.Act(nn.ReLU),
		nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(10, nn.Softmax))
	if err := m.BuildShape([]int{28, 28, 1}, nn.BuildOptions{Seed: seed}); err != nil {
		tb.Fatal(err)
	}
	tr, err := Compile(m, Adam(1e-3), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		tb.Fatal(err)
	}
	return tr
}

// weightsHash is an FNV hash of every param's bits.
func weightsHash(tr *Trainer) string {
	h := uint64(14695981039346656037)
	for _, p := range tr.Model.Params() {
		for _, x := range p.Value.Float32s() {
			h ^= uint64(math.Float32bits(x))
			h *= 1099511628211
		}
	}
	return fmt.Sprintf("%016x", h)
}
