package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/onnx/onnxtest"
	"github.com/gradgraph/gradgraph/train"
)

// checkONNX runs the command with -save and -onnx and compares the ONNX
// file in ONNX Runtime with the checkpoint's Predict.
func checkONNX(t *testing.T, args ...string) {
	t.Helper()
	dir := t.TempDir()
	ckpt, file := filepath.Join(dir, "m.ckpt"), filepath.Join(dir, "m.onnx")
	runMNIST(t, append(args, "-quiet", "-save", ckpt, "-onnx", file)...)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("-onnx wrote no file: %v", err)
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
	t.Logf("%v: ONNX Runtime vs Predict: %.2e of the largest, classes identical", args, a.MaxError)
}

// TestONNXFlagDigits: -onnx on the from-scratch network (embedded digits,
// offline).
func TestONNXFlagDigits(t *testing.T) {
	checkONNX(t, "-dataset", "digits", "-epochs", "20")
}

// TestONNXFlagResnet: -onnx on the resnet recipe (functional, BatchNorm,
// a 1x1 projection), one epoch on 384 MNIST images.
func TestONNXFlagResnet(t *testing.T) {
	checkONNX(t, "-data", mnistDir(t), "-offline", "-model", "resnet", "-limit", "384", "-epochs", "1")
}
