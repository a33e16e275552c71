// Package onnx exports gradgraph models as ONNX files, for ONNX Runtime,
// PyTorch, browsers and the rest of the ONNX world, and imports ONNX files
// (PyTorch's torch.onnx.export, gradgraph's own) as gradgraph models:
//
//	err := onnx.ExportFile("iris.onnx", model, onnx.Options{})
//	model, err := onnx.ReadFile("mlp.onnx") // built, with the file's weights
//
// Any built model exports, Sequential or functional (several inputs and
// outputs, skip connections, shared layers, models called as layers), made
// of the layers below. The
// file declares the ai.onnx operator set 13 (Options.Opset: up to 21). Its
// inputs and outputs carry the model's names (InputNames, OutputNames) and
// per-sample shapes, channels last as gradgraph has them, after a free
// batch dimension named "batch": the Iris model takes "input_layer"
// float[batch, 4], a 28×28 convnet float[batch, 28, 28, 1]. Weights are
// float32 initializers (a float64 model's are rounded to float32; its
// metadata says source_dtype float64). The producer is "gradgraph" with its
// version; metadata_props hold model_name, gradgraph_version, source_dtype
// and layout; the doc_string is the model's Summary.
//
// Layers and the ONNX ops they become:
//
//	Dense                   Gemm (x·W + b, W as (in, units)), then the activation
//	Conv2D                  Conv (kernel as (filters, in, kh, kw), explicit pads; no bias input without bias), then the activation
//	MaxPooling2D            MaxPool (explicit pads)
//	GlobalAveragePooling2D  GlobalAveragePool, Flatten
//	GlobalMaxPooling2D      GlobalMaxPool, Flatten
//	Flatten                 Flatten (axis 1) of the channels-last tensor
//	Reshape                 Reshape (shape initializer, batch 0 = copied) of the channels-last tensor
//	BatchNormalization      BatchNormalization (inference: moving mean and variance, epsilon)
//	Dropout                 nothing: the identity, as in inference
//	Random* augmentations   nothing: the identity, as in inference
//	Rescaling               Mul by the scale, Add the offset (when not 0)
//	Normalization           Sub the mean, Div by max(√variance, 1e-7) (an initializer), over the last axis
//	LayerNormalization      the last axis, channels last: from opset 17 LayerNormalization (axis −1, epsilon;
//	                        Scale = γ, or ones without it; B = β when there is one), below 17 the ops it is
//	                        made of: ReduceMean (axes [−1], keepdims 1), Sub, Mul(d, d), ReduceMean, Add ε,
//	                        Sqrt, Div, then Mul γ, Add β
//	Activation              Relu, Sigmoid, Tanh, Elu (alpha 1), Softmax, LogSoftmax (the last axis; axis 1 channels first); linear is nothing
//	Add, Subtract,          Add, Sub, Mul, Max, chained over the inputs
//	Multiply, Maximum
//	Average                 Add chained, then Div by the count (as gradgraph computes it)
//	Concatenate             Concat, Keras's axis mapped to the layout in use
//	Model.AsLayer()         its layers' ops, inlined (its weights stored once however often it is called)
//	(layout)                Transpose, where needed (below)
//
// Anything else, a layer of your own above all, is an error naming the
// layer, and nothing is written.
//
// # Layout
//
// gradgraph's images are channels last (NHWC), ONNX's Conv, MaxPool, the
// global poolings and BatchNormalization channels first (NCHW). Each tensor
// of the exported graph is kept in the layout its producer makes (a
// convolution's output channels first, a Dense's or a Flatten's channels
// last), and a Transpose is added only where a consumer needs the other
// layout, once per tensor: the Keras MNIST convnet becomes Transpose, three
// Conv-Relu with two MaxPools between them, Transpose, Flatten, Gemm,
// Softmax. Elementwise layers and merges work in the layout of their
// (first) input; Concatenate's axis and Softmax's follow it. Transposing
// around each convolution instead would be simpler, but would leave the
// removal of the pairs to the runtime's optimiser, which not every reader
// of the file has; the model's interface stays channels last either way,
// so the file takes the same samples as gradgraph's Predict.
//
// # Padding
//
// "same" pads as gradgraph (and TensorFlow and Keras) do: max((out − 1)·s +
// k − n, 0) in all, half before and the odd one after (below, right),
// written as explicit pads, never auto_pad. "valid" pads nothing.
//
// # Checked against ONNX Runtime
//
// The tests run every exported file in ONNX Runtime (the onnxruntime-node
// npm package, installed by `make onnx-deps`) and compare each output with
// gradgraph's Predict on random inputs: one model per layer kind and
// setting, residual blocks, concatenated branches, a two-input two-output
// model, a shared layer, BatchNorm after training, a float64 model, and the
// three tutorial models (Iris, the MNIST MLP and convnet) trained briefly,
// whose predicted classes on their whole test data must be identical. The
// ONNX checker (Debian's python3-onnx) checks every file too.
//
// Tolerances, float32: models without a sum of products (activations,
// poolings, BatchNormalization, merges of inputs, reshapes) agree within
// 1e-5 relative, elementwise (measured: at most 2.5e-6, most exactly). Dense
// and Conv2D sum products in another order in ONNX Runtime than in
// gradgraph's GEMM: an output that cancels to near zero carries an error
// relative to the terms it summed, not to itself (up to 7e-4 relative on
// such elements), so these models agree within 1e-5 of each output's
// largest magnitude (measured: at most 3.3e-7 on the small models, 1.2e-6
// on the MNIST MLP's probabilities). LayerNormalization sums each sample's
// features for its mean and variance, so is held to the same bound
// (measured: at most 5.6e-7 at opsets 13, 17 and 21, over features and
// over channels, with and without γ and β).
//
// # Import
//
// Import (ReadFile for a path) reads a ModelProto with the protobuf wire
// format's own decoder (no generated code) and returns a built float32
// functional model: the graph's inputs and outputs with their names,
// per-sample shapes and a free batch dimension (a fixed batch size in the
// file is ignored), and a layer per node or per group of nodes. It can
// then predict, evaluate, train, be summarised and drawn, saved as a
// checkpoint and exported again, as any gradgraph model. Opsets 11 to 21
// of the default (ai.onnx) domain are read.
//
// Images are channels last in gradgraph, channels first in ONNX. The
// import keeps gradgraph's layout and converts the weights: a 4-D input
// (batch, C, H, W) becomes an input of shape (H, W, C) (so a caller sends
// images channels last, as to any gradgraph model; with one channel the
// values are in the same order), each Conv kernel (F, C, kh, kw) becomes
// (kh, kw, C, F), Transposes between the two layouts (gradgraph's own
// files have them) become nothing, and a Flatten of a channels-first
// image, whose order (C, H, W) gradgraph's (H, W, C) flatten does not
// have, is followed by a Dense whose kernel rows are permuted to match
// (or a BatchNormalization whose statistics are, or a LayerNormalization
// whose γ and β are). An image output is
// channels last. A file whose metadata says layout channels_last (as
// gradgraph writes), or whose image input only feeds Transposes to
// channels first, keeps its input as it is.
//
// Nodes are fused into gradgraph's layers where the file allows it (the
// intermediate tensor read by nothing else; in gradgraph's own files,
// only nodes the layer's name owns):
//
//	Gemm (alpha, beta, transB) Dense (kernel transposed and scaled; C as bias)
//	MatMul, then Add          Dense (the Add's per-unit constant as bias)
//	Conv                      Conv2D (group 1, dilations 1; pads none or gradgraph's "same", else an error)
//	Relu, Sigmoid, Tanh,      the activation of the Dense or Conv2D before,
//	Elu (alpha 1), Softmax,   else an Activation layer (softmax axis: the channels)
//	LogSoftmax
//	LeakyRelu (alpha 0 to 1)  Rescaling by alpha, then Maximum with its input: max(x, alpha·x)
//	MaxPool                   MaxPooling2D (pads as Conv; ceil_mode only where it adds no window)
//	GlobalAveragePool,        GlobalAveragePooling2D, GlobalMaxPooling2D
//	GlobalMaxPool             (their (C, 1, 1) output flattens to (C) for free)
//	Flatten (axis 1), Reshape Flatten, or Reshape of a channels-last tensor (batch kept: 0 or -1 first)
//	BatchNormalization        BatchNormalization (inference; epsilon, momentum as Keras's)
//	Dropout, Identity         nothing (the identity in inference)
//	Transpose                 nothing, between channels last and first; else an error
//	Add, Sub, Mul of tensors  Add, Subtract, Multiply (a chain of Adds: one Add of them all)
//	Sum, Mean, Max            Add, Average, Maximum
//	an Add chain, Div by its count  Average
//	Concat                    Concatenate (the axis mapped to channels last)
//	Mul, Add, Sub, Div by a scalar  Rescaling (a Mul then an Add: one Rescaling)
//	Sub, then Div, per feature      Normalization (mean, variance = scale²)
//	LayerNormalization        LayerNormalization (the last axis alone, which must be gradgraph's: features,
//	                          or channels last; Scale as γ, B as β; stash_type ignored; Mean, InvStdDev unread)
//	ReduceMean, Sub, Pow 2 or LayerNormalization, as PyTorch and gradgraph write it below opset 17 (each
//	Mul, ReduceMean, Add ε,   step over the last axis, keepdims, read by the next step alone; a
//	Sqrt, Div, then Mul γ,    ReduceMean, Pow or Sqrt anywhere else is an error)
//	Add β per feature
//	Constant                  a constant input of the above
//
// Anything else (another op, an attribute the mapping does not read or
// cannot honour, broadcasting between computed tensors, a shape that does
// not agree with the weights) is an error naming the file, the node and
// its op, and no model is returned. So are a malformed or truncated
// protobuf, weights stored outside the file (data_location EXTERNAL), and
// sizes beyond what the file holds: every count and tensor size is checked
// against the bytes present before anything is allocated from it, a file
// is read up to ImportOptions.MaxBytes (1 GiB by default, a checkpoint's
// bound), a graph may have 4096 nodes and 1000 layers (a checkpoint's),
// and an input sample 2^28 elements, so the time and memory an import
// takes are bounded by the file's size. FuzzImport fuzzes it, seeded
// with the fixtures.
//
// Checked: every model of the export tests (one per layer kind and
// setting, merges in both layouts, residual blocks, a two-input
// two-output model, a shared layer, Rescaling, Normalization) and the
// three tutorial models, exported then imported, predict the same bits as
// the original, with the same layers, except that Dropout and the
// augmentations, which export as nothing, come back as nothing, a Reshape
// to one axis as a Flatten, a shared layer's activation as an Activation
// layer per call, and a LayerNormalization without γ written at opset 17
// or later with a γ of ones (the op's Scale is required). Files exported
// by PyTorch 1.13
// (testdata/gen_fixtures.py: an MLP with BatchNorm1d and Softmax on 4
// features, a Conv-BatchNorm-ReLU-MaxPool CNN ending in Linear and
// LogSoftmax on 28×28 images, a two-input model merging by Add and Concat,
// a three-channel CNN whose global average and max poolings are
// concatenated, which checks the NCHW input taken as NHWC; nn.LayerNorm
// over a convolution's channels between two permutes as ConvNeXt has it,
// over a flattened channels-first image, and without γ and β, at opset 13,
// written out in ops, and at 17, the LayerNormalization op)
// predict PyTorch's outputs within 1e-5 of each output's largest magnitude
// (measured: at most 1.2e-7, 3.1e-7 with the LayerNorms): both compute in float32, summing products in
// different orders.
package onnx
