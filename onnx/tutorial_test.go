package onnx

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx/onnxtest"
	"github.com/gradgraph/gradgraph/train"
)

// The tutorial models' layer lists, as cmd/iris and cmd/mnist build them.
func irisLayers() []nn.Layer {
	return []nn.Layer{
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax)}
}

func dense512Layers() []nn.Layer {
	return []nn.Layer{nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax)}
}

func convnetLayers() []nn.Layer {
	return []nn.Layer{
		nn.Conv2D(32, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(64, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(128, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax)}
}

// mnistData is MNIST from ../shared/data/mnist (or $GRADGRAPH_MNIST) when
// it is there; otherwise the embedded 8x8 digits, each pixel made 3x3 and
// the 24x24 image centred in 28x28, so that the MNIST models run on real
// digits offline. It returns the training and test sets and where they
// came from.
func mnistData(t *testing.T) (trainSet, testSet data.Source, from string) {
	t.Helper()
	dir := os.Getenv("GRADGRAPH_MNIST")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data", "mnist")
	}
	if tr, te, err := data.MNIST(dir, data.Offline()); err == nil {
		return tr, te, "MNIST (" + dir + ")"
	}
	digits, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	big := make([]float32, digits.Len()*784)
	for i := 0; i < digits.Len(); i++ {
		row := digits.Row(i)
		for y := 0; y < 24; y++ {
			for x := 0; x < 24; x++ {
				big[i*784+(y+2)*28+x+2] = row[(y/3)*8+x/3] / 16
			}
		}
	}
	labels := make([]float32, digits.Len())
	for i := range labels {
		labels[i] = float32(digits.Label(i))
	}
	all, err := data.NewDataset("digits28", big, 784, labels, 1, digits.Classes)
	if err != nil {
		t.Fatal(err)
	}
	tr, te, err := data.TrainTestSplit(all, 0.3, 1, true)
	if err != nil {
		t.Fatal(err)
	}
	return tr, te, "the embedded 8x8 digits at 28x28 (no MNIST in " + dir + ")"
}

// rows reads every sample of src as one flat slice.
func rows(src data.Source) []float32 {
	n := src.Len()
	x := make([]float32, n*src.Features())
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	src.Fill(idx, x, make([]float32, n*src.TargetWidth()))
	return x
}

func argmax(v []float32, width int) []int {
	out := make([]int, len(v)/width)
	for i := range out {
		row := v[i*width : (i+1)*width]
		for j := range row {
			if row[j] > row[out[i]] {
				out[i] = j
			}
		}
	}
	return out
}

// TestTutorialModelsMatchRuntime trains the three tutorial models briefly
// (the Iris model for 30 epochs, the MNIST MLP on 12,000 images and the
// convnet on 3,000, one epoch each), exports them and runs them in ONNX
// Runtime on their whole test data (all 150 Iris samples, the 10,000 MNIST
// test images): every predicted class must be Predict's, and every
// probability within 1e-5 of the row's largest.
func TestTutorialModelsMatchRuntime(t *testing.T) {
	rt := onnxtest.Need(t)
	if testing.Short() {
		t.Skip("trains three models (-short)")
	}
	irisAll, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	irisTrain, _, err := data.TrainTestSplit(irisAll, 0.2, 42, true)
	if err != nil {
		t.Fatal(err)
	}
	var scaler data.StandardScaler
	if err := scaler.FitTransform(irisTrain); err != nil {
		t.Fatal(err)
	}
	if err := scaler.Transform(irisAll); err != nil {
		t.Fatal(err)
	}
	mnistTrain, mnistTest, from := mnistData(t)
	t.Logf("MNIST models on %s", from)
	take := func(src data.Source, n int) data.Source {
		n = min(n, src.Len())
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		switch s := src.(type) {
		case *data.Images:
			sub, err := s.Take("train", idx)
			if err != nil {
				t.Fatal(err)
			}
			return sub
		case *data.Dataset:
			sub, err := s.Take("train", idx)
			if err != nil {
				t.Fatal(err)
			}
			return sub
		}
		t.Fatalf("cannot take from %T", src)
		return nil
	}
	cases := []struct {
		name       string
		layers     []nn.Layer
		shape      []int
		opt        train.Optimizer
		fit, test  data.Source
		epochs     int
		batch      int
		wantAccMin float64
	}{
		{"iris", irisLayers(), []int{4}, train.Adam(1e-3), irisTrain, irisAll, 30, 8, 0.8},
		{"dense512", dense512Layers(), []int{784}, train.RMSprop(1e-3), take(mnistTrain, 12000), mnistTest, 1, 128, 0.8},
		{"convnet", convnetLayers(), []int{28, 28, 1}, train.RMSprop(1e-3), take(mnistTrain, 3000), mnistTest, 1, 64, 0.7},
	}
	dir := t.TempDir()
	var jobs []onnxtest.Job
	var models []*nn.Model
	var probs [][]float32
	for _, c := range cases {
		m := nn.Sequential(c.name, c.layers...)
		if err := m.BuildShape(c.shape, nn.BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		tr, err := train.Compile(m, c.opt, train.SparseCategoricalCrossentropy(), train.Accuracy())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Fit(c.fit, train.FitOptions{Epochs: c.epochs, BatchSize: c.batch, Seed: 1}); err != nil {
			t.Fatal(err)
		}
		p, err := tr.Predict(c.test, 256)
		if err != nil {
			t.Fatal(err)
		}
		flat := make([]float32, 0, len(p)*len(p[0]))
		for _, row := range p {
			flat = append(flat, row...)
		}
		path := exportTo(t, m, dir, c.name, Options{})
		jobs = append(jobs, job(m, path, [][]float32{rows(c.test)}, c.test.Len()))
		models, probs = append(models, m), append(probs, flat)
	}
	res, err := rt.Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := c.test.Len()
			e := compare(t, models[i], res[i], [][]float32{probs[i]}, n, 1e-5)
			width := len(probs[i]) / n
			got := argmax(res[i].Outputs[models[i].OutputNames()[0]].Data, width)
			want := argmax(probs[i], width)
			differ, correct := 0, 0
			labels := make([]float32, n)
			idx := make([]int, n)
			for j := range idx {
				idx[j] = j
			}
			c.test.Fill(idx, make([]float32, n*c.test.Features()), labels)
			for j := range want {
				if got[j] != want[j] {
					differ++
				}
				if want[j] == int(labels[j]) {
					correct++
				}
			}
			if differ > 0 {
				t.Errorf("%d of %d predicted classes differ", differ, n)
			}
			acc := float64(correct) / float64(n)
			if acc < c.wantAccMin {
				t.Errorf("accuracy %.4f after brief training, want at least %.2f (is the model trained?)", acc, c.wantAccMin)
			}
			t.Logf("%s: %d samples, accuracy %.4f, classes identical; relative %.2e, of the largest %.2e", c.name, n, acc, e.rel, e.norm)
		})
	}
	var paths []string
	for _, j := range jobs {
		paths = append(paths, j.Model)
	}
	checkFiles(t, paths)
}
