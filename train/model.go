package train

import (
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// Model is what a Trainer needs of a model: its name, the names and
// per-sample shapes of its inputs and outputs, its element type, its
// weights, and a way to add its computation to a graph being built. A
// *nn.Model (Sequential or functional) is one; so is any type of a user's
// that writes its forward pass with Gorgonia directly, as long as its
// weights are graph.Params (ExampleCompile_customModel).
//
// The trainer asks more of a model through optional interfaces, and
// says so by name when a model lacks one: Buildable (Fit builds the
// weights of an unbuilt model for the first data it sees), Regularized
// (weight penalties added to the loss), Configured (Save, Clone and
// checkpoints need the architecture as an nn.ModelConfig) and Fusable
// (the fused ops or their twins). Activations needs a *nn.Model, whose
// layer calls it walks.
type Model interface {
	// ModelName names the model in errors, logs and reports.
	ModelName() string
	// InputNames and InputShapes give the model's inputs in order, each
	// shape per sample (the batch dimension left out). A data source's
	// rows hold the inputs' features one input after another.
	InputNames() []string
	InputShapes() [][]int
	// OutputNames and OutputShapes give the model's outputs likewise.
	OutputNames() []string
	OutputShapes() [][]int
	// DType is the element type of the weights and of every graph built
	// for the model (tensor.Float32 or tensor.Float64).
	DType() tensor.Dtype
	// Params are every weight the model holds (checkpoints save them all,
	// BatchNorm's moving statistics included); Trainable are those the
	// optimiser updates.
	Params() []*graph.Param
	Trainable() []*graph.Param
	// ForwardInputs adds the model to b: xs are the inputs as b's nodes,
	// one per input, each of shape [batch, its per-sample size] (flat
	// rows); it returns one node per output, each [batch, its size]. b's
	// Training flag says whether the graph trains (Dropout active, BatchNorm
	// on batch statistics) or infers.
	ForwardInputs(b *graph.Builder, xs []*G.Node) ([]*G.Node, error)
}

// Buildable is a Model whose weights can be created for the data it is
// given: Fit builds an unbuilt model for its training data's sample shape,
// as Keras builds a model on the first batch it sees.
type Buildable interface {
	Model
	Built() bool
	// BuildShape creates the weights for samples of the given shape.
	BuildShape(in []int, opt nn.BuildOptions) error
	// Build creates them for flat samples of in features.
	Build(in int, opt nn.BuildOptions) error
}

// Regularized is a Model with weight penalties (Keras's model.losses):
// Penalty adds their sum to b, or returns nil when there are none. The
// trainer adds it to the loss of training and evaluation graphs alike.
type Regularized interface {
	Penalty(b *graph.Builder) (*G.Node, error)
}

// Configured is a Model that can describe its architecture, so that a
// checkpoint can hold it and Load can rebuild the model (nn.FromConfig).
type Configured interface {
	Config() (nn.ModelConfig, error)
}

// Fusable is a Model whose graphs may be built from gradgraph's fused ops
// or their plain-Gorgonia twins (nn.Fusion).
type Fusable interface {
	Fused() bool
	SetFused(on bool)
}

// Compile-time checks that *nn.Model is everything the trainer may ask.
var (
	_ Buildable   = (*nn.Model)(nil)
	_ Regularized = (*nn.Model)(nil)
	_ Configured  = (*nn.Model)(nil)
	_ Fusable     = (*nn.Model)(nil)
)

// NN returns the trainer's model as a *nn.Model, or nil when it is a model
// of another type: the layers, Summary and the diagram are nn's.
func (t *Trainer) NN() *nn.Model {
	m, _ := t.Model.(*nn.Model)
	return m
}

// built reports whether m's weights exist: a model that cannot be built
// by the trainer is taken to come with its weights.
func built(m Model) bool {
	if b, ok := m.(Buildable); ok {
		return b.Built()
	}
	return true
}

// inputWidth is the number of features in one row of m's data: the sizes
// of its inputs' shapes, summed.
func inputWidth(m Model) int { return sumSizes(m.InputShapes()) }

// outputWidth is the number of values one sample's outputs take.
func outputWidth(m Model) int { return sumSizes(m.OutputShapes()) }

func sumSizes(shapes [][]int) int {
	n := 0
	for _, s := range shapes {
		n += nn.Shape(s).Size()
	}
	return n
}
