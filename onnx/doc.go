// Package onnx exports gradgraph models as ONNX files, for ONNX Runtime,
// PyTorch, browsers and the rest of the ONNX world:
//
//	err := onnx.ExportFile("iris.onnx", model, onnx.Options{})
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
//	Activation              Relu, Sigmoid, Tanh, Softmax (the last axis; axis 1 channels first); linear is nothing
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
// on the MNIST MLP's probabilities).
package onnx
