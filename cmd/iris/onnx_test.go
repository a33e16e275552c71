package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/onnx/onnxtest"
	"github.com/gradgraph/gradgraph/train"
)

// TestONNXFlag: -onnx writes the trained model as an ONNX file that ONNX
// Runtime runs to Predict's outputs (the same run's -save checkpoint,
// loaded), and an evaluated checkpoint (-load, -epochs 0) exports the same
// bytes.
func TestONNXFlag(t *testing.T) {
	dir := t.TempDir()
	ckpt, file := filepath.Join(dir, "iris.ckpt"), filepath.Join(dir, "iris.onnx")
	runIris(t, "-quiet", "-epochs", "5", "-save", ckpt, "-onnx", file)
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("-onnx wrote no file: %v", err)
	}
	again := filepath.Join(dir, "again.onnx")
	runIris(t, "-quiet", "-load", ckpt, "-epochs", "0", "-onnx", again)
	if b2, err := os.ReadFile(again); err != nil || !bytes.Equal(b, b2) {
		t.Errorf("the loaded checkpoint exports %d other bytes (%v), the trained model %d", len(b2), err, len(b))
	}
	rt := onnxtest.Need(t)
	tr, err := train.Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	a, err := rt.MatchPredict(file, tr, 64, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.MaxError > 1e-5 || a.ClassesDiffer != 0 {
		t.Errorf("ONNX Runtime vs Predict on %d samples: error %.3g of the largest probability, %d classes differ", a.Samples, a.MaxError, a.ClassesDiffer)
	}
	t.Logf("iris.onnx: %d bytes; ONNX Runtime vs Predict: %.2e of the largest, classes identical", len(b), a.MaxError)
}
