package onnx

import (
	"strconv"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx/onnxtest"
)

// layerCase is one small model, built and with random params.
type layerCase struct {
	name  string
	build func(t testing.TB) *nn.Model
	opset int // 0 for the default
}

// seq builds a Sequential of the layers on input shape in, seeded, with
// random biases and statistics.
func seq(name string, in []int, layers ...nn.Layer) func(t testing.TB) *nn.Model {
	return func(t testing.TB) *nn.Model {
		t.Helper()
		m := nn.Sequential(name, layers...)
		if err := m.BuildShape(in, nn.BuildOptions{Seed: 7}); err != nil {
			t.Fatal(err)
		}
		randomize(t, m, 11)
		return m
	}
}

// fn builds a functional model from what make returns.
func fn(name string, make func() ([]*nn.Tensor, []*nn.Tensor)) func(t testing.TB) *nn.Model {
	return func(t testing.TB) *nn.Model {
		t.Helper()
		ins, outs := make()
		m, err := nn.NewModel(name, ins, outs)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Init(nn.BuildOptions{Seed: 7}); err != nil {
			t.Fatal(err)
		}
		randomize(t, m, 11)
		return m
	}
}

func conv(filters, k int, act nn.Activation) *nn.Conv2DLayer { return nn.Conv2D(filters, k, act) }

func convRect(filters int, kernel, strides [2]int, padding string, act nn.Activation) *nn.Conv2DLayer {
	c := nn.Conv2D(filters, 1, act)
	c.KernelSize, c.Strides, c.Padding = kernel, strides, padding
	return c
}

func poolRect(pool, strides [2]int, padding string) *nn.MaxPooling2DLayer {
	p := nn.MaxPooling2D(1)
	p.PoolSize, p.Strides, p.Padding = pool, strides, padding
	return p
}

// merge1D is a functional model merging Dense branches of a 1-D input.
func merge1D(kind string, l func() *nn.MergeLayer, branches int) layerCase {
	return layerCase{name: "merge_" + kind + "_1d", build: fn(kind, func() ([]*nn.Tensor, []*nn.Tensor) {
		x := nn.Input("x", 5)
		var bs []*nn.Tensor
		for i := 0; i < branches; i++ {
			bs = append(bs, nn.Call(nn.Dense(6, nn.Tanh), x))
		}
		return []*nn.Tensor{x}, []*nn.Tensor{nn.Call(l(), bs...)}
	})}
}

// mergeImages merges conv branches of an image (channels-first in ONNX)
// and, when withInput, the image itself (channels last): both layouts meet.
func mergeImages(kind string, l func() *nn.MergeLayer, branches int, withInput bool) layerCase {
	name := "merge_" + kind + "_images"
	if withInput {
		name += "_and_input"
	}
	return layerCase{name: name, build: fn(kind, func() ([]*nn.Tensor, []*nn.Tensor) {
		x := nn.Input("image", 5, 7, 3)
		var bs []*nn.Tensor
		if withInput {
			bs = append(bs, x)
		}
		for i := 0; i < branches; i++ {
			bs = append(bs, nn.Call(conv(3, 3, nn.Linear).WithPadding("same"), x))
		}
		return []*nn.Tensor{x}, []*nn.Tensor{nn.Call(l(), bs...)}
	})}
}

