package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// TestConvPictures draws a tiny convnet's pictures on the 8×8 digits,
// without MNIST: filters.png holds its first layer's 4 filters, and
// featuremaps.png the input and the three image-shaped layers (not
// Flatten or Dense); a dense model gets neither file.
func TestConvPictures(t *testing.T) {
	d, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	test := set{src: d, classes: d.Classes, width: 8, height: 8}
	conv := nn.Sequential("tiny",
		nn.Conv2D(4, 3, nn.ReLU).WithPadding("same"), nn.MaxPooling2D(2),
		nn.Conv2D(8, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax))
	dense := nn.Sequential("flat", nn.Dense(10, nn.Softmax))
	for _, tc := range []struct {
		name  string
		model *nn.Model
		shape []int
		files map[string][2]int // name → width, height
	}{
		// filters.png: one row of 4 single-channel 3×3 tiles of 36 px, a
		// 16 px label strip, a 52 px header and a 10 px margin: 120 high,
		// at the 460 px minimum width. featuremaps.png: panels of 24 px
		// strips over one row of tiles of 56, 56, 52 and 52 px plus 4 px
		// gaps, under a 52 px header, with a 10 px margin: 390 high.
		{"convnet", conv, []int{8, 8, 1}, map[string][2]int{"filters.png": {460, 120}, "featuremaps.png": {520, 390}}},
		{"dense", dense, []int{64}, nil},
	} {
		if err := tc.model.BuildShape(tc.shape, nn.BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		tr, err := train.Compile(tc.model, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy())
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		if err := writeConvPictures(out, tr, test); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		ents, _ := os.ReadDir(out)
		if len(ents) != len(tc.files) {
			t.Errorf("%s: %d files written, want %d", tc.name, len(ents), len(tc.files))
		}
		for name, size := range tc.files {
			b, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
				continue
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s: %s is not a PNG: %v", tc.name, name, err)
				continue
			}
			if cfg.Width != size[0] || cfg.Height != size[1] {
				t.Errorf("%s: %s is %d×%d, want %d×%d", tc.name, name, cfg.Width, cfg.Height, size[0], size[1])
			}
		}
	}
}
