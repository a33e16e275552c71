package main

import (
	"strings"

	"github.com/pkg/errors"
)

// shape is one row of the benchmark matrix: an MLP on MNIST, or the Iris
// recipe.
type shape struct {
	name         string
	hidden       []int // widths of the ReLU layers before the softmax output
	standardised bool  // (x − 0.1307) / 0.3081 instead of x in [0, 1]
	samples      int   // training samples per epoch (Iris: its train split)
	iris         bool  // the Iris recipe: BatchNorm, Dropout, Adam, batch 8
	convnet      bool  // Keras's MNIST convnet (issue 14), batch 64
	resnet       bool  // cmd/mnist's resnet recipe (issue 19), batch 64, Adam
}

// matrixShapes are issue 12's five MNIST shapes and the Iris recipe, in the
// order of its table, then issue 14's MNIST convnet and issue 19's small
// ResNet on a tenth of an epoch each. Standardised pixels have no zeros, so they show the
// dense path; raw pixels (about 80% zeros) show the zero-skipping one.
var matrixShapes = []shape{
	{name: "512-raw", hidden: []int{512}, samples: 20000},
	{name: "512-std", hidden: []int{512}, standardised: true, samples: 20000},
	{name: "1024x2-raw", hidden: []int{1024, 1024}, samples: 5000},
	{name: "1024x2-std", hidden: []int{1024, 1024}, standardised: true, samples: 5000},
	{name: "2048x2-std", hidden: []int{2048, 2048}, standardised: true, samples: 2500},
	{name: "iris", hidden: []int{64, 64}, iris: true, samples: irisTrainSamples},
	{name: "convnet", convnet: true, samples: 6000},
	{name: "resnet", resnet: true, samples: 6000},
}

// irisTrainSamples is the size of cmd/iris's stratified 80% train split of
// the 150 Iris samples.
const irisTrainSamples = 120

// Batch sizes of the recipes.
const (
	mnistBatch   = 128
	irisBatch    = 8
	convnetBatch = 64
)

// batch is the shape's batch size.
func (s shape) batch() int {
	switch {
	case s.iris:
		return irisBatch
	case s.convnet, s.resnet:
		return convnetBatch
	}
	return mnistBatch
}

// inputs and outputs are the widths of the shape's data.
func (s shape) widths() (in, out int) {
	if s.iris {
		return 4, 3
	}
	return 784, 10
}

// macsPerSample is Σ in·out over the shape's Dense layers: the
// multiply-adds of one sample's forward pass (BatchNorm and the
// element-wise work are not counted).
func (s shape) macsPerSample() float64 {
	if s.convnet {
		return convnetMACs
	}
	if s.resnet {
		return resnetMACs
	}
	in, out := s.widths()
	sum, w := 0.0, in
	for _, h := range s.hidden {
		sum += float64(w * h)
		w = h
	}
	return sum + float64(w*out)
}

// convnetMACs is the convnet's multiply-adds per sample forward: per
// convolution positions·kh·kw·cin·filters (26²·9·32 + 11²·288·64 +
// 3²·576·128), plus the 1152×10 Dense layer.
const convnetMACs = 26*26*9*32 + 11*11*288*64 + 3*3*576*128 + 1152*10

// resnetMACs is the resnet's multiply-adds per sample forward, per
// convolution positions·kh·kw·cin·filters: the stem (28²·9·1·32), the
// first block's two (14²·9·32·32 each), the second block's (7²·9·32·64,
// 7²·9·64·64) and its 1×1 projection (7²·32·64), plus the 64×10 Dense
// layer. BatchNorm, the adds and the poolings are not counted.
const resnetMACs = 28*28*9*32 + 2*14*14*9*32*32 + 7*7*9*32*64 + 7*7*9*64*64 + 7*7*32*64 + 64*10

// epochFLOP is the nominal work of one epoch over n samples: 2 FLOP per
// multiply-add forward and twice the forward work backward (dx and dW),
// that is 6·batch·Σ in·out per step.
func (s shape) epochFLOP(n int) float64 { return 6 * float64(n) * s.macsPerSample() }

// findShape returns the matrix shape called name.
func findShape(name string) (shape, bool) {
	for _, s := range matrixShapes {
		if s.name == name {
			return s, true
		}
	}
	return shape{}, false
}

// selectShapes returns the shapes named in list (comma-separated), in
// matrixShapes' order; all of them for "".
func selectShapes(list string) ([]shape, error) {
	if strings.TrimSpace(list) == "" {
		return append([]shape(nil), matrixShapes...), nil
	}
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if _, ok := findShape(n); !ok {
			var names []string
			for _, s := range matrixShapes {
				names = append(names, s.name)
			}
			return nil, errors.Errorf("-shapes: no shape %q (have %s)", n, strings.Join(names, ", "))
		}
		want[n] = true
	}
	var out []shape
	for _, s := range matrixShapes {
		if want[s.name] {
			out = append(out, s)
		}
	}
	return out, nil
}
