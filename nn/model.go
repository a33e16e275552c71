package nn

import (
	"fmt"
	"math/rand"
	"slices"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Model is a graph of layer calls from one or more inputs to one or more
// outputs (Keras's Model). NewModel makes one from tensors (the functional
// API); Sequential makes the special case of a chain, whose graph is laid
// once its input shape is known (BuildShape). Both are built, trained,
// saved, summarised and drawn by the same code.
type Model struct {
	Name string
	// Layers are the model's distinct layers in the order of their first
	// call (a Sequential's as given); a layer called twice is listed once.
	Layers []Layer

	inputs     []*Tensor
	outputs    []*Tensor
	nodes      []*node // calls in a topological order
	functional bool    // made by NewModel rather than Sequential

	dtype tensor.Dtype
	fused bool // build graphs from the fused ops (see Fusion)
	built bool
}

// NewModel makes a model from its inputs (made by Input) and its outputs
// (made by calling layers on them), Keras's keras.Model(inputs, outputs).
// It checks the graph: every output must come from the inputs given and
// every input must lead to an output; two different layers may not share
// a name, and a layer called more than once must get inputs of the same
// shapes each time. Unnamed inputs and layers get Keras's names. The
// params are created by Init.
func NewModel(name string, inputs, outputs []*Tensor) (*Model, error) {
	m := &Model{Name: name, functional: true}
	if len(inputs) == 0 || len(outputs) == 0 {
		return nil, errors.Errorf("model %q: needs at least one input and one output, got %d and %d", name, len(inputs), len(outputs))
	}
	isInput := map[*Tensor]int{}
	for i, t := range inputs {
		switch {
		case t == nil:
			return nil, errors.Errorf("model %q: input %d is nil", name, i)
		case t.err != nil:
			return nil, errors.Wrapf(t.err, "model %q: input %d", name, i)
		case t.from != nil:
			return nil, errors.Errorf("model %q: input %d is the output of %s, not an Input", name, i, layerLabel(t.from.layer))
		}
		if _, dup := isInput[t]; dup {
			return nil, errors.Errorf("model %q: input %d is given twice", name, i)
		}
		isInput[t] = i
	}
	used := make([]bool, len(inputs))
	seen := map[*node]bool{}
	var nodes []*node
	for i, out := range outputs {
		if out == nil {
			return nil, errors.Errorf("model %q: output %d is nil", name, i)
		}
		if out.err != nil {
			return nil, errors.Wrapf(out.err, "model %q: output %d", name, i)
		}
		// Walk back from the output with an explicit stack: a deep graph
		// must not exhaust the goroutine's stack.
		stack := []*Tensor{out}
		for len(stack) > 0 {
			t := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if t.from == nil {
				j, ok := isInput[t]
				if !ok {
					return nil, errors.Errorf("model %q: output %d depends on input %q %s, which is not among the model's inputs",
						name, i, Printable(t.name), ShapeString(t.shape))
				}
				used[j] = true
				continue
			}
			if seen[t.from] {
				continue
			}
			seen[t.from] = true
			nodes = append(nodes, t.from)
			stack = append(stack, t.from.in...)
		}
	}
	for j, u := range used {
		if !u {
			return nil, errors.Errorf("model %q: input %d (%q %s) leads to no output", name, j, Printable(inputs[j].name), ShapeString(inputs[j].shape))
		}
	}
	slices.SortFunc(nodes, func(a, b *node) int { return cmpID(a.id, b.id) })
	m.inputs = append([]*Tensor(nil), inputs...)
	m.outputs = append([]*Tensor(nil), outputs...)
	m.nodes = nodes
	if err := m.index(); err != nil {
		return nil, err
	}
	return m, nil
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// index lists the distinct layers, names the unnamed ones and the unnamed
// inputs as Keras does, and checks that names are unique and that each
// layer is called on the same shapes every time.
func (m *Model) index() error {
	m.Layers = m.Layers[:0]
	first := map[Layer]*node{}
	taken := map[string]bool{}
	for _, t := range m.inputs {
		if t.name != "" {
			if taken[t.name] {
				return errors.Errorf("model %q: two inputs are named %q", m.Name, Printable(t.name))
			}
			taken[t.name] = true
		}
	}
	// The layers of a model called as a layer share the params' namespace
	// (a checkpoint names each param by its layer), so their names are
	// taken too.
	inner := map[string]string{}
	for _, n := range m.nodes {
		if ml, ok := n.layer.(*ModelLayer); ok {
			for _, nm := range ml.Model.layerNames() {
				inner[nm] = ml.Model.Name
				taken[nm] = true
			}
		}
	}
	for _, n := range m.nodes {
		f, ok := first[n.layer]
		if !ok {
			first[n.layer] = n
			m.Layers = append(m.Layers, n.layer)
			if nm := n.layer.Name(); nm != "" {
				if in, ok := inner[nm]; ok {
					return errors.Errorf("model %q: layer %q has the name of a layer of model %q, called in it", m.Name, Printable(nm), Printable(in))
				}
				if taken[nm] {
					return errors.Errorf("model %q: two layers or inputs are named %q", m.Name, Printable(nm))
				}
				taken[nm] = true
			}
			continue
		}
		if len(f.in) != len(n.in) {
			return errors.Errorf("model %q: %s is called on %d inputs, then on %d", m.Name, layerLabel(n.layer), len(f.in), len(n.in))
		}
		for i := range n.in {
			if !f.in[i].shape.Equal(n.in[i].shape) {
				return errors.Errorf("model %q: %s is called on %s, then on %s: a shared layer takes one shape",
					m.Name, layerLabel(n.layer), ShapeString(f.in[i].shape), ShapeString(n.in[i].shape))
			}
		}
	}
	count := map[string]int{}
	fresh := func(base string) string {
		for {
			nm := base
			if k := count[base]; k > 0 {
				nm = fmt.Sprintf("%s_%d", base, k)
			}
			count[base]++
			if !taken[nm] {
				taken[nm] = true
				return nm
			}
		}
	}
	for _, t := range m.inputs {
		if t.name == "" {
			t.name = fresh("input_layer")
		}
	}
	for _, l := range m.Layers {
		if l.Name() == "" {
			l.SetName(fresh(snake(l.Type())))
		}
	}
	return nil
}

// layerNames lists the names of the model's layers, those of models called
// as its layers included.
func (m *Model) layerNames() []string {
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.Name())
		if ml, ok := l.(*ModelLayer); ok {
			out = append(out, ml.Model.layerNames()...)
		}
	}
	return out
}

