package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// ModelConfig describes a built model (Keras's get_config): its layers'
// settings and, for a model made by NewModel, its graph.
//
// A Sequential's graph is implied: one input of shape Input, then Layers in
// order, each called on the last one's output. In JSON its 1-D input shape
// is a plain number, as files written when inputs were widths hold it, and
// other shapes are arrays ([28, 28, 1]); both load.
//
// A functional model lists its Inputs, its Nodes (the layer calls, in an
// order where every call comes after the calls its inputs come from) and
// its Outputs; Input is empty. Layers are listed in the order of their
// first call, each once however often it is called.
type ModelConfig struct {
	Name    string        `json:"name"`
	Input   Shape         `json:"input,omitempty"`
	DType   string        `json:"dtype"`
	Layers  []LayerConfig `json:"layers"`
	Inputs  []InputConfig `json:"inputs,omitempty"`
	Nodes   []NodeConfig  `json:"nodes,omitempty"`
	Outputs []TensorRef   `json:"outputs,omitempty"`
}

// InputConfig is a functional model's input: its name and per-sample shape.
type InputConfig struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
}

// NodeConfig is one call of a layer: the layer's name and the tensors it is
// called on.
type NodeConfig struct {
	Layer  string      `json:"layer"`
	Inputs []TensorRef `json:"inputs"`
}

// Functional reports whether c describes a graph rather than a chain.
func (c ModelConfig) Functional() bool {
	return len(c.Inputs) > 0 || len(c.Nodes) > 0 || len(c.Outputs) > 0
}

// Config describes the built model.
func (m *Model) Config() (ModelConfig, error) {
	if !m.built {
		return ModelConfig{}, errors.Errorf("model %q: not built", m.Name)
	}
	c := ModelConfig{Name: m.Name, DType: m.dtype.String()}
	for _, l := range m.Layers {
		cf, ok := l.(Configurer)
		if !ok {
			return ModelConfig{}, errors.Errorf("model %q: layer %q (%s) cannot describe itself: implement nn.Configurer", m.Name, l.Name(), l.Type())
		}
		c.Layers = append(c.Layers, cf.Config())
	}
	if !m.functional {
		c.Input = m.inputs[0].shape.Clone()
		return c, nil
	}
	refs := m.tensorRefs()
	for _, t := range m.inputs {
		c.Inputs = append(c.Inputs, InputConfig{Name: t.name, Shape: t.shape.Clone()})
	}
	for _, n := range m.nodes {
		nc := NodeConfig{Layer: n.layer.Name()}
		for _, t := range n.in {
			nc.Inputs = append(nc.Inputs, refs[t])
		}
		c.Nodes = append(c.Nodes, nc)
	}
	for _, t := range m.outputs {
		c.Outputs = append(c.Outputs, refs[t])
	}
	return c, nil
}

// FromConfig rebuilds and builds a model from its description, making each
// layer with the constructor registered for its type (RegisterLayer). The
// params get fresh initial values; load saved ones over them. A type nobody
// registered gives an *UnknownLayerError (errors.Is ErrUnknownLayer). A
// graph whose calls refer to a tensor not made before them (a cycle or a
// dangling reference), to an unknown layer, or that leaves a layer or an
// input unused, is an error naming the call.
func FromConfig(c ModelConfig) (*Model, error) {
	if err := c.Walk(func(LayerConfig) error { return nil }); err != nil {
		return nil, err
	}
	dt, err := c.dtype()
	if err != nil {
		return nil, err
	}
	layers, err := c.layers()
	if err != nil {
		return nil, err
	}
	if !c.Functional() {
		m := Sequential(c.Name, layers...)
		if err := m.BuildShape(c.Input, BuildOptions{DType: dt}); err != nil {
			return nil, err
		}
		return m, nil
	}
	m, err := c.graph(layers)
	if err != nil {
		return nil, err
	}
	if err := m.Init(BuildOptions{DType: dt}); err != nil {
		return nil, err
	}
	return m, nil
}