func layerCases() []layerCase {
	var cs []layerCase
	acts := []nn.Activation{nn.Linear, nn.ReLU, nn.Sigmoid, nn.Tanh, nn.Softmax}
	for _, a := range acts {
		cs = append(cs,
			layerCase{name: "dense_" + a.Name(), build: seq("dense", []int{5}, nn.Dense(7, a))},
			layerCase{name: "activation_" + a.Name(), build: seq("act", []int{5}, nn.Dense(6, nn.Linear), nn.Act(a))})
	}
	cs = append(cs,
		// Convolutions: both paddings, strides, odd and even sizes, odd
		// totals of same padding (the extra row and column after).
		layerCase{name: "conv_valid", build: seq("conv", []int{7, 9, 3}, conv(4, 3, nn.ReLU))},
		layerCase{name: "conv_same", build: seq("conv", []int{7, 9, 3}, conv(4, 3, nn.Tanh).WithPadding("same"))},
		layerCase{name: "conv_same_stride2", build: seq("conv", []int{7, 9, 3}, conv(5, 3, nn.Linear).WithPadding("same").WithStrides(2, 2))},
		layerCase{name: "conv_same_even_kernel", build: seq("conv", []int{6, 7, 2}, conv(3, 4, nn.Sigmoid).WithPadding("same").WithStrides(1, 2))},
		layerCase{name: "conv_valid_rect_stride", build: seq("conv", []int{8, 9, 2}, convRect(3, [2]int{2, 3}, [2]int{2, 1}, "valid", nn.ReLU))},
		layerCase{name: "conv_same_rect_stride3", build: seq("conv", []int{8, 10, 2}, convRect(3, [2]int{3, 2}, [2]int{3, 3}, "same", nn.Linear))},
		layerCase{name: "conv_without_bias", build: seq("conv", []int{7, 6, 3}, conv(4, 3, nn.ReLU).WithoutBias().WithStrides(2, 1))},
		layerCase{name: "conv_bn_block", build: seq("conv", []int{8, 8, 2}, conv(4, 3, nn.Linear).WithoutBias().WithPadding("same").WithStrides(2, 2), nn.BatchNorm(), nn.Act(nn.ReLU))},
		layerCase{name: "conv_softmax", build: seq("conv", []int{5, 6, 2}, conv(4, 3, nn.Softmax).WithPadding("same"))},
		layerCase{name: "conv_stack", build: seq("conv", []int{9, 9, 1}, conv(4, 3, nn.ReLU), conv(6, 3, nn.ReLU).WithStrides(2, 2), conv(2, 1, nn.Linear))},
		// Max pooling.
		layerCase{name: "pool_valid_odd", build: seq("pool", []int{7, 9, 3}, nn.MaxPooling2D(2))},
		layerCase{name: "pool_same_odd", build: seq("pool", []int{7, 9, 3}, nn.MaxPooling2D(2).WithPadding("same"))},
		layerCase{name: "pool_same_3_stride2", build: seq("pool", []int{7, 8, 2}, nn.MaxPooling2D(3).WithStrides(2, 2).WithPadding("same"))},
		layerCase{name: "pool_valid_rect", build: seq("pool", []int{6, 9, 2}, poolRect([2]int{2, 3}, [2]int{1, 2}, "valid"))},
		layerCase{name: "pool_after_conv", build: seq("pool", []int{8, 8, 2}, conv(3, 3, nn.ReLU).WithPadding("same"), nn.MaxPooling2D(2).WithPadding("same"), conv(2, 3, nn.Linear))},
		// Global poolings.
		layerCase{name: "global_average", build: seq("gap", []int{5, 6, 4}, nn.GlobalAveragePooling2D())},
		layerCase{name: "global_max", build: seq("gmp", []int{5, 6, 4}, nn.GlobalMaxPooling2D())},
		layerCase{name: "global_average_after_conv", build: seq("gap", []int{5, 6, 2}, conv(4, 3, nn.Tanh), nn.GlobalAveragePooling2D(), nn.Dense(3, nn.Softmax))},
		// Flatten and Reshape: row-major over channels last, whatever
		// layout the convolution before left the tensor in.
		layerCase{name: "flatten_after_conv", build: seq("flat", []int{5, 6, 3}, conv(4, 3, nn.ReLU), nn.Flatten(), nn.Dense(5, nn.Linear))},
		layerCase{name: "flatten_input", build: seq("flat", []int{3, 4, 2}, nn.Flatten())},
		layerCase{name: "reshape_to_image", build: seq("reshape", []int{24}, nn.Reshape(2, 3, 4), conv(2, 2, nn.Linear), nn.Flatten(), nn.Dense(3, nn.Linear))},
		layerCase{name: "reshape_conv_to_rows", build: seq("reshape", []int{5, 6, 2}, conv(3, 3, nn.Linear), nn.Reshape(-1, 3), nn.BatchNorm(), nn.Reshape(2, 6, 3))},
		// BatchNormalization, inference form, over 1-D and images.
		layerCase{name: "batchnorm_1d", build: seq("bn", []int{5}, nn.Dense(6, nn.Linear), nn.BatchNorm(), nn.Dense(3, nn.Linear))},
		layerCase{name: "batchnorm_images", build: seq("bn", []int{6, 5, 3}, conv(4, 3, nn.Linear), nn.BatchNorm(), nn.Act(nn.ReLU), nn.Flatten())},
		layerCase{name: "batchnorm_input_images", build: seq("bn", []int{4, 5, 3}, nn.BatchNorm())},
		// Dropout: the identity.
		layerCase{name: "dropout", build: seq("dropout", []int{5}, nn.Dense(6, nn.ReLU), nn.Dropout(0.5), nn.Dense(3, nn.Linear))},
		layerCase{name: "dropout_only", build: seq("dropout", []int{5}, nn.Dropout(0.3))},
	)
	for _, mk := range []struct {
		kind string
		l    func() *nn.MergeLayer
	}{{"add", nn.Add}, {"subtract", nn.Subtract}, {"multiply", nn.Multiply}, {"average", nn.Average}, {"maximum", nn.Maximum}} {
		kind, l := mk.kind, mk.l
		branches := 3
		if kind == "subtract" {
			branches = 2
		}
		cs = append(cs, merge1D(kind, l, branches), mergeImages(kind, l, branches, false), mergeImages(kind, l, 1, true))
	}
	cat := func(axis int) func() *nn.MergeLayer { return func() *nn.MergeLayer { return nn.Concatenate(axis) } }
	cs = append(cs,
		merge1D("concatenate", cat(-1), 2),
		mergeImages("concatenate_channels", cat(-1), 2, true),
		mergeImages("concatenate_height", cat(1), 2, false),
		mergeImages("concatenate_width", cat(2), 1, true),
		mergeImages("concatenate_channels_3", cat(3), 2, false),
		layerCase{name: "residual_block", build: fn("residual", func() ([]*nn.Tensor, []*nn.Tensor) {
			x := nn.Input("image", 6, 6, 4)
			h := nn.Call(conv(4, 3, nn.ReLU).WithPadding("same"), x)
			r := nn.Call(conv(4, 3, nn.Linear).WithPadding("same"), h)
			h = nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, r))
			h = nn.Call(nn.BatchNorm(), h)
			return []*nn.Tensor{x}, []*nn.Tensor{nn.Call(nn.Dense(3, nn.Softmax), nn.Call(nn.GlobalAveragePooling2D(), h))}
		})},
		layerCase{name: "concatenate_branches", build: fn("branches", func() ([]*nn.Tensor, []*nn.Tensor) {
			x := nn.Input("image", 7, 7, 2)
			a := nn.Call(nn.MaxPooling2D(2).WithPadding("same"), nn.Call(conv(3, 3, nn.ReLU).WithPadding("same"), x))
			b := nn.Call(conv(5, 3, nn.Tanh).WithPadding("same").WithStrides(2, 2), x)
			h := nn.Call(nn.Flatten(), nn.Call(nn.Concatenate(-1), a, b))
			return []*nn.Tensor{x}, []*nn.Tensor{nn.Call(nn.Dense(4, nn.Linear), h)}
		})},
		layerCase{name: "two_inputs_two_outputs", build: fn("two_inputs", func() ([]*nn.Tensor, []*nn.Tensor) {
			img, meta := nn.Input("image", 8, 8, 1), nn.Input("meta", 3)
			h := nn.Call(conv(4, 3, nn.ReLU).WithPadding("same"), img)
			r := nn.Call(conv(4, 3, nn.Linear).WithPadding("same"), h)
			h = nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, r))
			feat := nn.Call(nn.Concatenate(-1), nn.Call(nn.GlobalAveragePooling2D(), h), meta)
			digit := nn.Call(nn.Dense(10, nn.Softmax), feat)
			score := nn.Call(nn.Dense(1, nn.Sigmoid), nn.Call(nn.Concatenate(-1), digit, meta))
			return []*nn.Tensor{img, meta}, []*nn.Tensor{digit, score}
		})},
		layerCase{name: "shared_layer", build: fn("siamese", func() ([]*nn.Tensor, []*nn.Tensor) {
			a, b := nn.Input("left", 4), nn.Input("right", 4)
			enc := nn.Dense(5, nn.Tanh)
			ea, eb := nn.Call(enc, a), nn.Call(enc, b)
			return []*nn.Tensor{a, b}, []*nn.Tensor{nn.Call(nn.Dense(1, nn.Sigmoid), nn.Call(nn.Subtract(), ea, eb))}
		})},
		layerCase{name: "output_feeds_output", build: fn("chain_outputs", func() ([]*nn.Tensor, []*nn.Tensor) {
			x := nn.Input("x", 4)
			h := nn.Call(nn.Dense(5, nn.ReLU), x)
			return []*nn.Tensor{x}, []*nn.Tensor{h, nn.Call(nn.Dense(2, nn.Linear), h)}
		})},
		layerCase{name: "image_output", build: fn("image_out", func() ([]*nn.Tensor, []*nn.Tensor) {
			x := nn.Input("image", 5, 5, 2)
			return []*nn.Tensor{x}, []*nn.Tensor{nn.Call(conv(3, 3, nn.ReLU).WithPadding("same"), x)}
		})},
		// Preprocessing: Rescaling (Mul, Add), Normalization (Sub, Div by the
		// floored standard deviation; one variance at 0 exercises the floor)
		// over features and image channels; the random augmentations are the
		// identity in inference and export as nothing.
		layerCase{name: "rescaling", build: seq("rescale", []int{4, 5, 2}, nn.Rescaling(1.0/255, -0.5), conv(3, 3, nn.Tanh), nn.Flatten())},
		layerCase{name: "rescaling_no_offset", build: seq("rescale", []int{6}, nn.Rescaling(2.5, 0), nn.Dense(3, nn.Softmax))},
		layerCase{name: "normalization_features", build: seq("norm", []int{5}, nn.Normalization(), nn.Dense(3, nn.Softmax))},
		layerCase{name: "normalization_zero_variance", build: func(t testing.TB) *nn.Model {
			m := seq("norm0", []int{3}, nn.Normalization(), nn.Dense(2, nn.Linear))(t)
			v := m.Layers[0].(*nn.NormalizationLayer).Variance
			if err := v.SetFloat64s([]float64{0.5, 0, 2}); err != nil {
				t.Fatal(err)
			}
			return m
		}},
		layerCase{name: "normalization_after_conv", build: seq("norm", []int{5, 5, 2}, conv(3, 3, nn.Linear), nn.Normalization(), nn.GlobalAveragePooling2D())},
		layerCase{name: "augmentations", build: seq("aug", []int{6, 6, 1},
			nn.RandomFlip("horizontal_and_vertical"), nn.RandomTranslation(0.2, 0.2), nn.RandomRotation(0.1), nn.RandomZoom(0.1), nn.RandomContrast(0.2),
			conv(2, 3, nn.ReLU), nn.Flatten(), nn.Dense(3, nn.Softmax))},
		// Opset 17, the newest the checker of python3-onnx 1.12 knows, and the
		// newest accepted, 21, on a model of most ops.
		layerCase{name: "opset17", opset: 17, build: seq("opset17", []int{6, 6, 2},
			conv(3, 3, nn.ReLU).WithPadding("same"), nn.BatchNorm(), nn.MaxPooling2D(2), nn.Reshape(-1), nn.Dropout(0.2), nn.Dense(4, nn.Softmax))},
		layerCase{name: "opset21", opset: MaxOpset, build: seq("opset21", []int{6, 6, 2},
			conv(3, 3, nn.ReLU).WithPadding("same"), nn.BatchNorm(), nn.MaxPooling2D(2), nn.Flatten(), nn.Dropout(0.2), nn.Dense(4, nn.Softmax))},
	)
	// Activations added later, last, so that the cases above keep their
	// random inputs (each case's seed is its index).
	for _, a := range []nn.Activation{nn.LogSoftmaxActivation, nn.ELU} {
		cs = append(cs,
			layerCase{name: "dense_" + a.Name(), build: seq("dense", []int{5}, nn.Dense(7, a))},
			layerCase{name: "activation_" + a.Name(), build: seq("act", []int{5}, nn.Dense(6, nn.Linear), nn.Act(a))})
	}
	cs = append(cs, layerCase{name: "conv_elu", build: seq("conv", []int{6, 7, 2}, conv(3, 3, nn.ELU).WithPadding("same"))})
	// LayerNormalization over features and over an image's channels (a
	// convolution's output, channels first in ONNX, transposed to channels
	// last and back), with and without γ and β: below opset 17 the ops it
	// is made of, from 17 its own op (Scale of ones without γ).
	for _, opset := range []int{13, 17, 21} {
		s := "_opset" + strconv.Itoa(opset)
		cs = append(cs,
			layerCase{name: "layernorm_features" + s, opset: opset, build: seq("ln", []int{5}, nn.Dense(6, nn.Linear), nn.LayerNormalization(), nn.Dense(3, nn.Linear))},
			layerCase{name: "layernorm_channels" + s, opset: opset, build: seq("ln", []int{5, 6, 3}, conv(4, 3, nn.Linear).WithPadding("same"), nn.LayerNormalization(), conv(2, 3, nn.ReLU))})
		if opset == MaxOpset {
			break
		}
		cs = append(cs,
			layerCase{name: "layernorm_input_plain" + s, opset: opset, build: seq("ln", []int{4, 3, 5}, layerNorm(false, false))},
			layerCase{name: "layernorm_no_gamma" + s, opset: opset, build: seq("ln", []int{7}, layerNorm(false, true))},
			layerCase{name: "layernorm_no_beta" + s, opset: opset, build: seq("ln", []int{7}, layerNorm(true, false))})
	}
	return cs
}