// Init creates every layer's params for the shapes the model's inputs
// declare, layer by layer in the order of their first call, drawing initial
// values from opt.Seed; initialising again starts over. A Sequential is
// initialised by Build or BuildShape instead, which know its input shape.
func (m *Model) Init(opt BuildOptions) error {
	if !m.functional {
		return errors.Errorf("model %q: a Sequential model learns its input shape from Build or BuildShape", m.Name)
	}
	return m.init(opt)
}

// init builds each layer once, on its first call's input shapes, and sets
// every call's output shape from what the layer built.
func (m *Model) init(opt BuildOptions) error {
	dt := opt.DType
	if dt == (tensor.Dtype{}) {
		dt = graph.Float32
	}
	fused, err := opt.Fusion.fused()
	if err != nil {
		return errors.Wrapf(err, "model %q", m.Name)
	}
	if err := m.initWith(dt, rand.New(rand.NewSource(opt.Seed))); err != nil {
		return err
	}
	m.fused = fused
	return nil
}

// initWith builds the layers with params of type dt drawn from rng.
func (m *Model) initWith(dt tensor.Dtype, rng *rand.Rand) error {
	out := map[Layer]Shape{}
	for _, n := range m.nodes {
		if s, ok := out[n.layer]; ok {
			n.out.shape = s.Clone()
			continue
		}
		in := make([]Shape, len(n.in))
		for i, t := range n.in {
			in[i] = t.shape
		}
		s, err := buildLayer(n.layer, in, dt, rng)
		if err != nil {
			return errors.Wrapf(err, "model %q: layer %d", m.Name, slices.Index(m.Layers, n.layer))
		}
		if err := checkShape(n.layer.Type(), n.layer.Name(), s); err != nil {
			return errors.Wrapf(err, "model %q: layer %d output", m.Name, slices.Index(m.Layers, n.layer))
		}
		if m.functional && !n.out.shape.Equal(s) {
			return errors.Errorf("model %q: %s built an output of shape %s, but its call said %s", m.Name, layerLabel(n.layer), ShapeString(s), ShapeString(n.out.shape))
		}
		out[n.layer] = Shape(s).Clone()
		n.out.shape = Shape(s).Clone()
	}
	m.dtype, m.built = dt, true
	return nil
}