// layers makes c's layers, unbuilt and named, through the registry.
func (c ModelConfig) layers() ([]Layer, error) {
	if len(c.Layers) == 0 {
		return nil, errors.Errorf("model %q: no layers", c.Name)
	}
	layers := make([]Layer, len(c.Layers))
	for i, lc := range c.Layers {
		l, err := newLayer(lc)
		if err != nil {
			return nil, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		if lc.Name == "" {
			return nil, errors.Errorf("model %q: layer %d has no name", c.Name, i)
		}
		l.SetName(lc.Name)
		layers[i] = l
	}
	return layers, nil
}

// unbuilt makes the model c describes without params, its graph laid and
// its shapes worked out, for a model called as a layer in a file: the
// outer model builds it.
func (c ModelConfig) unbuilt() (*Model, error) {
	if _, err := c.dtype(); err != nil {
		return nil, err
	}
	layers, err := c.layers()
	if err != nil {
		return nil, err
	}
	if c.Functional() {
		return c.graph(layers)
	}
	// A chain, laid call by call so that its shapes are known.
	if err := checkShape("model", c.Name, c.Input); err != nil {
		return nil, err
	}
	x := Input("input_layer", c.Input...)
	h := x
	for i, l := range layers {
		if err := countable(l, []*Tensor{h}); err != nil {
			return nil, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		if h = Call(l, h); h.err != nil {
			return nil, errors.Wrapf(h.err, "model %q: layer %d", c.Name, i)
		}
	}
	m, err := NewModel(c.Name, []*Tensor{x}, []*Tensor{h})
	if err != nil {
		return nil, err
	}
	m.functional = false
	return m, nil
}

// Walk calls fn for every layer c describes, those of models called as
// layers included (after the layer that holds them), so that a reader can
// bound and check a file's model before building it. It stops at fn's
// first error, and refuses models nested deeper than MaxModelNesting
// before decoding the levels below.
func (c ModelConfig) Walk(fn func(LayerConfig) error) error { return c.walk(fn, 0) }

func (c ModelConfig) walk(fn func(LayerConfig) error, depth int) error {
	for i, lc := range c.Layers {
		if err := fn(lc); err != nil {
			return err
		}
		if lc.Type != "Functional" && lc.Type != "Sequential" {
			continue
		}
		if depth+1 > MaxModelNesting {
			return errors.Errorf("model %q: layer %d: models nested more than %d deep", c.Name, i, MaxModelNesting)
		}
		var nested NestedModelConfig
		if err := decodeStrict(lc.Settings, &nested); err != nil {
			return errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		mc, err := nested.decode()
		if err != nil {
			return errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		if err := mc.walk(fn, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// graph lays a functional description's calls over its layers. Each call
// may only take tensors made before it, which rules out cycles; shapes are
// worked out call by call without allocating (Call), so a file's sizes are
// checked before anything is built.
func (c ModelConfig) graph(layers []Layer) (*Model, error) {
	if len(c.Input) > 0 {
		return nil, errors.Errorf("model %q: has both a Sequential input shape and a graph", c.Name)
	}
	if len(c.Inputs) == 0 || len(c.Nodes) == 0 || len(c.Outputs) == 0 {
		return nil, errors.Errorf("model %q: a graph needs inputs, calls and outputs, got %d, %d and %d", c.Name, len(c.Inputs), len(c.Nodes), len(c.Outputs))
	}
	byName := make(map[string]Layer, len(layers))
	for _, l := range layers {
		if _, dup := byName[l.Name()]; dup {
			return nil, errors.Errorf("model %q: two layers are named %q", c.Name, Printable(l.Name()))
		}
		byName[l.Name()] = l
	}
	tensors := map[TensorRef]*Tensor{}
	inputs := make([]*Tensor, len(c.Inputs))
	for i, in := range c.Inputs {
		if in.Name == "" {
			return nil, errors.Errorf("model %q: input %d has no name", c.Name, i)
		}
		if _, dup := byName[in.Name]; dup {
			return nil, errors.Errorf("model %q: input %q has a layer's name", c.Name, Printable(in.Name))
		}
		ref := TensorRef{Name: in.Name}
		if _, dup := tensors[ref]; dup {
			return nil, errors.Errorf("model %q: two inputs are named %q", c.Name, Printable(in.Name))
		}
		t := Input(in.Name, in.Shape...)
		if t.err != nil {
			return nil, errors.Wrapf(t.err, "model %q: input %d", c.Name, i)
		}
		tensors[ref], inputs[i] = t, t
	}
	calls := map[string]int{}
	for i, nc := range c.Nodes {
		l, ok := byName[nc.Layer]
		if !ok {
			return nil, errors.Errorf("model %q: call %d is of layer %q, which the model does not have", c.Name, i, Printable(nc.Layer))
		}
		if len(nc.Inputs) == 0 {
			return nil, errors.Errorf("model %q: call %d (%q) has no inputs", c.Name, i, Printable(nc.Layer))
		}
		args := make([]*Tensor, len(nc.Inputs))
		for j, ref := range nc.Inputs {
			t, ok := tensors[ref]
			if !ok {
				return nil, errors.Errorf("model %q: call %d (%q) takes %s, which no input or earlier call makes (a dangling reference or a cycle)",
					c.Name, i, Printable(nc.Layer), ref)
			}
			args[j] = t
		}
		if err := countable(l, args); err != nil {
			return nil, errors.Wrapf(err, "model %q: call %d", c.Name, i)
		}
		out := Call(l, args...)
		if out.err != nil {
			return nil, errors.Wrapf(out.err, "model %q: call %d", c.Name, i)
		}
		k := calls[nc.Layer]
		calls[nc.Layer]++
		tensors[TensorRef{Name: nc.Layer, Call: k}] = out
	}
	outputs := make([]*Tensor, len(c.Outputs))
	for i, ref := range c.Outputs {
		t, ok := tensors[ref]
		if !ok {
			return nil, errors.Errorf("model %q: output %d is %s, which the graph does not make", c.Name, i, ref)
		}
		outputs[i] = t
	}
	m, err := NewModel(c.Name, inputs, outputs)
	if err != nil {
		return nil, err
	}
	// The weights of a file follow its layer list, so the list must be the
	// model's, in the order of first calls, every layer called.
	if len(m.Layers) != len(layers) {
		for _, l := range layers {
			if calls[l.Name()] == 0 {
				return nil, errors.Errorf("model %q: layer %q is never called", c.Name, Printable(l.Name()))
			}
		}
		return nil, errors.Errorf("model %q: %d of its %d layers lead to an output", c.Name, len(m.Layers), len(layers))
	}
	for i, l := range m.Layers {
		if l != layers[i] {
			return nil, errors.Errorf("model %q: layer %d is %q, but the calls use %q first", c.Name, i, Printable(layers[i].Name()), Printable(l.Name()))
		}
	}
	return m, nil
}

func (c ModelConfig) dtype() (tensor.Dtype, error) {
	switch c.DType {
	case "float32", "":
		return graph.Float32, nil
	case "float64":
		return graph.Float64, nil
	}
	return tensor.Dtype{}, errors.Errorf("model %q: unsupported dtype %q", c.Name, c.DType)
}

// maxParams caps a model's weights, and any one width, at 2^40 (4 TiB of
// float32): far above any model this package trains, low enough that no
// product or sum of two capped numbers overflows an int64.
const maxParams = 1 << 40

// maxCountByBuild is the widest input ParamCount builds a layer for when the
// layer cannot count its params (no ParamCounter). Building allocates, and a
// header may claim any width; 65,536 features bounds what a file can make a
// one-weight-per-input layer allocate (256 KiB) before its size is checked.
const maxCountByBuild = 1 << 16

// ParamCounter is implemented by layers that can say, without allocating,
// how many weights Build would create for samples of shape in (trainable
// and not) and the shape of the output. Every built-in layer does.
// Implement it in a custom layer so that train.Load can check a file's
// declared size against its bytes before building the model; the count
// must equal the sum of Params' sizes after Build(in, ...), the shape must
// be what Build returns, and it must return an error rather than overflow
// (keep counts below 2^40).
type ParamCounter interface {
	CountParams(in []int) (params int64, out []int, err error)
}

// ParamCount returns how many weights a model of this description holds,
// so that a reader can check a file's declared architecture against the
// bytes it actually holds before building it. Each layer is made through the
// registry, unbuilt, and counts its own params (ParamCounter). A registered
// layer without ParamCounter is built to be counted, on a throwaway copy, and
// only while the running input holds at most 65,536 elements: above that
// ParamCount refuses, since building would allocate whatever the header
// claims. Shape sizes and the total are capped at 2^40.
func (c ModelConfig) ParamCount() (int64, error) { return c.ParamCountWithin(maxParams) }

// ParamCountWithin is ParamCount for a reader that knows the most weights
// its file can hold: it stops after the first layer that takes the total
// above limit and returns that partial total, then above limit, with a nil
// error. Layers built to be counted so allocate little more than the file
// could fill, however many the header stacks.
func (c ModelConfig) ParamCountWithin(limit int64) (int64, error) {
	if err := c.Walk(func(LayerConfig) error { return nil }); err != nil {
		return 0, err
	}
	if c.Functional() {
		return c.graphParamCount(limit)
	}
	if err := checkShape("model", c.Name, c.Input); err != nil {
		if len(c.Input) == 1 {
			return 0, errors.Errorf("model %q: input width %d", c.Name, c.Input[0])
		}
		return 0, err
	}
	dt, err := c.dtype()
	if err != nil {
		return 0, err
	}
	var total int64
	shape := c.Input.Clone()
	for i, lc := range c.Layers {
		l, err := newLayer(lc)
		if err != nil {
			return 0, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		l.SetName(lc.Name)
		n, out, err := countParams(l, shape, dt)
		if err != nil {
			return 0, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		if n < 0 || Shape(out).Size() <= 0 {
			return 0, errors.Errorf("model %q: layer %d (%s) counts %d params and output shape %s", c.Name, i, lc.Type, n, ShapeString(out))
		}
		if total += n; total > maxParams {
			return 0, errors.Errorf("model %q: more than %d weights", c.Name, int64(maxParams))
		}
		if total > limit {
			return total, nil
		}
		shape = Shape(out).Clone()
	}
	return total, nil
}

// countParams asks l for its count, or builds it when it cannot say.
func countParams(l Layer, in Shape, dt tensor.Dtype) (int64, []int, error) {
	if pc, ok := l.(ParamCounter); ok {
		return pc.CountParams(in.Clone())
	}
	if in.Size() > maxCountByBuild {
		return 0, nil, errors.Errorf("%s %q: cannot count its params for %d inputs: the layer does not implement nn.ParamCounter, and it is built to be counted only up to %d inputs",
			l.Type(), l.Name(), in.Size(), maxCountByBuild)
	}
	out, err := l.Build(in.Clone(), dt, rand.New(rand.NewSource(0)))
	if err != nil {
		return 0, nil, err
	}
	var n int64
	for _, p := range l.Params() {
		if p != nil {
			n += int64(p.Size())
		}
	}
	return n, out, nil
}

// graphParamCount is ParamCountWithin for a functional description: the
// graph is laid (which checks its shapes without allocating), then each
// layer counts its params once, on its first call's shapes.
func (c ModelConfig) graphParamCount(limit int64) (int64, error) {
	dt, err := c.dtype()
	if err != nil {
		return 0, err
	}
	layers, err := c.layers()
	if err != nil {
		return 0, err
	}
	m, err := c.graph(layers)
	if err != nil {
		return 0, err
	}
	var total int64
	done := map[Layer]bool{}
	for _, n := range m.nodes {
		if done[n.layer] {
			continue
		}
		done[n.layer] = true
		in := make([]Shape, len(n.in))
		for i, t := range n.in {
			in[i] = t.shape
		}
		k, _, err := countParamsInputs(n.layer, in, dt)
		if err != nil {
			return 0, errors.Wrapf(err, "model %q", c.Name)
		}
		if k < 0 {
			return 0, errors.Errorf("model %q: %s counts %d params", c.Name, layerLabel(n.layer), k)
		}
		if total += k; total > maxParams {
			return 0, errors.Errorf("model %q: more than %d weights", c.Name, int64(maxParams))
		}
		if total > limit {
			return total, nil
		}
	}
	return total, nil
}

// MultiParamCounter is ParamCounter for a MultiLayer.
type MultiParamCounter interface {
	CountParamsInputs(in [][]int) (params int64, out []int, err error)
}

// countParamsInputs counts a call's layer's params for inputs of shapes in.
func countParamsInputs(l Layer, in []Shape, dt tensor.Dtype) (int64, []int, error) {
	_, ok := l.(MultiLayer)
	if !ok {
		if len(in) != 1 {
			return 0, nil, errors.Errorf("%s takes one input, got %d", layerLabel(l), len(in))
		}
		return countParams(l, in[0], dt)
	}
	shapes := make([][]int, len(in))
	for i, s := range in {
		shapes[i] = s.Clone()
	}
	if pc, ok := l.(MultiParamCounter); ok {
		return pc.CountParamsInputs(shapes)
	}
	// A layer of several inputs is built to be counted only through its
	// own counter: nothing bounds what building it on a file's shapes
	// would allocate.
	return 0, nil, errors.Errorf("%s: cannot count its params: the layer does not implement nn.MultiParamCounter", layerLabel(l))
}

// countable refuses to let a file's layer that cannot count its params be
// built on inputs larger than maxCountByBuild (Call works out its shape by
// building it).
func countable(l Layer, args []*Tensor) error {
	if _, ok := l.(ParamCounter); ok {
		return nil
	}
	if _, ok := l.(MultiParamCounter); ok {
		return nil
	}
	size := 0
	for _, t := range args {
		size += t.shape.Size()
	}
	if size > maxCountByBuild {
		return errors.Errorf("%s: cannot count its params for %d inputs: the layer does not implement nn.ParamCounter, and it is built to be counted only up to %d inputs",
			layerLabel(l), size, maxCountByBuild)
	}
	return nil
}
