package nn

import (
	"math/rand"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Layer is one stage of a Sequential model. Implement it to add a layer of
// your own; embed Named to get the name bookkeeping.
type Layer interface {
	// Name is the layer's unique name within its model ("dense_1").
	Name() string
	// SetName is called by Sequential to give unnamed layers Keras's names.
	SetName(string)
	// Type is the class name Summary prints ("Dense").
	Type() string
	// Build creates the layer's params for samples of shape in (without
	// the batch dimension: []int{784}, or []int{28, 28, 1} for an image,
	// channels last), of element type dt, drawing initial values from rng,
	// and returns the shape of each output sample. A flat width n is the
	// 1-D shape []int{n}. A shape the layer cannot take is an error naming
	// the layer.
	Build(in []int, dt tensor.Dtype, rng *rand.Rand) (out []int, err error)
	// Params lists the layer's params, trainable and not.
	Params() []*graph.Param
	// Forward adds the layer's nodes for input x to the builder's graph;
	// x has shape (batch, in...) for the shape Build was given.
	Forward(b *graph.Builder, x *G.Node) (*G.Node, error)
}

// Named holds a layer's name; embed it in a Layer implementation.
type Named struct{ name string }

// Name returns the name.
func (n *Named) Name() string { return n.name }

// SetName sets the name.
func (n *Named) SetName(s string) { n.name = s }

// WithName names l and returns it, so that a layer can be named where it is
// written (Keras's name= argument):
//
//	h := nn.Call(nn.WithName(nn.Dense(64, nn.ReLU), "encoder"), x)
func WithName[L Layer](l L, name string) L {
	l.SetName(name)
	return l
}