// Functional reports whether the model was made by NewModel (from tensors)
// rather than by Sequential.
func (m *Model) Functional() bool { return m.functional }

// Fused reports whether the model's graphs use the fused ops (see Fusion).
func (m *Model) Fused() bool { return m.fused }

// SetFused switches between the fused ops and their twins for graphs built
// from now on; params are untouched, so a model can be compared both ways.
func (m *Model) SetFused(on bool) { m.fused = on }

// Built reports whether the params exist (Init, Build or BuildShape ran).
func (m *Model) Built() bool { return m.built }

// InputWidth is the number of features of one flat sample: the size of the
// input shape (784 for a 28×28×1 image), or for several inputs the sum of
// their sizes, the width of a row holding them one after another in the
// order of InputNames.
func (m *Model) InputWidth() int { return sumSizes(m.inputs) }

// OutputWidth is the width of one flat output row: the size of the output
// shape, or the sum of the outputs' sizes in the order of OutputNames.
func (m *Model) OutputWidth() int { return sumSizes(m.outputs) }

func sumSizes(ts []*Tensor) int {
	n := 0
	for _, t := range ts {
		n += t.shape.Size()
	}
	return n
}

// InputShape is the per-sample shape of the (first) input.
func (m *Model) InputShape() []int {
	if len(m.inputs) == 0 {
		return nil
	}
	return m.inputs[0].shape.Clone()
}

// OutputShape is the per-sample shape of the (first) output.
func (m *Model) OutputShape() []int {
	if len(m.outputs) == 0 {
		return nil
	}
	return m.outputs[0].shape.Clone()
}

// InputShapes are the per-sample shapes of the inputs, in order.
func (m *Model) InputShapes() [][]int { return shapesOf(m.inputs) }

// OutputShapes are the per-sample shapes of the outputs, in order.
func (m *Model) OutputShapes() [][]int { return shapesOf(m.outputs) }

func shapesOf(ts []*Tensor) [][]int {
	out := make([][]int, len(ts))
	for i, t := range ts {
		out[i] = t.shape.Clone()
	}
	return out
}

// InputNames are the inputs' names, in order.
func (m *Model) InputNames() []string {
	out := make([]string, len(m.inputs))
	for i, t := range m.inputs {
		out[i] = t.Name()
	}
	return out
}

// OutputNames name the outputs, in order, as Keras does: by the layer that
// makes each (History's keys "<name>_loss" for a model of several outputs).
func (m *Model) OutputNames() []string {
	out := make([]string, len(m.outputs))
	for i, t := range m.outputs {
		out[i] = t.Name()
	}
	return out
}

// DType is the element type the params were built with.
func (m *Model) DType() tensor.Dtype { return m.dtype }

