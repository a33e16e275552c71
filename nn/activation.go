package nn

import (
	"math/rand"
	"sort"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Activation is an elementwise (or, for softmax, row-wise) function applied
// to a layer's output. The zero value is the identity.
type Activation struct {
	name  string
	apply func(b *graph.Builder, x *G.Node) (*G.Node, error)
}

// The activations Keras's tutorials use.
var (
	Linear  = Activation{name: "linear"}
	ReLU    = Activation{name: "relu", apply: relu}
	Sigmoid = Activation{name: "sigmoid", apply: sigmoid}
	Tanh    = Activation{name: "tanh", apply: tanh}
	Softmax = Activation{name: "softmax", apply: softmax}
	// LogSoftmaxActivation is log(softmax(x)) over each row (Keras's
	// "log_softmax"), the stable one-node graph.LogSoftmax: what a PyTorch
	// classifier ending in nn.LogSoftmax computes, as ONNX import maps it.
	// A cross-entropy loss on it takes it as the log-probabilities it is
	// (PyTorch's NLLLoss), not as probabilities to take the log of.
	LogSoftmaxActivation = Activation{name: "log_softmax", apply: logSoftmax}
	// ELU is x above 0 and exp(x) − 1 below (alpha 1, Keras's and
	// PyTorch's default).
	ELU = Activation{name: "elu", apply: elu}
)

var activations = map[string]Activation{
	"linear": Linear, "relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "softmax": Softmax,
	"log_softmax": LogSoftmaxActivation, "elu": ELU,
}

// ActivationByName returns the activation called name ("relu", "tanh", ...).
func ActivationByName(name string) (Activation, error) {
	a, ok := activations[strings.ToLower(name)]
	if !ok {
		names := make([]string, 0, len(activations))
		for n := range activations {
			names = append(names, n)
		}
		sort.Strings(names)
		return Activation{}, errors.Errorf("unknown activation %q (known: %s)", name, strings.Join(names, ", "))
	}
	return a, nil
}

// Name is the activation's Keras name; "linear" for the zero value.
func (a Activation) Name() string {
	if a.name == "" {
		return "linear"
	}
	return a.name
}

// Apply adds the activation of x to the builder's graph.
func (a Activation) Apply(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if a.apply == nil {
		return x, nil
	}
	y, err := a.apply(b, x)
	return y, errors.Wrapf(err, "activation %s", a.Name())
}

// relu is graph.ReLU (or its twin, x ⊙ [x > 0]), whose derivative at 0 is 0
// as in Keras and PyTorch; Gorgonia's Rectify gives 1 there.
func relu(b *graph.Builder, x *G.Node) (*G.Node, error) { return b.ReLU(x) }

func tanh(b *graph.Builder, x *G.Node) (*G.Node, error) { return G.Tanh(x) }

// sigmoid is graph.Sigmoid (or its twin): Gorgonia's Sigmoid rounds to
// exactly 1 from x = 15 in float32 and its derivative y(1 − y) is then 0.
func sigmoid(b *graph.Builder, x *G.Node) (*G.Node, error) { return b.Sigmoid(x) }

func logSoftmax(b *graph.Builder, x *G.Node) (*G.Node, error) {
	lp, err := b.LogSoftmax(x)
	if err != nil {
		return nil, err
	}
	b.NoteSoftmax(x, lp, lp) // its log-probabilities are itself
	return lp, nil
}

// elu is relu(x) + (exp(x − relu(x)) − 1): the exponential only sees
// x ≤ 0, so it never overflows, and above 0 the second term is exp(0) − 1,
// exactly 0, so x comes through unrounded (relu(x) + exp(...) − 1 in the
// other order would lose a small x to 1 + x − 1). The derivative is 1
// above 0 and exp(x) below; at 0, relu's 0 plus exp(0): 1, as PyTorch's.
func elu(b *graph.Builder, x *G.Node) (*G.Node, error) {
	r, err := b.ReLU(x)
	if err != nil {
		return nil, err
	}
	neg, err := G.Sub(x, r)
	if err != nil {
		return nil, err
	}
	e, err := G.Exp(neg)
	if err != nil {
		return nil, err
	}
	em1, err := G.Sub(e, b.Const(1))
	if err != nil {
		return nil, err
	}
	return G.Add(r, em1)
}

// softmax is exp(log-softmax(x)) (graph.Softmax, which takes the
// probabilities the log-softmax computed on the way, or its twin); the
// log-probabilities are left on the builder for the loss.
func softmax(b *graph.Builder, x *G.Node) (*G.Node, error) {
	lp, err := b.LogSoftmax(x)
	if err != nil {
		return nil, err
	}
	p, err := b.Softmax(lp)
	if err != nil {
		return nil, err
	}
	b.NoteSoftmax(x, lp, p)
	return p, nil
}

// ActivationLayer applies an activation as a layer of its own (Keras's
// Activation layer).
type ActivationLayer struct {
	Named
	Act Activation
	in  Shape
}

// Act returns a layer applying a.
func Act(a Activation) *ActivationLayer { return &ActivationLayer{Act: a} }

// Type implements Layer.
func (l *ActivationLayer) Type() string { return "Activation" }

// ActivationConfig is an Activation layer's settings as a saved model
// holds them: {"activation":"relu"}.
type ActivationConfig struct {
	Activation string `json:"activation,omitempty"` // an ActivationByName name; none is linear
}

func init() { mustRegister("Activation", activationFromConfig) }

// Config implements Configurer.
func (l *ActivationLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), ActivationConfig{Activation: l.Act.Name()})
}

func activationFromConfig(c ActivationConfig) (Layer, error) {
	a, err := layerActivation(c.Activation)
	if err != nil {
		return nil, err
	}
	return Act(a), nil
}

// Build implements Layer.
func (l *ActivationLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if err := checkShape("activation", l.Name(), in); err != nil {
		return nil, err
	}
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// CountParams implements ParamCounter; an activation has no params.
func (l *ActivationLayer) CountParams(in []int) (int64, []int, error) {
	return 0, Shape(in).Clone(), checkShape("activation", l.Name(), in)
}

// Params implements Layer; an activation has none.
func (l *ActivationLayer) Params() []*graph.Param { return nil }

// Forward implements Layer.
func (l *ActivationLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	y, err := l.Act.Apply(b, x)
	return y, errors.Wrapf(err, "activation %q", l.Name())
}
