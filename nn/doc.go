// Package nn builds neural-network layers as Gorgonia graphs: Dense,
// BatchNorm, LayerNormalization, Dropout, activations, Conv2D, MaxPooling2D, the global
// poolings, Flatten, Reshape, the merges (Add, Subtract, Multiply,
// Average, Maximum, Concatenate) and the preprocessing and augmentation
// layers, joined into a Model that prints a Keras-style Summary.
//
// A Model is a graph of layer calls, made in one of two ways, as in Keras.
// The functional API declares inputs with their per-sample shapes and calls
// layers on symbolic tensors:
//
//	x := nn.Input("image", 28, 28, 1)
//	h := nn.Call(nn.Conv2D(16, 3, nn.ReLU).WithPadding("same"), x)
//	h = nn.Call(nn.Add(), h, nn.Call(nn.Conv2D(16, 3, nn.Linear).WithPadding("same"), h))
//	out := nn.Call(nn.Dense(10, nn.Softmax), nn.Call(nn.GlobalAveragePooling2D(), h))
//	model, err := nn.NewModel("net", []*nn.Tensor{x}, []*nn.Tensor{out})
//
// Each call works out its output shape at once; a shape a layer cannot
// take rides on the returned tensor and surfaces from NewModel, naming the
// layer and the shapes. A layer called twice shares its weights, and a
// model can be called as a layer of another (Model.AsLayer). Sequential is
// the special case of a chain, whose graph is laid when its input shape is
// given; both are built, trained, saved, summarised and drawn by the same
// code.
//
// A layer is declared first and built later: Model.Init (a functional
// model), Model.Build (a flat width) or Model.BuildShape (a per-sample
// shape such as (28, 28, 1), channels last as in Keras) creates the params,
// each layer once on its first call's shapes, drawing initial values from
// a seeded generator. Graphs take
// samples flat, (batch, features), as data sources give them; the model
// reshapes them to its input shape, and a Dense needs a 1-D input (a
// Flatten after images). Forward then adds the
// layer's nodes to a graph.Builder, once per graph: a training graph and an
// inference graph of each batch size share the same params.
//
// Layers follow Keras's semantics rather than Gorgonia's built-ins, which
// differ or are wrong in ways that silently change the numbers:
//
//   - Softmax is computed as exp(log-softmax), and log-softmax is one graph
//     node (graph.LogSoftmax) that subtracts each row's maximum, so logits of
//     ±1000 in float32 give exact probabilities instead of NaN. The
//     log-probabilities are handed to the loss, which never takes the log of
//     a rounded probability.
//   - Dense is one graph node (graph.Dense) for x·W + b with a ReLU folded
//     in, whose derivative calls BLAS without building transposes and skips
//     the input gradient when the input is data.
//   - BatchNorm normalises with the batch's mean and biased variance while
//     training and with its moving averages in inference, updates the moving
//     averages with momentum 0.99 after each training step, and counts them
//     as non-trainable params. gamma starts at 1, beta at 0, epsilon is 1e-3.
//   - Conv2D is im2col over channels-last images then the Dense product, so
//     it runs on the same GEMM; MaxPooling2D is its own channels-last op.
//     Gorgonia's Conv2d and MaxPool2D are channels-first, pad symmetrically
//     (MaxPool2D offsets asymmetric padding from the wrong side), and its
//     Transpose and Reshape alias their input where the tape machine
//     overwrites values in place; reshapes here copy.
//   - Dropout multiplies by a mask fed each step from a seeded generator,
//     holding 0 or 1/(1-rate), so its gradient is exact at any rate; it is the
//     identity in inference.
//
// Each layer builds its nodes through the graph.Builder's op methods
// (graph holds every op, fused or not, with its twin), so one switch,
// BuildOptions.Fusion, builds a model either from gradgraph's fused ops or
// from their twins composed of Gorgonia's primitives, differentiated by
// gorgonia.Grad alone; Model.SetFused changes it for graphs built later.
// The default, FusionDefault, is GRADGRAPH_FUSION (0 for the twins), read
// once per process; the model keeps its setting and gives it to every
// builder its graphs are built on. The two agree to
// rounding (graph's parity tests; train's test of an Iris step, every
// gradient). A ReLU, folded into Dense or as its own Activation layer, has
// derivative 0 at 0 either way, as in Keras and PyTorch (Gorgonia's Rectify
// has 1), and Sigmoid is correctly rounded and differentiated from its
// input, where Gorgonia's saturates to 1 from x = 15 in float32.
//
// Preprocessing and augmentation layers put a model's data preparation in
// the model, so that a checkpoint takes raw inputs: Rescaling
// (x·scale+offset) and Normalization (each feature's, or each channel's,
// (x−mean)/max(√variance, 1e-7), its statistics computed by Adapt in
// float64 and held in non-trainable params, replacing a StandardScaler
// shipped beside the model) act in training and inference; RandomFlip,
// RandomTranslation, RandomRotation, RandomZoom and RandomContrast act on
// channels-last images in training only and are the identity in inference.
// Each random layer draws its per-sample parameters every step from the
// step's generator through a feed, as Dropout does, so that Fit with the
// same seed augments the same images the same way. The geometric ones
// resample through one affine op as Keras's affine_transform (bilinear or
// nearest; fill reflect, wrap, constant or nearest), exact for flips,
// whole-pixel shifts and quarter turns; the resampling and contrast ops
// (graph.AffineTransform, graph.AdjustContrast) implement their input
// gradient and are built alike in both fusion modes (they have no twin).
//
// Layers of your own implement Layer (and Configurer and, to be counted
// before allocation when a file is read, ParamCounter) and are registered
// by type name with RegisterLayer, so that a saved model holding them can
// be loaded again.
//
// Mistakes in a stack (zero units or filters, a rate outside [0,1), a
// kernel larger than its input, a Dense after images without Flatten, an
// input that does not match) are reported by Build as errors naming the
// layer.
package nn
