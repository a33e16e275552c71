package train

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// TestConvnetTrainsSavesAndLoads: a small convnet on the 8×8 digits, built
// for the data's (8, 8, 1) shape, learns in four epochs, and a checkpoint
// of it (4-D kernels, an N-d input shape) loads back to the same
// predictions.
func TestConvnetTrainsSavesAndLoads(t *testing.T) {
	d, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.X {
		d.X[i] /= 16
	}
	m := nn.Sequential("digits_convnet",
		nn.Conv2D(8, 3, nn.ReLU).WithPadding("same"), nn.MaxPooling2D(2),
		nn.Conv2D(16, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax))
	if err := m.BuildShape(data.ShapeOf(d), nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, RMSprop(0.003), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	h, err := tr.Fit(d, FitOptions{Epochs: 4, BatchSize: 32, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	loss := h.Logs["loss"]
	t.Logf("loss %v, accuracy %v", loss, h.Logs["accuracy"])
	if !(loss[3] < loss[0]) || h.Logs["accuracy"][3] < 0.85 {
		t.Errorf("history %v", h.Logs)
	}
	path := filepath.Join(t.TempDir(), "convnet.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(back.NN().InputShape()); got != "[8 8 1]" {
		t.Errorf("loaded input shape %s", got)
	}
	if back.NN().Summary() != m.Summary() {
		t.Errorf("loaded summary:\n%s\nwant:\n%s", back.NN().Summary(), m.Summary())
	}
	want, err := tr.Predict(d, 64)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.Predict(d, 64)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		for j := range want[i] {
			if got[i][j] != want[i][j] {
				t.Fatalf("prediction [%d][%d]: loaded %v, saved %v", i, j, got[i][j], want[i][j])
			}
		}
	}
}

// TestCheckpointInputFormat: a dense model's checkpoint writes its input
// as the plain width files have always held (so it reads as before), a
// convnet's as an array.
func TestCheckpointInputFormat(t *testing.T) {
	dense := nn.Sequential("d", nn.Dense(3, nn.Softmax))
	if err := dense.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	conv := nn.Sequential("c", nn.Conv2D(2, 3, nn.ReLU), nn.Flatten(), nn.Dense(3, nn.Softmax))
	if err := conv.BuildShape([]int{8, 8, 1}, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		m    *nn.Model
		want string
	}{{dense, `"input":2,`}, {conv, `"input":[8,8,1],`}} {
		tr, err := Compile(c.m, RMSprop(0.001), SparseCategoricalCrossentropy())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "m.ckpt")
		if err := tr.Save(path); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(raw, []byte(c.want)) {
			t.Errorf("%s: header lacks %s", c.m.Name, c.want)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(back.NN().InputShape()) != fmt.Sprint(c.m.InputShape()) {
			t.Errorf("%s: loaded input shape %v, want %v", c.m.Name, back.NN().InputShape(), c.m.InputShape())
		}
	}
}

// TestFitBuildsForTheDataShape: Fit on an unbuilt model builds it for the
// source's sample shape when the model takes it (a convnet on the 8×8
// digits) and for the flat width otherwise (a Dense stack on the same
// data), as Keras builds on the first batch.
func TestFitBuildsForTheDataShape(t *testing.T) {
	d, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		m    *nn.Model
		want []int
	}{
		{"convnet", nn.Sequential("c", nn.Conv2D(4, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax)), []int{8, 8, 1}},
		{"dense", nn.Sequential("d", nn.Dense(16, nn.ReLU), nn.Dense(10, nn.Softmax)), []int{64}},
	} {
		tr, err := Compile(tc.m, RMSprop(0.003), SparseCategoricalCrossentropy(), Accuracy())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Fit(d, FitOptions{Epochs: 1, BatchSize: 64, Seed: 1}); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := tc.m.InputShape(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: built for %v, want %v", tc.name, got, tc.want)
		}
	}
}
