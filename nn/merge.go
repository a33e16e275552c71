package nn

import (
	"math/rand"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// MergeLayer combines several tensors into one (Keras's merging layers):
// Add, Subtract, Multiply, Average and Maximum act elementwise on inputs of
// one shape; Concatenate joins inputs along an axis. A merge has no params;
// its graph is Gorgonia's primitives, differentiated by gorgonia.Grad.
type MergeLayer struct {
	Named
	kind string
	// Axis is Concatenate's axis, counted as Keras counts it: on the batch
	// tensor, so 1 is the first per-sample axis and −1 the last.
	Axis int

	in  []Shape
	out Shape
}

// Add sums its inputs elementwise (keras.layers.Add).
func Add() *MergeLayer { return &MergeLayer{kind: "Add"} }

// Subtract takes its second input from its first (keras.layers.Subtract);
// it takes exactly two.
func Subtract() *MergeLayer { return &MergeLayer{kind: "Subtract"} }

// Multiply multiplies its inputs elementwise (keras.layers.Multiply).
func Multiply() *MergeLayer { return &MergeLayer{kind: "Multiply"} }

// Average averages its inputs elementwise: their sum divided by their
// number, as Keras computes it (keras.layers.Average).
func Average() *MergeLayer { return &MergeLayer{kind: "Average"} }

// Maximum takes the elementwise maximum of its inputs
// (keras.layers.Maximum); where inputs tie, the gradient goes to the first.
func Maximum() *MergeLayer { return &MergeLayer{kind: "Maximum"} }

// Concatenate joins its inputs along axis (keras.layers.Concatenate(axis));
// −1, Keras's default, is the last axis (the channels of an image). Every
// other axis must agree.
func Concatenate(axis int) *MergeLayer { return &MergeLayer{kind: "Concatenate", Axis: axis} }

// mergeKinds are the merge layers' types, for the registry.
var mergeKinds = []string{"Add", "Subtract", "Multiply", "Average", "Maximum", "Concatenate"}

// Type implements Layer.
func (l *MergeLayer) Type() string { return l.kind }

// Params implements Layer; a merge has none.
func (l *MergeLayer) Params() []*graph.Param { return nil }

// Build implements Layer: a merge cannot take one input.
func (l *MergeLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	return l.BuildInputs([][]int{in}, dt, rng)
}

// Forward implements Layer: a merge cannot take one input.
func (l *MergeLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	return l.ForwardInputs(b, []*G.Node{x})
}

// CountParamsInputs implements MultiParamCounter: no params.
func (l *MergeLayer) CountParamsInputs(in [][]int) (int64, []int, error) {
	out, err := l.OutputShape(in)
	return 0, out, err
}

// OutputShape implements MultiLayer.
func (l *MergeLayer) OutputShape(in [][]int) ([]int, error) {
	label := l.label()
	switch {
	case l.kind == "Subtract" && len(in) != 2:
		return nil, errors.Errorf("%s: takes exactly 2 inputs, got %d", label, len(in))
	case len(in) < 2:
		return nil, errors.Errorf("%s: takes at least 2 inputs, got %d", label, len(in))
	}
	for i, s := range in {
		if err := checkShape(strings.ToLower(l.kind), l.Name(), s); err != nil {
			return nil, errors.Wrapf(err, "input %d", i)
		}
	}
	if l.kind != "Concatenate" {
		for i := 1; i < len(in); i++ {
			if !Shape(in[i]).Equal(in[0]) {
				return nil, errors.Errorf("%s: input %d has shape %s, input 0 %s; %s needs inputs of one shape",
					label, i, ShapeString(in[i]), ShapeString(in[0]), l.kind)
			}
		}
		return Shape(in[0]).Clone(), nil
	}
	ax, err := l.axis(len(in[0]))
	if err != nil {
		return nil, err
	}
	out := Shape(in[0]).Clone()
	for i := 1; i < len(in); i++ {
		s := in[i]
		ok := len(s) == len(out)
		for d := 0; ok && d < len(s); d++ {
			ok = d == ax || s[d] == out[d]
		}
		if !ok {
			return nil, errors.Errorf("%s: input %d has shape %s, input 0 %s; they must agree on every axis but %d",
				label, i, ShapeString(s), ShapeString(in[0]), l.Axis)
		}
		if out[ax] += s[ax]; out[ax] > maxParams {
			return nil, errors.Errorf("%s: concatenated axis too long", label)
		}
	}
	return out, nil
}

// axis turns Keras's axis into a per-sample axis for samples of rank r.
func (l *MergeLayer) axis(r int) (int, error) {
	a := l.Axis
	if a < 0 {
		a += r + 1
	}
	if a < 1 || a > r {
		return 0, errors.Errorf("%s: axis %d is out of range for inputs of %d per-sample axes (1..%d, or −1 for the last; 0 is the batch)",
			l.label(), l.Axis, r, r)
	}
	return a - 1, nil
}

func (l *MergeLayer) label() string { return layerLabel(l) }

// BuildInputs implements MultiLayer.
func (l *MergeLayer) BuildInputs(in [][]int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	out, err := l.OutputShape(in)
	if err != nil {
		return nil, err
	}
	l.in = make([]Shape, len(in))
	for i, s := range in {
		l.in[i] = Shape(s).Clone()
	}
	l.out = Shape(out).Clone()
	return out, nil
}

// ForwardInputs implements MultiLayer.
func (l *MergeLayer) ForwardInputs(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
	if l.out == nil {
		return nil, errors.Errorf("%s: not built", l.label())
	}
	if len(xs) != len(l.in) {
		return nil, errors.Errorf("%s: got %d inputs, built for %d", l.label(), len(xs), len(l.in))
	}
	for i, x := range xs {
		if err := wantShape(strings.ToLower(l.kind), l.Name(), x.Shape(), l.in[i]); err != nil {
			return nil, errors.Wrapf(err, "input %d", i)
		}
	}
	y, err := l.merge(b, xs)
	return y, errors.Wrap(err, l.label())
}

func (l *MergeLayer) merge(b *graph.Builder, xs []*G.Node) (*G.Node, error) {
	if l.kind == "Concatenate" {
		ax, err := l.axis(len(l.in[0]))
		if err != nil {
			return nil, err
		}
		return G.Concat(ax+1, xs...)
	}
	var err error
	y := xs[0]
	for _, x := range xs[1:] {
		switch l.kind {
		case "Add", "Average":
			y, err = G.Add(y, x)
		case "Subtract":
			y, err = G.Sub(y, x)
		case "Multiply":
			y, err = G.HadamardProd(y, x)
		case "Maximum":
			y, err = graph.Maximum(y, x)
		default:
			return nil, errors.Errorf("unknown merge %q", l.kind)
		}
		if err != nil {
			return nil, err
		}
	}
	if l.kind == "Average" {
		return G.Div(y, b.Const(float64(len(xs))))
	}
	return y, nil
}

// MergeConfig is a merge's settings as a saved model holds them: the axis,
// for Concatenate only (an elementwise merge has none, and a file giving
// one is refused).
type MergeConfig struct {
	Axis *int `json:"axis,omitempty"`
}

// Config implements Configurer.
func (l *MergeLayer) Config() LayerConfig {
	var c MergeConfig
	if l.kind == "Concatenate" {
		axis := l.Axis
		c.Axis = &axis
	}
	return NewLayerConfig(l.kind, l.Name(), c)
}

func init() {
	for _, kind := range mergeKinds {
		mustRegister(kind, func(c MergeConfig) (Layer, error) {
			l := &MergeLayer{kind: kind}
			switch {
			case kind != "Concatenate" && c.Axis != nil:
				return nil, errors.Errorf("%s takes no axis", kind)
			case kind == "Concatenate" && c.Axis == nil:
				return nil, errors.New("concatenate: no axis")
			case kind == "Concatenate":
				if *c.Axis > MaxRank || *c.Axis < -MaxRank-1 {
					return nil, errors.Errorf("concatenate: axis %d is not an axis", *c.Axis)
				}
				l.Axis = *c.Axis
			}
			return l, nil
		})
	}
}