// layerNorm is a LayerNormalization with γ (scale) and β (center) on or off.
func layerNorm(scale, center bool) *nn.LayerNormalizationLayer {
	l := nn.LayerNormalization()
	l.Scale, l.Center = scale, center
	return l
}

// TestLayersMatchRuntime exports one small model per layer kind and
// setting, runs each in ONNX Runtime on random inputs and compares every
// output with gradgraph's Predict, then runs the ONNX checker on every file.
func TestLayersMatchRuntime(t *testing.T) {
	rt := onnxtest.Need(t)
	dir := t.TempDir()
	cases := layerCases()
	const n = 5
	var jobs []onnxtest.Job
	var models []*nn.Model
	var inputs [][][]float32
	var paths []string
	for i, c := range cases {
		m := c.build(t)
		xs := randomInputs(m, n, int64(100+i))
		p := exportTo(t, m, dir, c.name, Options{Opset: c.opset})
		jobs = append(jobs, job(m, p, xs, n))
		models, inputs = append(models, m), append(inputs, xs)
		if c.opset <= 17 {
			paths = append(paths, p)
		}
	}
	res, err := rt.Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := predict(t, models[i], inputs[i], n)
			e := compare(t, models[i], res[i], want, n, 1e-5)
			t.Logf("%-34s relative %.2e, of the largest %.2e", c.name, e.rel, e.norm)
		})
	}
	checkFiles(t, paths)
}

