package train_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// savedModel saves a small compiled model into dir and returns the path.
func savedModel(dir string, layers ...nn.Layer) (string, error) {
	model := nn.Sequential("m", layers...)
	if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		return "", err
	}
	tr, err := train.Compile(model, train.Adam(0.01), train.SparseCategoricalCrossentropy())
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "m.ckpt")
	return path, tr.Save(path)
}

// A damaged checkpoint, whatever the damage (a flipped bit, a cut, a file
// that is not one), is ErrCorrupt: a caller can fall back to an older one.
func ExampleLoad_corrupt() {
	dir, _ := os.MkdirTemp("", "ckpt-example")
	defer os.RemoveAll(dir)
	path, err := savedModel(dir, nn.Dense(3, nn.Softmax))
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, _ := os.ReadFile(path)
	raw[len(raw)/2] ^= 1 // one bit flipped
	_ = os.WriteFile(path, raw, 0o644)

	_, err = train.Load(path)
	fmt.Println("corrupt:", errors.Is(err, train.ErrCorrupt))
	var ce *train.CorruptError
	if errors.As(err, &ce) {
		fmt.Println("file:", filepath.Base(ce.Path))
		fmt.Println("problem:", ce.Err)
	}
	_, err = train.Load(filepath.Join(dir, "missing.ckpt"))
	fmt.Println("a missing file is corrupt:", errors.Is(err, train.ErrCorrupt), "- not found:", errors.Is(err, os.ErrNotExist))
	// Output:
	// corrupt: true
	// file: m.ckpt
	// problem: checksum mismatch: the file is corrupt or truncated
	// a missing file is corrupt: false - not found: true
}

// Weights saved from one architecture do not load into another: the error
// is ErrArchitecture and names the first difference.
func ExampleTrainer_LoadWeights_architecture() {
	dir, _ := os.MkdirTemp("", "ckpt-example")
	defer os.RemoveAll(dir)
	path, err := savedModel(dir, nn.Dense(3, nn.Softmax))
	if err != nil {
		fmt.Println(err)
		return
	}
	wider := nn.Sequential("m", nn.Dense(8, nn.ReLU), nn.Dense(3, nn.Softmax))
	_ = wider.Build(2, nn.BuildOptions{})
	tr, _ := train.Compile(wider, train.Adam(0.01), train.SparseCategoricalCrossentropy())
	err = tr.LoadWeights(path)
	fmt.Println("another architecture:", errors.Is(err, train.ErrArchitecture))
	var ae *train.ArchitectureError
	if errors.As(err, &ae) {
		fmt.Println("difference:", ae.Err)
	}
	// Output:
	// another architecture: true
	// difference: it has 1 layers, the model 2
}