// Params lists every param, layer by layer: the model's weights in Keras's
// get_weights order. A layer called twice contributes its params once.
func (m *Model) Params() []*graph.Param {
	var ps []*graph.Param
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Trainable lists the params that receive gradients.
func (m *Model) Trainable() []*graph.Param {
	var ps []*graph.Param
	for _, p := range m.Params() {
		if p.Trainable {
			ps = append(ps, p)
		}
	}
	return ps
}

// Forward adds the model to the builder's graph for input x, a batch of
// flat samples (batch, InputWidth), as data sources give them, or of
// samples of the input shape (batch, in...), and returns its output as
// flat rows (batch, OutputWidth). It is ForwardInputs for a model of one
// input and one output.
func (m *Model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if len(m.inputs) != 1 || len(m.outputs) != 1 {
		if !m.built {
			return nil, errors.Errorf("model %q: not built", m.Name)
		}
		return nil, errors.Errorf("model %q: has %d inputs and %d outputs; use ForwardInputs", m.Name, len(m.inputs), len(m.outputs))
	}
	outs, err := m.ForwardInputs(b, []*G.Node{x})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

// ForwardInputs adds the model to the builder's graph for one node per
// input, each a batch of flat samples (batch, size) or of samples of that
// input's shape (batch, shape...), and returns one node per output, as flat
// rows (batch, size): an N-d output is flattened row-major, channels last,
// so that losses and metrics see rows. Flat inputs are reshaped the same
// way (a 28×28×1 image's 784 pixels row by row).
func (m *Model) ForwardInputs(b *graph.Builder, xs []*G.Node) ([]*G.Node, error) {
	b.Fused = m.fused
	vals, err := m.forward(b, xs)
	if err != nil {
		return nil, err
	}
	return m.flatOutputs(vals)
}

// flatOutputs returns the outputs' nodes as flat rows.
func (m *Model) flatOutputs(vals map[*Tensor]*G.Node) ([]*G.Node, error) {
	var err error
	outs := make([]*G.Node, len(m.outputs))
	for i, t := range m.outputs {
		y := vals[t]
		if y.Dims() > 2 {
			if y, err = graph.Reshape(y, y.Shape()[0], t.shape.Size()); err != nil {
				return nil, errors.Wrapf(err, "model %q: output %d", m.Name, i)
			}
		}
		outs[i] = y
	}
	return outs, nil
}

// CallNode is one layer call's output node in a graph built by
// ForwardCalls: Call counts the layer's calls from 0 (a shared layer has
// several).
type CallNode struct {
	Layer Layer
	Call  int
	Node  *G.Node
}

// ForwardCalls is ForwardInputs that also returns every call's output node,
// in the model's call order, as the layers made them (not flattened), so
// that a caller can read any layer's activations.
func (m *Model) ForwardCalls(b *graph.Builder, xs []*G.Node) ([]*G.Node, []CallNode, error) {
	b.Fused = m.fused
	vals, err := m.forward(b, xs)
	if err != nil {
		return nil, nil, err
	}
	calls := make([]CallNode, len(m.nodes))
	count := map[Layer]int{}
	for i, n := range m.nodes {
		calls[i] = CallNode{Layer: n.layer, Call: count[n.layer], Node: vals[n.out]}
		count[n.layer]++
	}
	outs, err := m.flatOutputs(vals)
	return outs, calls, err
}

// forward adds every call's nodes and returns each tensor's node, the
// inputs' reshaped to their shapes and the outputs' as the layers made them.
// It builds with the builder's choice of ops (b.Fused), which ForwardInputs
// and ForwardCalls set to the model's; a model called as a layer inside
// another (ModelLayer) builds with the outer model's.
func (m *Model) forward(b *graph.Builder, xs []*G.Node) (map[*Tensor]*G.Node, error) {
	if !m.built {
		return nil, errors.Errorf("model %q: not built", m.Name)
	}
	if len(xs) != len(m.inputs) {
		return nil, errors.Errorf("model %q: got %d inputs, want %d (%v)", m.Name, len(xs), len(m.inputs), m.InputNames())
	}
	b.Logits, b.LogProbs, b.Probs = nil, nil, nil
	vals := make(map[*Tensor]*G.Node, len(m.nodes)+len(xs))
	for i, t := range m.inputs {
		x, err := m.shapeInput(i, t, xs[i])
		if err != nil {
			return nil, err
		}
		vals[t] = x
	}
	for _, n := range m.nodes {
		// A fresh slice per call: Gorgonia keeps a variadic op's argument
		// slice as the node's children (G.Concat does), so reusing one would
		// rewire earlier nodes.
		args := make([]*G.Node, len(n.in))
		for i, t := range n.in {
			args[i] = vals[t]
		}
		y, err := forwardLayer(n.layer, b, args)
		if err != nil {
			return nil, errors.Wrapf(err, "model %q", m.Name)
		}
		vals[n.out] = y
	}
	return vals, nil
}

// shapeInput checks input i's node and reshapes flat rows to its shape.
func (m *Model) shapeInput(i int, t *Tensor, x *G.Node) (*G.Node, error) {
	if x == nil {
		return nil, errors.Errorf("model %q: input %d is nil", m.Name, i)
	}
	in := t.shape
	shape := x.Shape()
	flat := len(shape) == 2 && shape[1] == in.Size()
	if !flat && (len(shape) < 1 || wantShape("model", m.Name, shape, in) != nil) {
		what := "input"
		if len(m.inputs) > 1 {
			what = fmt.Sprintf("input %q", Printable(t.name))
		}
		if len(in) == 1 {
			return nil, errors.Errorf("model %q: %s has shape %v, want (batch, %d)", m.Name, what, shape, in.Size())
		}
		return nil, errors.Errorf("model %q: %s has shape %v, want (batch, %d) or %s", m.Name, what, shape, in.Size(), ShapeString(in))
	}
	if flat && len(in) > 1 {
		y, err := graph.Reshape(x, batchShape(shape[0], in)...)
		return y, errors.Wrapf(err, "model %q: input", m.Name)
	}
	return x, nil
}

// ModelName returns m.Name (train.Model asks for it by this method, as a
// Go interface cannot ask for a field).
func (m *Model) ModelName() string { return m.Name }
