package train

import (
	"fmt"
	"path/filepath"
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
	if got := fmt.Sprint(back.Model.InputShape()); got != "[8 8 1]" {
		t.Errorf("loaded input shape %s", got)
	}
	if back.Model.Summary() != m.Summary() {
		t.Errorf("loaded summary:\n%s\nwant:\n%s", back.Model.Summary(), m.Summary())
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
