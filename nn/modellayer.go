package nn

import (
	"encoding/json"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// ModelLayer is a model called as a layer of another (Keras's calling a
// Model on tensors): its layers, and so its weights, are shared with the
// model itself, as when a trained encoder is reused inside a bigger model.
type ModelLayer struct {
	Named
	Model *Model

	// file is the description the layer was read from, while the model
	// is unbuilt: it counts the params without building them.
	file *ModelConfig
}

// AsLayer returns the model as a layer named after it, to call with Call
// on tensors of its inputs' shapes; it must have one output. A Sequential
// model must be built first, so that its input shape is known. Building
// the outer model builds this one only if it is not built yet: a built
// model keeps its weights, shared with the outer one.
func (m *Model) AsLayer() *ModelLayer {
	l := &ModelLayer{Model: m}
	l.SetName(m.Name)
	return l
}

// Type implements Layer: "Functional" or "Sequential", as Keras's summary
// names a nested model.
func (l *ModelLayer) Type() string {
	if l.Model.functional {
		return "Functional"
	}
	return "Sequential"
}

// Params implements Layer: the model's.
func (l *ModelLayer) Params() []*graph.Param { return l.Model.Params() }

// Build implements Layer for one input.
func (l *ModelLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	return l.BuildInputs([][]int{in}, dt, rng)
}

// Forward implements Layer for one input.
func (l *ModelLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return l.ForwardInputs(b, []*G.Node{x})
}

// OutputShape implements MultiLayer.
func (l *ModelLayer) OutputShape(in [][]int) ([]int, error) {
	m := l.Model
	label := "model " + quote(m.Name)
	if len(m.inputs) == 0 {
		return nil, errors.Errorf("%s: a Sequential model called as a layer must be built first", label)
	}
	if len(m.outputs) != 1 {
		return nil, errors.Errorf("%s: has %d outputs; a model called as a layer must have one", label, len(m.outputs))
	}
	if len(in) != len(m.inputs) {
		return nil, errors.Errorf("%s: called on %d inputs, it takes %d", label, len(in), len(m.inputs))
	}
	for i, s := range in {
		if !Shape(s).Equal(m.inputs[i].shape) {
			return nil, errors.Errorf("%s: input %d has shape %s, the model takes %s", label, i, ShapeString(s), ShapeString(m.inputs[i].shape))
		}
	}
	return m.outputs[0].shape.Clone(), nil
}

// CountParamsInputs implements MultiParamCounter.
func (l *ModelLayer) CountParamsInputs(in [][]int) (int64, []int, error) {
	out, err := l.OutputShape(in)
	if err != nil {
		return 0, nil, err
	}
	if l.file != nil && !l.Model.built {
		n, err := l.file.ParamCount()
		return n, out, err
	}
	var n int64
	for _, p := range l.Model.Params() {
		n += int64(p.Size())
	}
	return n, out, nil
}

// NestedModelConfig is a model called as a layer, as a saved model holds
// it: the model's own description (a ModelConfig in JSON). It stays raw
// until the layer is made, so that reading a file decodes each level of
// nesting once, and ModelConfig.Walk can refuse a file nested deeper than
// MaxModelNesting before decoding the levels below.
type NestedModelConfig struct {
	Model json.RawMessage `json:"model"`
}

// MaxModelNesting is the deepest a file may nest models called as layers.
const MaxModelNesting = 16

// decode reads the nested model's description, strictly.
func (c NestedModelConfig) decode() (ModelConfig, error) {
	var mc ModelConfig
	if len(c.Model) == 0 {
		return mc, errors.New("no model")
	}
	if err := decodeStrict(c.Model, &mc); err != nil {
		return mc, errors.Wrap(err, "model")
	}
	return mc, nil
}

// Config implements Configurer: the model's description. A model that
// cannot describe itself (a layer without Configurer) leaves the config
// unencodable, so that saving fails with the reason.
func (l *ModelLayer) Config() LayerConfig {
	mc, err := l.Model.Config()
	if err != nil {
		return NewLayerConfig(l.Type(), l.Name(), unencodable{})
	}
	raw, err := json.Marshal(mc)
	if err != nil {
		return NewLayerConfig(l.Type(), l.Name(), unencodable{})
	}
	return NewLayerConfig(l.Type(), l.Name(), NestedModelConfig{Model: raw})
}

// unencodable fails JSON encoding, carrying no settings.
type unencodable struct{}

func (unencodable) MarshalJSON() ([]byte, error) {
	return nil, errors.New("the model called as a layer cannot describe itself")
}

func init() {
	for _, typ := range []string{"Functional", "Sequential"} {
		mustRegister(typ, func(c NestedModelConfig) (Layer, error) {
			mc, err := c.decode()
			if err != nil {
				return nil, err
			}
			if mc.Functional() != (typ == "Functional") {
				return nil, errors.Errorf("a %s layer describes a model of the other kind", typ)
			}
			m, err := mc.unbuilt()
			if err != nil {
				return nil, err
			}
			l := m.AsLayer()
			l.file = &mc
			return l, nil
		})
	}
}

// BuildInputs implements MultiLayer: it builds the model's layers unless
// the model is built already (its weights are then shared).
func (l *ModelLayer) BuildInputs(in [][]int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	out, err := l.OutputShape(in)
	if err != nil {
		return nil, err
	}
	m := l.Model
	if m.built && m.dtype != dt {
		return nil, errors.Errorf("model %q: built with %v weights, called in a %v model", m.Name, m.dtype, dt)
	}
	if !m.built {
		if err := m.initWith(dt, rng); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ForwardInputs implements MultiLayer: the model's graph on xs, its output
// in its own shape (not flattened).
func (l *ModelLayer) ForwardInputs(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
	m := l.Model
	vals, err := m.forward(b, xs) // with the outer model's choice of ops
	if err != nil {
		return nil, err
	}
	return vals[m.outputs[0]], nil
}
