package onnx

import (
	"math"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// supported returns an error naming the layer when Export cannot write it.
func supported(l nn.Layer) error {
	switch l := l.(type) {
	case *nn.DenseLayer, *nn.Conv2DLayer, *nn.MaxPooling2DLayer, *nn.GlobalAveragePooling2DLayer,
		*nn.GlobalMaxPooling2DLayer, *nn.FlattenLayer, *nn.ReshapeLayer, *nn.BatchNormLayer,
		*nn.DropoutLayer, *nn.ActivationLayer, *nn.ModelLayer,
		*nn.RescalingLayer, *nn.NormalizationLayer, *nn.LayerNormalizationLayer,
		*nn.RandomFlipLayer, *nn.RandomTranslationLayer, *nn.RandomRotationLayer, *nn.RandomZoomLayer, *nn.RandomContrastLayer:
		return nil
	case *nn.MergeLayer:
		switch l.Type() {
		case "Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate":
			return nil
		}
	}
	return errors.Errorf("layer %q (%s, %T) is not supported by the ONNX export", l.Name(), l.Type(), l)
}

// layer adds the nodes of one call of l on ins and returns its output.
func (e *exporter) layer(l nn.Layer, ins []*value) (*value, error) {
	switch l.(type) {
	case *nn.MergeLayer, *nn.ModelLayer:
	default:
		if len(ins) != 1 {
			return nil, errors.Errorf("called on %d inputs, want 1", len(ins))
		}
	}
	name := l.Name()
	switch l := l.(type) {
	case *nn.DenseLayer:
		return e.dense(l, ins[0])
	case *nn.Conv2DLayer:
		return e.conv(l, ins[0])
	case *nn.MaxPooling2DLayer:
		x := ins[0]
		g, err := newWindow(x.shape, l.PoolSize, l.Strides, l.Padding)
		if err != nil {
			return nil, err
		}
		y := e.add("MaxPool", name+"/maxpool", []string{e.get(x, channelsFirst)}, g.attrs()...)
		return newValue([]int{g.oh, g.ow, g.c}, channelsFirst, y), nil
	case *nn.GlobalAveragePooling2DLayer:
		return e.globalPool("GlobalAveragePool", name, ins[0])
	case *nn.GlobalMaxPooling2DLayer:
		return e.globalPool("GlobalMaxPool", name, ins[0])
	case *nn.FlattenLayer:
		x := ins[0]
		if len(x.shape) < 2 {
			return x, nil
		}
		y := e.add("Flatten", name+"/flatten", []string{e.get(x, channelsLast)}, intAttr("axis", 1))
		return newValue([]int{size(x.shape)}, channelsLast, y), nil
	case *nn.ReshapeLayer:
		return e.reshape(l, ins[0])
	case *nn.BatchNormLayer:
		return e.batchNorm(l, ins[0])
	case *nn.DropoutLayer, *nn.RandomFlipLayer, *nn.RandomTranslationLayer, *nn.RandomRotationLayer,
		*nn.RandomZoomLayer, *nn.RandomContrastLayer:
		return ins[0], nil // the identity in inference
	case *nn.RescalingLayer:
		return e.rescale(l, ins[0])
	case *nn.NormalizationLayer:
		return e.normalize(l, ins[0])
	case *nn.LayerNormalizationLayer:
		return e.layerNorm(l, ins[0])
	case *nn.ActivationLayer:
		x := ins[0]
		return e.activate(l.Act, name, x, x.native)
	case *nn.MergeLayer:
		return e.merge(l, ins)
	case *nn.ModelLayer:
		if l.Model == nil {
			return nil, errors.New("no model")
		}
		outs, err := e.run(l.Model, ins)
		if err != nil {
			return nil, err
		}
		if len(outs) != 1 {
			return nil, errors.Errorf("the model has %d outputs, a model called as a layer one", len(outs))
		}
		return outs[0], nil
	}
	return nil, supported(l)
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// activate applies a (an nn activation, by its name) to x in layout l.
// Softmax normalises the last per-sample axis, as gradgraph does (the
// filters of a convolution): axis 1 in channels-first.
func (e *exporter) activate(a nn.Activation, layer string, x *value, l layout) (*value, error) {
	var op string
	var attrs []attr
	switch a.Name() {
	case "linear":
		return x, nil
	case "relu":
		op = "Relu"
	case "sigmoid":
		op = "Sigmoid"
	case "tanh":
		op = "Tanh"
	case "elu":
		op = "Elu"
		attrs = append(attrs, floatAttr("alpha", 1))
	case "softmax", "log_softmax":
		op = "Softmax"
		if a.Name() == "log_softmax" {
			op = "LogSoftmax"
		}
		axis := -1
		if l == channelsFirst && len(x.shape) >= 2 {
			axis = 1
		}
		attrs = append(attrs, intAttr("axis", axis))
	default:
		return nil, errors.Errorf("activation %q is not supported by the ONNX export", a.Name())
	}
	y := e.add(op, layer+"/"+a.Name(), []string{e.get(x, l)}, attrs...)
	return newValue(x.shape, l, y), nil
}

// dense is Gemm (x·W + b, W as stored: (in, units)) then the activation.
func (e *exporter) dense(l *nn.DenseLayer, x *value) (*value, error) {
	if len(x.shape) != 1 {
		return nil, errors.Errorf("input shape %v, want 1-D", x.shape)
	}
	in := x.shape[0]
	w, err := e.param(l.Kernel, in, l.Units)
	if err != nil {
		return nil, err
	}
	b, err := e.param(l.Bias, l.Units)
	if err != nil {
		return nil, err
	}
	z := e.add("Gemm", l.Name()+"/gemm", []string{e.get(x, channelsLast), w, b})
	return e.activate(l.Act, l.Name(), newValue([]int{l.Units}, channelsLast, z), channelsLast)
}

// conv is Conv over channels-first images with the kernel stored as ONNX
// wants it, (filters, in channels, kh, kw), then the activation.
func (e *exporter) conv(l *nn.Conv2DLayer, x *value) (*value, error) {
	g, err := newWindow(x.shape, l.KernelSize, l.Strides, l.Padding)
	if err != nil {
		return nil, err
	}
	k := l.Kernel
	if k == nil || k.Value == nil {
		return nil, errors.New("not built")
	}
	f := l.Filters
	if err := sameSize(k, []int{g.kh, g.kw, g.c, f}); err != nil {
		return nil, err
	}
	// (kh, kw, cin, f) row-major → (f, cin, kh, kw).
	src := float32s(k)
	dst := make([]float32, len(src))
	for i := 0; i < g.kh; i++ {
		for j := 0; j < g.kw; j++ {
			for c := 0; c < g.c; c++ {
				for o := 0; o < f; o++ {
					dst[((o*g.c+c)*g.kh+i)*g.kw+j] = src[((i*g.kw+j)*g.c+c)*f+o]
				}
			}
		}
	}
	w := e.initializer(initKey{p: k, form: "oihw"}, k.Name, []int{f, g.c, g.kh, g.kw}, dst)
	in := []string{e.get(x, channelsFirst), w}
	if l.Bias != nil {
		b, err := e.param(l.Bias, f)
		if err != nil {
			return nil, err
		}
		in = append(in, b)
	}
	attrs := append(g.attrs(), intsAttr("dilations", 1, 1), intAttr("group", 1))
	z := e.add("Conv", l.Name()+"/conv", in, attrs...)
	return e.activate(l.Act, l.Name(), newValue([]int{g.oh, g.ow, f}, channelsFirst, z), channelsFirst)
}

// globalPool is GlobalAveragePool or GlobalMaxPool, (N, C, 1, 1), then a
// Flatten to (N, C).
func (e *exporter) globalPool(op, layer string, x *value) (*value, error) {
	if len(x.shape) != 3 {
		return nil, errors.Errorf("input shape %v, want (height, width, channels)", x.shape)
	}
	p := e.add(op, layer+"/pool", []string{e.get(x, channelsFirst)})
	y := e.add("Flatten", layer+"/flatten", []string{p}, intAttr("axis", 1))
	return newValue([]int{x.shape[2]}, channelsLast, y), nil
}

// reshape is Reshape of the channels-last tensor (row-major, as gradgraph
// reads and writes it) to (batch, out...), the batch copied (0).
func (e *exporter) reshape(l *nn.ReshapeLayer, x *value) (*value, error) {
	out := append([]int(nil), l.Target...)
	free := -1
	known := 1
	for i, d := range out {
		switch {
		case d == -1 && free < 0:
			free = i
		case d <= 0:
			return nil, errors.Errorf("target shape %v: dimension %d is %d", l.Target, i, d)
		default:
			known *= d
		}
	}
	n := size(x.shape)
	if free >= 0 && known > 0 && n%known == 0 {
		out[free] = n / known
	}
	if size(out) != n {
		return nil, errors.Errorf("cannot reshape %v to %v", x.shape, l.Target)
	}
	shape := []int64{0}
	for _, d := range out {
		shape = append(shape, int64(d))
	}
	s := e.int64Initializer(l.Name()+"/shape", shape)
	y := e.add("Reshape", l.Name()+"/reshape", []string{e.get(x, channelsLast), s})
	return newValue(out, channelsLast, y), nil
}

// batchNorm is BatchNormalization in inference form over the channels, the
// last per-sample axis: axis 1 of the channels-first layout.
func (e *exporter) batchNorm(l *nn.BatchNormLayer, x *value) (*value, error) {
	if len(x.shape) == 0 {
		return nil, errors.New("input has no axes")
	}
	c := x.shape[len(x.shape)-1]
	var names []string
	for _, p := range []*graph.Param{l.Gamma, l.Beta, l.MovingMean, l.MovingVariance} {
		n, err := e.param(p, c)
		if err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	if !(l.Epsilon > 0) || l.Epsilon > 1e30 {
		return nil, errors.Errorf("epsilon %v out of range", l.Epsilon)
	}
	in := append([]string{e.get(x, channelsFirst)}, names...)
	y := e.add("BatchNormalization", l.Name()+"/batchnorm", in, floatAttr("epsilon", float32(l.Epsilon)))
	return newValue(x.shape, channelsFirst, y), nil
}

// merge combines its inputs elementwise, in the layout the first input was
// made in, or concatenates them along the axis that layout puts Keras's
// axis on. Average is the sum then a division by the count, as gradgraph
// computes it.
func (e *exporter) merge(l *nn.MergeLayer, ins []*value) (*value, error) {
	kind := l.Type()
	switch {
	case len(ins) < 2:
		return nil, errors.Errorf("called on %d inputs, want at least 2", len(ins))
	case kind == "Subtract" && len(ins) != 2:
		return nil, errors.Errorf("called on %d inputs, want 2", len(ins))
	}
	lay := ins[0].native
	r := len(ins[0].shape)
	names := make([]string, len(ins))
	for i, x := range ins {
		if kind != "Concatenate" && !equal(x.shape, ins[0].shape) {
			return nil, errors.Errorf("input %d has shape %v, input 0 %v", i, x.shape, ins[0].shape)
		}
		if len(x.shape) != r {
			return nil, errors.Errorf("input %d has %d axes, input 0 %d", i, len(x.shape), r)
		}
		names[i] = e.get(x, lay)
	}
	if kind == "Concatenate" {
		a := l.Axis
		if a < 0 {
			a += r + 1
		}
		if a < 1 || a > r {
			return nil, errors.Errorf("axis %d out of range for %d per-sample axes", l.Axis, r)
		}
		p := a - 1 // per-sample axis, channels last
		out := append([]int(nil), ins[0].shape...)
		for i, x := range ins[1:] {
			for d := range x.shape {
				if d != p && x.shape[d] != out[d] {
					return nil, errors.Errorf("input %d has shape %v, input 0 %v", i+1, x.shape, ins[0].shape)
				}
			}
			out[p] += x.shape[p]
		}
		axis := p + 1
		if lay == channelsFirst && r >= 2 {
			if p == r-1 {
				axis = 1
			} else {
				axis = p + 2
			}
		}
		y := e.add("Concat", l.Name()+"/concat", names, intAttr("axis", axis))
		return newValue(out, lay, y), nil
	}
	op := map[string]string{"Add": "Add", "Average": "Add", "Subtract": "Sub", "Multiply": "Mul", "Maximum": "Max"}[kind]
	y := names[0]
	for _, x := range names[1:] {
		y = e.add(op, l.Name()+"/"+lower(op), []string{y, x})
	}
	if kind == "Average" {
		n := e.initializer(initKey{}, l.Name()+"/count", []int{}, []float32{float32(len(ins))})
		y = e.add("Div", l.Name()+"/div", []string{y, n})
	}
	return newValue(ins[0].shape, lay, y), nil
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// rescale is Rescaling: Mul by the scale, then Add the offset (left out
// when 0, as gradgraph leaves it out), in x's own layout; the constants
// are float32 scalars, as gradgraph's float32 graphs round them.
func (e *exporter) rescale(l *nn.RescalingLayer, x *value) (*value, error) {
	if math.IsNaN(l.Scale) || math.IsInf(l.Scale, 0) || math.IsNaN(l.Offset) || math.IsInf(l.Offset, 0) {
		return nil, errors.Errorf("scale %v and offset %v must be finite", l.Scale, l.Offset)
	}
	lay := x.native
	scale := e.initializer(initKey{}, l.Name()+"/scale", nil, []float32{float32(l.Scale)})
	y := e.add("Mul", l.Name()+"/scale", []string{e.get(x, lay), scale})
	if l.Offset != 0 {
		offset := e.initializer(initKey{}, l.Name()+"/offset", nil, []float32{float32(l.Offset)})
		y = e.add("Add", l.Name()+"/offset", []string{y, offset})
	}
	return newValue(x.shape, lay, y), nil
}

// normalize is Normalization over the last per-sample axis: Sub the mean,
// Div by max(√variance, nn.NormalizationEpsilon), the denominator worked
// out here once in float64 and rounded, as gradgraph's op does. The
// statistics broadcast along the last axis, so x is taken channels last.
func (e *exporter) normalize(l *nn.NormalizationLayer, x *value) (*value, error) {
	if len(x.shape) == 0 {
		return nil, errors.New("input has no axes")
	}
	n := x.shape[len(x.shape)-1]
	mean, err := e.param(l.Mean, n)
	if err != nil {
		return nil, err
	}
	if l.Variance == nil || l.Variance.Value == nil || l.Variance.Size() != n {
		return nil, errors.New("the variance is missing or of the wrong size (layer not built)")
	}
	v := l.Variance.Float64s()
	std := make([]float32, n)
	for i, x := range v {
		std[i] = float32(math.Max(math.Sqrt(x), nn.NormalizationEpsilon))
	}
	den := e.initializer(initKey{}, l.Name()+"/std", []int{n}, std)
	centred := e.add("Sub", l.Name()+"/centre", []string{e.get(x, channelsLast), mean})
	y := e.add("Div", l.Name()+"/scale", []string{centred, den})
	return newValue(x.shape, channelsLast, y), nil
}

// layerNorm is LayerNormalization over the last per-sample axis, so x is
// taken channels last (an image's channels: ONNX's last axis).
//
// From opset 17 it is the op itself (axis −1); its Scale input is
// required, so a layer without γ stores ones. Below 17 there is no such
// op: it is written as the ops gradgraph's layer computes, in the same
// order, ReduceMean (axes attribute, keepdims), Sub, Mul(d, d), ReduceMean,
// Add ε, Sqrt, Div, then Mul γ and Add β when the layer has them: the form
// PyTorch writes below 17 too (with Pow for the square), which the import
// reads back as one layer. ReduceMean takes its axes as an attribute up to
// opset 17 only, which this form never goes past.
func (e *exporter) layerNorm(l *nn.LayerNormalizationLayer, x *value) (*value, error) {
	if len(x.shape) == 0 {
		return nil, errors.New("input has no axes")
	}
	if !(l.Epsilon > 0) || l.Epsilon > 1e30 {
		return nil, errors.Errorf("epsilon %v out of range", l.Epsilon)
	}
	c := x.shape[len(x.shape)-1]
	var gamma, beta string
	var err error
	// γ and β as the layer's forward pass reads them: those it has.
	if l.Gamma != nil {
		if gamma, err = e.param(l.Gamma, c); err != nil {
			return nil, err
		}
	}
	if l.Beta != nil {
		if beta, err = e.param(l.Beta, c); err != nil {
			return nil, err
		}
	}
	name := l.Name()
	eps := float32(l.Epsilon)
	in := e.get(x, channelsLast)
	if e.opset >= 17 {
		if gamma == "" {
			ones := make([]float32, c)
			for i := range ones {
				ones[i] = 1
			}
			gamma = e.initializer(initKey{}, name+"/ones", []int{c}, ones)
		}
		ins := []string{in, gamma}
		if beta != "" {
			ins = append(ins, beta)
		}
		y := e.add("LayerNormalization", name+"/layernorm", ins, intAttr("axis", -1), floatAttr("epsilon", eps))
		return newValue(x.shape, channelsLast, y), nil
	}
	mean := e.add("ReduceMean", name+"/mean", []string{in}, intsAttr("axes", -1), intAttr("keepdims", 1))
	d := e.add("Sub", name+"/centre", []string{in, mean})
	sq := e.add("Mul", name+"/square", []string{d, d})
	variance := e.add("ReduceMean", name+"/variance", []string{sq}, intsAttr("axes", -1), intAttr("keepdims", 1))
	epsilon := e.initializer(initKey{}, name+"/epsilon", nil, []float32{eps})
	shifted := e.add("Add", name+"/add_epsilon", []string{variance, epsilon})
	sd := e.add("Sqrt", name+"/sd", []string{shifted})
	y := e.add("Div", name+"/normalize", []string{d, sd})
	if gamma != "" {
		y = e.add("Mul", name+"/gamma", []string{y, gamma})
	}
	if beta != "" {
		y = e.add("Add", name+"/beta", []string{y, beta})
	}
	return newValue(x.shape, channelsLast, y), nil
}