// checkFiles runs the ONNX checker on the files, opset 17 and below
// (the checker in Debian's python3-onnx 1.12 knows no later).
func checkFiles(t *testing.T, paths []string) {
	t.Helper()
	c, why := onnxtest.FindChecker()
	if c == nil {
		if onnxtest.Required() {
			t.Fatalf("onnx: %s", why)
		}
		t.Logf("onnx checker not run: %s", why)
		return
	}
	if err := c.Check(paths...); err != nil {
		t.Error(err)
	}
}

// TestFreeBatchDimension runs one file on batches of 1, 2 and 7 samples:
// the batch dimension is free, and each sample's output is the same
// whatever batch it is in.
func TestFreeBatchDimension(t *testing.T) {
	rt := onnxtest.Need(t)
	m := seq("batches", []int{6, 5, 2}, conv(3, 3, nn.Tanh).WithPadding("same"), nn.BatchNorm(), nn.GlobalMaxPooling2D(), nn.Dense(4, nn.Softmax))(t)
	path := exportTo(t, m, t.TempDir(), "batches", Options{})
	xs := randomInputs(m, 7, 3)
	var jobs []onnxtest.Job
	for _, n := range []int{1, 2, 7} {
		jobs = append(jobs, job(m, path, [][]float32{xs[0][:n*60]}, n))
	}
	res, err := rt.Run(jobs)
	if err != nil {
		t.Fatal(err)
	}
	want := predict(t, m, xs, 7)
	for i, n := range []int{1, 2, 7} {
		e := compare(t, m, res[i], [][]float32{want[0][:n*4]}, n, 1e-5)
		if got := res[i].Outputs[m.OutputNames()[0]].Data; len(got) != n*4 {
			t.Fatalf("batch %d: %d outputs", n, len(got))
		}
		t.Logf("batch of %d: relative %.2e, of the largest %.2e", n, e.rel, e.norm)
	}
}
