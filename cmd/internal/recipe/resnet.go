package recipe

import (
	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/nn"
)

// The resnet recipe: a small residual convnet, channels last, built with
// the functional API (nn.Input, nn.Call, nn.Add, nn.NewModel).
//
//	stem:    Conv2D(32, 3, same, relu) → MaxPooling2D(2)                28×28 → 14×14×32
//	stage 1: a residual block of 32 filters, identity shortcut          14×14×32
//	stage 2: a residual block of 64 filters, stride 2, with a 1×1
//	         stride-2 Conv2D + BatchNorm projection as its shortcut     7×7×64
//	head:    GlobalAveragePooling2D → Dense(10, softmax)
//
// A block is Conv2D(3, same, stride s) → BatchNorm → ReLU → Conv2D(3,
// same) → BatchNorm, added to the block's input (or its projection), then
// ReLU (He et al.'s basic block, as keras.applications' ResNets lay it).
// The pooling stem puts both stages at 14×14 and 7×7, where an epoch of
// 60,000 images costs about twice the convnet's multiply-adds (6.6M per
// image against 3.1M). The stem has no BatchNorm: at 28×28×32 a BatchNorm
// and a separate ReLU cost more than both blocks' element-wise work
// together, while the Conv2D's own ReLU is fused into its op, and the
// pixels in [0, 1] need no normalising. The notes in notebooks-md/src/05-resnet-notes.md
// give the measurements behind the widths, BatchNorm's momentum and the
// schedule.
//
// Every Conv2D keeps Keras's default bias: the BatchNorm after it
// subtracts the batch mean, so the bias gets a zero gradient and stays at
// its initial 0 (a bias-free Conv2D, Keras's use_bias=False, had not landed
// in nn when this recipe was written). Those 32+32+64+64+64 = 256 params
// are counted in the summary and do nothing.

// resnetWidths are the stages' filters; resnetMomentum is BatchNorm's
// momentum in Keras's convention (the weight of the old moving average).
var resnetWidths = []int{32, 64}

const resnetMomentum = 0.9

// Resnet builds the resnet recipe for images of shape (height, width,
// channels) and classes classes. The layers pre, when given, come between
// the input and the stem in order (cmd/images puts a Rescaling there);
// they must keep the input's shape.
func Resnet(name string, shape []int, classes int, pre ...nn.Layer) (*nn.Model, error) {
	x := nn.Input("image", shape...)
	h := x
	for _, l := range pre {
		h = nn.Call(l, h)
	}
	h = nn.Call(nn.Conv2D(resnetWidths[0], 3, nn.ReLU).WithPadding("same"), h)
	h = nn.Call(nn.MaxPooling2D(2), h)
	in := resnetWidths[0]
	for i, w := range resnetWidths {
		stride := 1
		if i > 0 {
			stride = 2
		}
		h = residualBlock(h, in, w, stride)
		in = w
	}
	h = nn.Call(nn.GlobalAveragePooling2D(), h)
	out := nn.Call(nn.Dense(classes, nn.Softmax), h)
	m, err := nn.NewModel(name, []*nn.Tensor{x}, []*nn.Tensor{out})
	return m, errors.Wrap(err, "resnet")
}

// residualBlock is one basic block from in to filters channels: the
// shortcut is x itself, or a 1×1 Conv2D + BatchNorm projection when the
// stride or the width changes the shape.
func residualBlock(x *nn.Tensor, in, filters, stride int) *nn.Tensor {
	h := nn.Call(nn.Conv2D(filters, 3, nn.Linear).WithPadding("same").WithStrides(stride, stride), x)
	h = nn.Call(nn.Act(nn.ReLU), nn.Call(bn(), h))
	h = nn.Call(nn.Conv2D(filters, 3, nn.Linear).WithPadding("same"), h)
	h = nn.Call(bn(), h)
	shortcut := x
	if stride != 1 || in != filters {
		shortcut = nn.Call(nn.Conv2D(filters, 1, nn.Linear).WithPadding("same").WithStrides(stride, stride), x)
		shortcut = nn.Call(bn(), shortcut)
	}
	return nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, shortcut))
}

// bn is BatchNormalization with the recipe's momentum and Keras's epsilon.
func bn() *nn.BatchNormLayer {
	l := nn.BatchNorm()
	l.Momentum = resnetMomentum
	return l
}
