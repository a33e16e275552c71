package train

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/internal/gemm"
	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/nn"
)

var updateSameBits = flag.Bool("update-samebits", false, "rewrite testdata/samebits.golden from this machine")

// sameBitsGolden holds the weight hashes of the recipes below, made on one
// machine and checked on every other: with AVX-512, with AVX2 only, with
// the Go kernels (-tags noasm, other architectures) and with GOAMD64=v3,
// where the compiler may fuse a·b + c.
const sameBitsGolden = "testdata/samebits.golden"

// sameBitsRecipe trains a few steps of one of the project's recipes from
// seed 1 and returns its trainer.
type sameBitsRecipe struct {
	name  string
	train func(t *testing.T) *Trainer
}

func sameBitsRecipes() []sameBitsRecipe {
	fit := func(t *testing.T, tr *Trainer, src data.Source, epochs, batch int) *Trainer {
		t.Helper()
		if _, err := tr.Fit(src, FitOptions{Epochs: epochs, BatchSize: batch, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	return []sameBitsRecipe{
		// Keras's MNIST recipe: Dense(512, relu), Dense(10, softmax),
		// RMSprop; the sparse first layer, the skinny output layer and the
		// gemm all take part.
		{"mnist-dense512", func(t *testing.T) *Trainer {
			return fit(t, mnistTrainer(t, 1), syntheticMNIST(512, 3), 1, 128)
		}},
		// The MNIST convnet: fused convolutions and pooling.
		{"mnist-convnet", func(t *testing.T) *Trainer {
			return fit(t, convnetTrainer(t, 1), syntheticMNIST(64, 4), 1, 32)
		}},
		// The Iris recipe: BatchNorm, Dropout, Adam, on the embedded data.
		{"iris", func(t *testing.T) *Trainer {
			tr, iris := irisRecipe(t)
			return fit(t, tr, iris, 5, 16)
		}},
		// The from-scratch digits network: gradient descent on 8×8 images.
		{"digits-sgd", func(t *testing.T) *Trainer {
			d, err := data.Digits()
			if err != nil {
				t.Fatal(err)
			}
			m := nn.Sequential("digits", nn.Dense(100, nn.ReLU), nn.Dense(10, nn.Softmax))
			if err := m.Build(64, nn.BuildOptions{Seed: 1}); err != nil {
				t.Fatal(err)
			}
			tr, err := Compile(m, SGD(0.5), SparseCategoricalCrossentropy(), Accuracy())
			if err != nil {
				t.Fatal(err)
			}
			return fit(t, tr, d, 1, 64)
		}},
	}
}

// weightHash is the SHA-256 of every param's values (their float32 or
// float64 bits, in the model's order, moving statistics included).
func weightHash(tr *Trainer) string {
	h := sha256.New()
	var buf [8]byte
	for _, p := range tr.Model.Params() {
		for _, v := range p.Float64s() {
			binary.LittleEndian.PutUint64(buf[:], math.Float64bits(v))
			h.Write(buf[:])
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil))[:32]
}

// kernelSelections lists the kernel choices this CPU and build can make:
// each gemm micro-kernel with the assembly of internal/kernels, and the
// all-Go path (gemm's Go kernel, the kernels' Go references), which is
// what a CPU without AVX2 and the noasm build run.
func kernelSelections() []string {
	var s []string
	for _, k := range gemm.KernelNames() {
		if k != "go" {
			s = append(s, k)
		}
	}
	return append(s, "go")
}

// useSelection switches to one of kernelSelections and returns the undo.
func useSelection(t *testing.T, sel string) func() {
	restore, err := gemm.UseKernel(sel)
	if err != nil {
		t.Fatal(err)
	}
	if sel != "go" {
		return restore
	}
	asm := kernels.DisableAssembly()
	return func() { asm(); restore() }
}

// TestSameBitsEveryKernel trains the MNIST recipe, the convnet, the Iris
// recipe and the digits network from seed 1 with every kernel selection
// this machine has, and checks that each gives the same weights, bit for
// bit, as every other and as testdata/samebits.golden, which was written
// on another machine (fused ops, or their twins under GRADGRAPH_FUSION=0). Run it with GODEBUG=cpu.avx512f=off, -tags noasm
// and GOAMD64=v3 too (make test does): each must give the golden hashes.
func TestSameBitsEveryKernel(t *testing.T) {
	if testing.Short() {
		t.Skip("trains four recipes with each kernel")
	}
	if name := blas.Name(); name != blas.GonumName {
		t.Skipf("BLAS %s: only gradgraph's own kernels promise the same bits everywhere", name)
	}
	fused, err := graph.FusionFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	golden := readSameBits(t)
	got := map[string]string{}
	for _, r := range sameBitsRecipes() {
		if !fused {
			r.name += "/twins" // GRADGRAPH_FUSION=0: the plain-Gorgonia twins round otherwise
		}
		for _, sel := range kernelSelections() {
			undo := useSelection(t, sel)
			h := weightHash(r.train(t))
			undo()
			t.Logf("%s with %s: %s", r.name, sel, h)
			if prev, ok := got[r.name]; ok && prev != h {
				t.Errorf("%s: kernels %v do not agree: %s gives %s, the first gave %s", r.name, kernelSelections(), sel, h, prev)
			}
			got[r.name] = h
		}
	}
	if *updateSameBits {
		for name, h := range got {
			golden[name] = h
		}
		writeSameBits(t, golden)
		return
	}
	for name, h := range got {
		if want, ok := golden[name]; !ok {
			t.Errorf("%s: no hash in %s (go test ./train -run SameBits -update-samebits)", name, sameBitsGolden)
		} else if h != want {
			t.Errorf("%s: weights hash to %s here (gemm kernel %s, GOARCH %s), %s says %s", name, h, gemm.Kernel(), runtimeArch(), sameBitsGolden, want)
		}
	}
}

func readSameBits(t *testing.T) map[string]string {
	m := map[string]string{}
	f, err := os.Open(filepath.FromSlash(sameBitsGolden))
	if os.IsNotExist(err) && *updateSameBits {
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		s := strings.TrimSpace(sc.Text())
		if s == "" || strings.HasPrefix(s, "#") {
			continue
		}
		fs := strings.Fields(s)
		if len(fs) != 2 {
			t.Fatalf("%s:%d: want \"recipe hash\", got %q", sameBitsGolden, line, s)
		}
		m[fs[0]] = fs[1]
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

func writeSameBits(t *testing.T, got map[string]string) {
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# Weight hashes of a few steps of each recipe from seed 1 (train/samebits_test.go).\n")
	b.WriteString("# Every CPU, kernel and build must reproduce them: go test ./train -run SameBits -update-samebits rewrites them\n")
	b.WriteString("# (the /twins lines with GRADGRAPH_FUSION=0, which builds the models from plain-Gorgonia ops).\n")
	for _, n := range names {
		fmt.Fprintf(&b, "%s %s\n", n, got[n])
	}
	if err := os.WriteFile(filepath.FromSlash(sameBitsGolden), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runtimeArch() string { return runtime.GOARCH }
