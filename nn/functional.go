package nn

import (
	"math/rand"
	"strings"
	"sync/atomic"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Tensor is a symbolic tensor of a functional model (Keras's KerasTensor):
// a model input made by Input, or the output of a layer called on tensors
// by Call. It knows its per-sample shape and the call that made it; it holds
// no values. A call that cannot be made (a shape a layer cannot take, a
// merge of different shapes) returns a Tensor carrying the error, and every
// tensor computed from it carries it too, so that a model can be written as
// a chain of calls and the first error surfaces once, from Err or NewModel.
type Tensor struct {
	id    uint64 // creation order: a call's inputs are older than its output
	name  string // an input's name; empty for a call's output
	shape Shape
	from  *node // the call that made it; nil for an input
	err   error
}

// node is one call of a layer on tensors.
type node struct {
	id    uint64
	layer Layer
	in    []*Tensor
	out   *Tensor
}

// ids numbers tensors and calls in creation order, which is a topological
// order of any graph made of them: a call's inputs exist before it.
var ids atomic.Uint64

// Input declares a model input of per-sample shape shape (without the
// batch dimension, channels last for images: Input("image", 28, 28, 1)),
// Keras's keras.Input(shape, name=name). An empty name gets Keras's
// "input_layer" (then _1, _2, ... within a model) when the model is made.
func Input(name string, shape ...int) *Tensor {
	t := &Tensor{id: ids.Add(1), name: name, shape: Shape(shape).Clone()}
	label := name
	if label == "" {
		label = "input_layer"
	}
	t.err = checkShape("input", label, t.shape)
	return t
}

// Shape is the tensor's per-sample shape (nil when Err is not).
func (t *Tensor) Shape() []int { return t.shape.Clone() }

// Err is the first error of the calls that led to t, or nil.
func (t *Tensor) Err() error { return t.err }

// Name is an input's name, or the name of the layer whose call made t (the
// layer's name may be given only when the model is made).
func (t *Tensor) Name() string {
	if t.from != nil {
		return t.from.layer.Name()
	}
	return t.name
}

// String prints the tensor as Keras does: <Tensor name=dense, shape=(None, 10)>;
// before the model names its layer, the layer's type stands in:
// <Tensor of Dense, shape=(None, 10)>.
func (t *Tensor) String() string {
	if t.err != nil {
		return "<Tensor error: " + t.err.Error() + ">"
	}
	if t.Name() == "" && t.from != nil {
		return "<Tensor of " + t.from.layer.Type() + ", shape=" + ShapeString(t.shape) + ">"
	}
	return "<Tensor name=" + Printable(t.Name()) + ", shape=" + ShapeString(t.shape) + ">"
}

// MultiLayer is a layer that takes several inputs: the merges (Add,
// Concatenate, ...) and a model called as a layer (Model.AsLayer). Call
// uses these methods, not Build and Forward, for any number of inputs.
type MultiLayer interface {
	Layer
	// OutputShape returns the per-sample output shape for inputs of
	// shapes in, or an error naming the layer and the shapes it cannot
	// take. It must not allocate params: Call uses it to check a model
	// while it is written.
	OutputShape(in [][]int) ([]int, error)
	// BuildInputs is Build for several inputs.
	BuildInputs(in [][]int, dt tensor.Dtype, rng *rand.Rand) ([]int, error)
	// ForwardInputs is Forward for several inputs, each of shape
	// (batch, in[i]...) for the shapes BuildInputs was given.
	ForwardInputs(b *graph.Builder, xs []*G.Node) (*G.Node, error)
}

// Call applies layer l to the tensors xs and returns its output (Keras's
// l(x), or l([a, b]) for a merge). Only a MultiLayer takes more than one
// input. The output shape is worked out at once, so a shape the layer
// cannot take is an error of this call, carried by the returned tensor (see
// Tensor); params are created later, by the model's Init or Build. Calling
// one layer on several tensors shares its weights between the calls.
func Call(l Layer, xs ...*Tensor) *Tensor {
	if l == nil {
		return &Tensor{err: errors.New("call: nil layer")}
	}
	label := layerLabel(l)
	if len(xs) == 0 {
		return &Tensor{err: errors.Errorf("call %s: no inputs", label)}
	}
	shapes := make([][]int, len(xs))
	for i, x := range xs {
		if x == nil {
			return &Tensor{err: errors.Errorf("call %s: input %d is nil", label, i)}
		}
		if x.err != nil {
			return &Tensor{err: x.err}
		}
		shapes[i] = x.shape.Clone()
	}
	out, err := inferShape(l, shapes)
	if err != nil {
		return &Tensor{err: errors.Wrapf(err, "call %s on %s", label, shapesString(shapes))}
	}
	if err := checkShape(l.Type(), l.Name(), out); err != nil {
		return &Tensor{err: errors.Wrapf(err, "call %s: output", label)}
	}
	n := &node{id: ids.Add(1), layer: l, in: append([]*Tensor(nil), xs...)}
	n.out = &Tensor{id: ids.Add(1), shape: Shape(out).Clone(), from: n}
	return n.out
}

// inferShape works out a call's output shape without keeping params: a
// MultiLayer says it, a layer with a ParamCounter counts it, and any other
// layer is built on throwaway params (it is built again by Init).
func inferShape(l Layer, in [][]int) ([]int, error) {
	if ml, ok := l.(MultiLayer); ok {
		return ml.OutputShape(in)
	}
	if len(in) != 1 {
		return nil, errors.Errorf("%s takes one input, got %d (only a merge or a model takes several)", l.Type(), len(in))
	}
	if pc, ok := l.(ParamCounter); ok {
		_, out, err := pc.CountParams(Shape(in[0]).Clone())
		return out, err
	}
	return l.Build(Shape(in[0]).Clone(), graph.Float32, rand.New(rand.NewSource(0)))
}

// buildLayer builds l for inputs of shapes in.
func buildLayer(l Layer, in []Shape, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if ml, ok := l.(MultiLayer); ok {
		shapes := make([][]int, len(in))
		for i, s := range in {
			shapes[i] = s.Clone()
		}
		return ml.BuildInputs(shapes, dt, rng)
	}
	if len(in) != 1 {
		return nil, errors.Errorf("%s %q takes one input, got %d", l.Type(), l.Name(), len(in))
	}
	return l.Build(in[0].Clone(), dt, rng)
}

// forwardLayer adds l's nodes for inputs xs.
func forwardLayer(l Layer, b *graph.Builder, xs []*G.Node) (*G.Node, error) {
	if ml, ok := l.(MultiLayer); ok {
		return ml.ForwardInputs(b, xs)
	}
	if len(xs) != 1 {
		return nil, errors.Errorf("%s %q takes one input, got %d", l.Type(), l.Name(), len(xs))
	}
	return l.Forward(b, xs[0])
}

// layerLabel names a layer in an error: its type and name, or its type
// alone before the model names it.
func layerLabel(l Layer) string {
	if l.Name() == "" {
		return l.Type()
	}
	return strings.ToLower(l.Type()) + " " + quote(l.Name())
}

func quote(s string) string { return `"` + Printable(s) + `"` }

// shapesString prints input shapes: (None, 16) and (None, 32).
func shapesString(in [][]int) string {
	parts := make([]string, len(in))
	for i, s := range in {
		parts[i] = ShapeString(s)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
