package main

import (
	"fmt"
	"path/filepath"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// writeConvPictures writes what a convnet learnt, for models that have a
// Conv2D layer (others get nothing): filters.png, the first Conv2D layer's
// kernels (viz.Filters), and featuremaps.png, the first test image and its
// feature maps after every layer whose output is an image (the Conv2D and
// MaxPooling2D layers of the convnet recipe; every call of the resnet
// recipe whose output is an image, merges included, in call order, as
// Trainer.Activations walks a functional model; viz.FeatureMaps).
func writeConvPictures(out string, tr *train.Trainer, test set) error {
	var first *nn.Conv2DLayer
	for _, l := range tr.NN().Layers {
		if c, ok := l.(*nn.Conv2DLayer); ok {
			first = c
			break
		}
	}
	if first == nil {
		return nil
	}
	k := first.Kernel
	shape := k.Shape()
	err := viz.Filters(filepath.Join(out, "filters.png"), viz.FilterGrid{
		Title:  fmt.Sprintf("%s: the %d filters of %s (%s), %d×%d×%d", tr.NN().Name, shape[3], first.Name(), first.Type(), shape[0], shape[1], shape[2]),
		Kernel: k.Float64s(),
		Shape:  shape,
	})
	if err != nil {
		return err
	}

	x := make([]float32, test.src.Features())
	test.src.Fill([]int{0}, x, nil)
	acts, err := tr.Activations(x)
	if err != nil {
		return err
	}
	maps := []viz.FeatureMap{{Name: "input", Shape: tr.NN().InputShape(), Values: float64s(x)}}
	if len(maps[0].Shape) != 3 {
		maps = maps[:0] // a flat input is no picture
	}
	for _, a := range acts {
		if len(a.Shape) == 3 {
			maps = append(maps, viz.FeatureMap{Name: fmt.Sprintf("%s (%s)", a.Name, a.Type), Shape: a.Shape, Values: float64s(a.Values)})
		}
	}
	title := fmt.Sprintf("%s: the first test image (label %d) through the layers", tr.NN().Name, data.LabelOf(test.src, 0))
	return viz.FeatureMaps(filepath.Join(out, "featuremaps.png"), title, maps, 16)
}

// float64s converts to viz's element type.
func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
