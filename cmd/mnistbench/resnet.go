package main

import (
	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/nn"
)

// resnetModel is cmd/mnist's resnet recipe (cmd/mnist/resnet.go; the two
// commands are separate main packages, and TestResnetShapeIsTheRecipe
// checks this copy's summary against the recipe's 78,154 params): a
// Conv2D(32)-BatchNorm-ReLU-MaxPooling2D stem, a residual block of 32
// filters at 14×14, one of 64 at 7×7 (stride 2, 1×1 Conv2D + BatchNorm
// projection shortcut), GlobalAveragePooling2D, Dense(classes, softmax);
// BatchNorm momentum 0.9 (Keras's convention).
func resnetModel(name string, shape []int, classes int) (*nn.Model, error) {
	bn := func() *nn.BatchNormLayer {
		l := nn.BatchNorm()
		l.Momentum = 0.9
		return l
	}
	conv := func(filters, k, stride int) *nn.Conv2DLayer {
		return nn.Conv2D(filters, k, nn.Linear).WithPadding("same").WithStrides(stride, stride)
	}
	block := func(x *nn.Tensor, in, filters, stride int) *nn.Tensor {
		h := nn.Call(nn.Act(nn.ReLU), nn.Call(bn(), nn.Call(conv(filters, 3, stride), x)))
		h = nn.Call(bn(), nn.Call(conv(filters, 3, 1), h))
		shortcut := x
		if stride != 1 || in != filters {
			shortcut = nn.Call(bn(), nn.Call(conv(filters, 1, stride), x))
		}
		return nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, shortcut))
	}
	x := nn.Input("image", shape...)
	h := nn.Call(nn.Conv2D(32, 3, nn.ReLU).WithPadding("same"), x)
	h = nn.Call(nn.MaxPooling2D(2), h)
	h = block(h, 32, 32, 1)
	h = block(h, 32, 64, 2)
	out := nn.Call(nn.Dense(classes, nn.Softmax), nn.Call(nn.GlobalAveragePooling2D(), h))
	m, err := nn.NewModel(name, []*nn.Tensor{x}, []*nn.Tensor{out})
	return m, errors.Wrap(err, "resnet")
}
