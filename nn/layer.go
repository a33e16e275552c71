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
	// Build creates the layer's params for inputs of in features, of element
	// type dt, drawing initial values from rng, and returns the output width.
	Build(in int, dt tensor.Dtype, rng *rand.Rand) (out int, err error)
	// Params lists the layer's params, trainable and not.
	Params() []*graph.Param
	// Forward adds the layer's nodes for input x to the builder's graph.
	Forward(b *graph.Builder, x *G.Node) (*G.Node, error)
}

// Named holds a layer's name; embed it in a Layer implementation.
type Named struct{ name string }

// Name returns the name.
func (n *Named) Name() string { return n.name }

// SetName sets the name.
func (n *Named) SetName(s string) { n.name = s }
