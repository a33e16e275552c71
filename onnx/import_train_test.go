package onnx

import (
	"fmt"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// TestImportedModelTrains: a PyTorch model, once imported, is a gradgraph
// model like any other: its Summary and diagram, Evaluate (the fixture's
// inputs labelled with PyTorch's classes: accuracy 1, and the
// cross-entropy worked out from PyTorch's outputs), a few Fit steps
// that lower the loss, and a checkpoint that saves and loads with the
// same Predict bits.
func TestImportedModelTrains(t *testing.T) {
	for _, c := range []struct {
		name    string
		summary []string // lines the Summary must hold
		loss    train.Loss
	}{
		{"torch_mlp", []string{"features (InputLayer)", "probabilities (Dense)", "batch_normalization", "Total params: 275"}, train.SparseCategoricalCrossentropy()},
		{"torch_cnn", []string{"image (InputLayer)", "(None, 28, 28, 1)", "conv2d (Conv2D)", "log_probabilities (Dense)", "(None, 10)"}, train.SparseCategoricalCrossentropy()},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, f := readFixture(t, c.name)
			m := importBytes(t, b, c.name+".onnx")
			s := m.Summary()
			for _, w := range c.summary {
				if !strings.Contains(s, w) {
					t.Errorf("summary lacks %q:\n%s", w, s)
				}
			}
			dir := t.TempDir()
			png := filepath.Join(dir, c.name+".png")
			if err := viz.PlotModel(png, m); err != nil {
				t.Fatal(err)
			}
			if st, err := os.Stat(png); err != nil || st.Size() == 0 {
				t.Fatalf("diagram: %v", err)
			}

			xs, _ := fixtureInputs(t, m, f)
			out := f.Outputs[m.OutputNames()[0]]
			classes := out.Dims[1]
			width := nn.Shape(m.InputShapes()[0]).Size()
			// Targets: PyTorch's classes. The loss by hand from PyTorch's
			// outputs: −mean log p[class], the log of its probabilities
			// or its log-probabilities themselves (the CNN ends in
			// LogSoftmax, which the cross-entropy takes as they are).
			var y []float32
			var nll float64
			labels := argmax(out.Data, classes)
			for i, k := range labels {
				y = append(y, float32(k))
				p := float64(out.Data[i*classes+k])
				if c.name == "torch_mlp" {
					p = math.Log(p)
				}
				nll -= p / float64(len(labels))
			}
			tw := 1
			ds, err := data.NewDataset("fixture", xs[0], width, y, tw, nil)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := train.Compile(m, train.SGD(0.05), c.loss, train.Accuracy())
			if err != nil {
				t.Fatal(err)
			}
			logs, err := tr.Evaluate(ds, 8)
			if err != nil {
				t.Fatal(err)
			}
			if logs["accuracy"] != 1 {
				t.Errorf("accuracy on PyTorch's own classes %v, want 1", logs["accuracy"])
			}
			if math.Abs(logs["loss"]-nll) > 1e-5*math.Max(1, nll) {
				t.Errorf("loss %v, by hand from PyTorch's outputs %v", logs["loss"], nll)
			}

			// Fine-tuning: random inputs, a target each sample's first
			// feature decides, a few epochs of SGD.
			rng := rand.New(rand.NewSource(3))
			const rows = 64
			x := make([]float32, rows*width)
			for i := range x {
				x[i] = float32(rng.NormFloat64())
			}
			var ty []float32
			for i := 0; i < rows; i++ {
				k := 0
				if x[i*width] > 0 {
					k = 1
				}
				ty = append(ty, float32(k))
			}
			tds, err := data.NewDataset("tune", x, width, ty, tw, nil)
			if err != nil {
				t.Fatal(err)
			}
			h, err := tr.Fit(tds, train.FitOptions{Epochs: 5, BatchSize: 16, Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			loss := h.Logs["loss"]
			t.Logf("%s: fine-tuning loss by epoch %v", c.name, loss)
			if !(loss[len(loss)-1] < loss[0]) {
				t.Errorf("loss did not fall: %v", loss)
			}

			path := filepath.Join(dir, c.name+".ckpt")
			if err := tr.Save(path); err != nil {
				t.Fatal(err)
			}
			back, err := train.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			want, err := tr.Predict(ds, 8)
			if err != nil {
				t.Fatal(err)
			}
			got, err := back.Predict(ds, 8)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				for j := range want[i] {
					if math.Float32bits(want[i][j]) != math.Float32bits(got[i][j]) {
						t.Fatalf("after the checkpoint, row %d output %d is %v, was %v", i, j, got[i][j], want[i][j])
					}
				}
			}
		})
	}
}

// TestReadFile reads a fixture from its path, and names the file in an
// error.
func TestReadFile(t *testing.T) {
	m, err := ReadFile(filepath.Join("testdata", "torch_mlp.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "torch_jit" || !m.Built() {
		t.Errorf("model %q, built %v", m.Name, m.Built())
	}
	bad := filepath.Join(t.TempDir(), "broken.onnx")
	if err := os.WriteFile(bad, []byte{0x3a, 0x05, 1}, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("broken file: %v", err)
	}
	if BaseName("/models/iris.v2.onnx") != "iris.v2" {
		t.Errorf("BaseName: %q", BaseName("/models/iris.v2.onnx"))
	}
}

// ExampleImport imports a model PyTorch exported (an MLP for Iris-like
// data, with BatchNorm1d, a Dropout that the export left out, and a
// softmax) and lists its layers: each Gemm and its activation are one
// Dense.
func ExampleImport() {
	f, err := os.Open("testdata/torch_mlp.onnx")
	if err != nil {
		panic(err)
	}
	defer f.Close()
	m, err := Import(f, ImportOptions{Name: "mlp"})
	if err != nil {
		panic(err)
	}
	fmt.Println(m.InputNames(), m.InputShapes(), "→", m.OutputNames(), m.OutputShapes())
	for _, l := range m.Layers {
		switch l := l.(type) {
		case *nn.DenseLayer:
			fmt.Println(l.Name(), l.Type(), l.Units, l.Act.Name())
		default:
			fmt.Println(l.Name(), l.Type())
		}
	}
	// Output:
	// [features] [[4]] → [probabilities] [[3]]
	// dense Dense 16 relu
	// dense_1 Dense 8 linear
	// batch_normalization BatchNormalization
	// activation Activation
	// probabilities Dense 3 softmax
}
