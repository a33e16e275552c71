// Package graph holds the Gorgonia expression graphs that gradgraph models are
// made of, and the machines that run them.
//
// A model's variables live in Params: named tensors that outlive any one
// graph. A graph is built for one batch size and one mode (training or
// inference) by a Builder, to which layers add nodes; every graph of a model
// binds the same Param tensors, so an optimiser that updates a Param in place
// updates every graph at once. Gorgonia fixes shapes when a graph is built,
// which is why a model keeps one graph per batch size it has met: the last,
// partial batch of an epoch gets a graph of its own rather than being dropped.
//
// Builder.Compile turns a graph into a Machine. A training machine
// differentiates the loss symbolically with gorgonia.Grad (no hand-written
// backpropagation) and copies the loss and any requested outputs out of the
// tape as it runs, because Gorgonia's in-place operations may overwrite a
// forward node's value during the backward pass. Gradients computed by this
// package's ops into tensors that nothing else touches are handed out
// without a copy; the others are copied too. The tape's loop runs on the
// calling goroutine (tape.go explains why and when). Each Run
// resets the tape first: a TapeMachine that is not reset silently does
// nothing.
//
// Values that change every step without being data, such as dropout masks,
// are Feeds: inputs that the Machine fills from a seeded generator before each
// run, which keeps runs reproducible and gradients exact. Values a layer must
// read after a training step, such as the batch statistics that BatchNorm
// folds into its moving averages, are registered with Builder.Observe and
// handed over by Machine.Commit, which a training loop calls only for a
// step it accepts.
//
// Some operations are gradgraph's own Gorgonia ops, each with its own
// hand-derived symbolic derivative so that gorgonia.Grad still
// differentiates the whole graph: Dense (x·W + b, optionally with ReLU), a
// numerically stable LogSoftmax, Softmax (which reuses the log-softmax's
// probabilities), CrossEntropy, Sigmoid, ReLU (an activation on its own),
// BatchNormTrain/BatchNormInfer, Dropout, the 2-D convolution (Conv2D,
// over a Window), max pooling and the global average and max pools. They replace compositions of
// Gorgonia's primitives that allocated, broadcast and transposed on every
// step. nn's layers hold no op of their own: the resampling of the
// geometric augmentations (AffineTransform), RandomContrast's
// (AdjustContrast), Normalization's denominator (StdFloor) and the copying
// Reshape live here too, each in its op_<name>.go.
//
// Every fused op has a twin beside it, in the same op_<name>.go: the same
// function composed of Gorgonia's primitive ops only, differentiated by
// gorgonia.Grad alone, with gradgraph's documented fixes where a
// primitive is wrong (ReLU as x ⊙ [x > 0], derivative 0 at 0; log-softmax
// from the row maximum; sigmoid as (1 + tanh(x/2))/2; max pooling as a
// select that sends a tie's gradient to the first maximum). Each op's
// Builder method (b.Dense, b.Conv2D, b.BatchNorm, ...) builds one or the
// other through one helper, fusedOr (fusion.go), according to
// Builder.Fused; nothing else reads it (TestOneFusionSwitch scans the
// sources). nn's Model sets Builder.Fused from BuildOptions.Fusion, and
// NewBuilder from GRADGRAPH_FUSION, which FusionFromEnv reads once per
// process (GRADGRAPH_FUSION=0 turns fusion off for a whole program). Each
// op's parity test (Test<Op>TwinParity, in op_<name>_test.go, on the
// harness of parity_test.go and window_twin_test.go) compares the fused
// op with its twin, values and every gradient, in float32 and float64;
// Dense's and the row ops' over batch sizes 1 to 513, widths 1 to 784 and
// dense, sparse, zero-row, negative and ±1e3 inputs. GradCheck checks both
// against finite differences.
//
// A new fused op is one file, op_<name>.go (the op, its gradient, its
// twin and its Builder method calling fusedOr), and its test file,
// op_<name>_test.go; a large one may keep its gradient in
// op_<name>_grad.go, as the convolution does.
//
// Dense picks its kernels by shape. With inputs that are mostly zeros
// (MNIST's pixels, 81%), the product skips them: each input row's nonzeros
// are found with an AVX2 scan, and an assembly kernel adds, for a 64-column
// block of the output held in registers, one weight row per nonzero
// (internal/kernels; weight blocks packed contiguously, bias, ReLU and the
// zeroing of gradients folded into its first and last panels). The weight
// gradient does the same with the transposed input. A narrow layer (at most
// 32 units, like a 10-class output) uses a four-way dot-product kernel
// forward and the same panel kernel backward; other shapes call the BLAS
// (gonum by default, OpenBLAS with -tags openblas, see graph/blas). Work is
// shared out among the cores by kernels.ParallelRows, a pool of workers,
// in as many chunks as timings say pay (internal/split); each output
// element is computed in one chunk, so results depend neither on the
// choice nor on scheduling.
//
// GradCheck compares the symbolic gradients of any scalar built on a Builder
// with central finite differences, in float64 or float32; its error is
// relative at every scale once the difference's rounding is allowed for, so
// a 1% error on a gradient of 1e-5 counts as 1%. Every layer in gradgraph
// is tested with it.
package graph
