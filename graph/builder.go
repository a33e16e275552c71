package graph

import (
	"fmt"
	"math/rand"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Builder is a graph under construction for one batch size and one mode.
// Layers add their nodes to G and ask the builder for their params' nodes,
// for per-step feeds and for values to observe after a run.
type Builder struct {
	G        *G.ExprGraph
	DType    tensor.Dtype
	Batch    int
	Training bool

	// Fused chooses how the Builder's op methods (Dense, LogSoftmax,
	// Softmax, CrossEntropy, Sigmoid, Conv2D, MaxPool2D, GlobalAvgPool2D,
	// GlobalMaxPool2D, BatchNorm, Dropout) build their nodes: as
	// gradgraph's fused ops with hand-derived gradients (true), or as their
	// twins composed of Gorgonia primitives, differentiated by
	// gorgonia.Grad alone (false). Both give the same numbers to rounding;
	// the parity tests check it op by op. NewBuilder sets the program's
	// default (FusionFromEnv, read once); nn's Model sets its own choice
	// (BuildOptions.Fusion) on the builders its graphs are built on. Only
	// fusedOr (fusion.go) reads it.
	Fused bool

	// Logits and LogProbs are set by a softmax output: the pre-softmax node
	// and the log-softmax node computed stably from it, and the probabilities. A cross-entropy loss
	// uses LogProbs instead of taking the log of probabilities, which
	// underflows in float32.
	Logits, LogProbs, Probs *G.Node
	// softmaxes maps every softmax output of the graph to its
	// log-probabilities (a model of several outputs has several).
	softmaxes map[*G.Node]*G.Node

	paramNodes map[*Param]*G.Node
	params     []*Param
	inputs     []*Input
	feeds      []*feed
	observers  []*observer
	compiled   bool // Compile ran: a graph is differentiated once
}

// Input is a graph input that the caller fills before each run (the data
// batch, the targets). Its tensor is allocated once and reused every step.
type Input struct {
	Node   *G.Node
	Tensor *tensor.Dense
}

type feed struct {
	in     *Input
	fill   func(rng *rand.Rand, dst []float32) // from Feed, or nil
	fill64 func(rng *rand.Rand, dst []float64) // from Feed64, or nil
	tmp    []float32                           // Feed's staging in float64 graphs
	tmp64  []float64                           // Feed64's staging in float32 graphs
}

// fillInput writes the feed's values for one run into its input, rounding
// once where the fill's type is not the graph's.
func (f *feed) fillInput(rng *rand.Rand) {
	switch d := f.in.Tensor.Data().(type) {
	case []float32:
		if f.fill != nil {
			f.fill(rng, d)
			return
		}
		f.fill64(rng, f.tmp64)
		for i, v := range f.tmp64 {
			d[i] = float32(v)
		}
	case []float64:
		if f.fill64 != nil {
			f.fill64(rng, d)
			return
		}
		f.fill(rng, f.tmp)
		for i, v := range f.tmp {
			d[i] = float64(v)
		}
	}
}

type observer struct {
	node *G.Node
	what string
	fn   func(v *tensor.Dense) error
	val  G.Value
}

// NewBuilder starts a graph of the given element type for batches of the
// given size.
func NewBuilder(dt tensor.Dtype, batch int, training bool) (*Builder, error) {
	if dt != Float32 && dt != Float64 {
		return nil, errors.Errorf("graph: unsupported dtype %v, want float32 or float64", dt)
	}
	if batch <= 0 {
		return nil, errors.Errorf("graph: batch size must be positive, got %d", batch)
	}
	fused, err := FusionFromEnv() // the environment read once per process
	if err != nil {
		return nil, errors.Wrap(err, "graph")
	}
	return &Builder{
		Fused:      fused,
		G:          G.NewGraph(),
		DType:      dt,
		Batch:      batch,
		Training:   training,
		paramNodes: map[*Param]*G.Node{},
		softmaxes:  map[*G.Node]*G.Node{},
	}, nil
}

// Param returns the node bound to p in this graph, creating it on first use.
// The node shares p's tensor, so updates to p are seen by every graph.
func (b *Builder) Param(p *Param) (*G.Node, error) {
	if err := needBuilder("graph: param", b); err != nil {
		return nil, err
	}
	if p == nil {
		return nil, errors.New("graph: the param is nil")
	}
	if n, ok := b.paramNodes[p]; ok {
		return n, nil
	}
	if p.DType() != b.DType {
		return nil, errors.Errorf("param %q is %v, graph is %v", p.Name, p.DType(), b.DType)
	}
	n := G.NewTensor(b.G, b.DType, p.Value.Dims(), G.WithShape(p.Shape()...), G.WithName(p.Name), G.WithValue(p.Value))
	b.paramNodes[p] = n
	b.params = append(b.params, p)
	return n, nil
}

// Params lists the params this graph uses, in the order they were first asked for.
func (b *Builder) Params() []*Param { return append([]*Param(nil), b.params...) }

// Input adds an input of the given shape, bound to a tensor allocated once.
func (b *Builder) Input(name string, shape ...int) *Input {
	t := tensor.New(tensor.Of(b.DType), tensor.WithShape(shape...))
	n := G.NewTensor(b.G, b.DType, len(shape), G.WithShape(shape...), G.WithName(name), G.WithValue(t))
	in := &Input{Node: n, Tensor: t}
	b.inputs = append(b.inputs, in)
	return in
}

// Feed adds an input that the machine fills before every run by calling fill
// with the run's generator: dropout masks are feeds. fill writes
// shape-product float32 values into dst; a float64 graph gets them
// converted, which is exact. Feed64 is for values that need float64.
func (b *Builder) Feed(name string, fill func(rng *rand.Rand, dst []float32), shape ...int) *G.Node {
	in := b.Input(name, shape...)
	f := &feed{in: in, fill: fill}
	if b.DType == Float64 {
		f.tmp = make([]float32, in.Tensor.Shape().TotalSize())
	}
	b.feeds = append(b.feeds, f)
	return in.Node
}

// Feed64 is Feed with a fill that writes float64 values: a float64 graph
// gets them as they are (a dropout scale 1/(1−rate) must not pass through
// float32 there), a float32 graph gets each rounded once.
func (b *Builder) Feed64(name string, fill func(rng *rand.Rand, dst []float64), shape ...int) *G.Node {
	in := b.Input(name, shape...)
	f := &feed{in: in, fill64: fill}
	if b.DType == Float32 {
		f.tmp64 = make([]float64, in.Tensor.Shape().TotalSize())
	}
	b.feeds = append(b.feeds, f)
	return in.Node
}

// Observe asks the machine to copy n's value during each run and pass it to
// fn when the run is committed (Machine.Commit); BatchNorm uses it to fold
// batch statistics into its moving averages once a training step is
// accepted. what names the value in errors (Machine.ObservedFinite).
func (b *Builder) Observe(n *G.Node, what string, fn func(v *tensor.Dense) error) {
	b.observers = append(b.observers, &observer{node: n, what: what, fn: fn})
}

// Const returns a scalar constant of the graph's element type. A bare Go
// float would be float64 and fail to unify with float32 nodes.
func (b *Builder) Const(x float64) *G.Node {
	if b.DType == Float32 {
		return G.NewConstant(float32(x))
	}
	return G.NewConstant(x)
}

// Set copies float32 values into an input, converting for float64 graphs.
func (in *Input) Set(v []float32) error {
	switch d := in.Tensor.Data().(type) {
	case []float32:
		if len(v) != len(d) {
			return errors.Errorf("input %q: got %d values, want %d", in.Node.Name(), len(v), len(d))
		}
		copy(d, v)
	case []float64:
		if len(v) != len(d) {
			return errors.Errorf("input %q: got %d values, want %d", in.Node.Name(), len(v), len(d))
		}
		for i, x := range v {
			d[i] = float64(x)
		}
	}
	return nil
}

// Float32s returns the input's backing slice when the graph is float32, so a
// data source can write a batch straight into it; nil otherwise.
func (in *Input) Float32s() []float32 {
	d, _ := in.Tensor.Data().([]float32)
	return d
}

// IsData reports whether n is one of the builder's inputs (data, targets,
// feeds): values fed in, not computed, whose gradients no one asks for.
// Layers use it to leave the input-gradient product out of the graph.
func (b *Builder) IsData(n *G.Node) bool {
	for _, in := range b.inputs {
		if in.Node == n {
			return true
		}
	}
	return false
}

// FromData reports whether n is data or is computed from data and
// constants alone: no trainable param lies below it in the graph, so no
// gradient that training asks for (it differentiates the trainable params)
// passes through n. Layers use it to leave the input-gradient product out
// of the graph: a model's first layer gets data directly, reshaped, or
// behind preprocessing layers (Rescaling's x·scale, Normalization's
// (x − mean)/std with its non-trainable statistics, the random
// augmentations), and computing its input gradient there is work whose
// result nothing reads.
func (b *Builder) FromData(n *G.Node) bool {
	if n == nil {
		return false // no node: the op it is passed to refuses it (needNodes)
	}
	trainable := make(map[*G.Node]bool, len(b.paramNodes))
	for p, pn := range b.paramNodes {
		if p.Trainable {
			trainable[pn] = true
		}
	}
	seen := map[int64]bool{}
	for stack := []*G.Node{n}; len(stack) > 0; {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if trainable[x] {
			return false
		}
		if seen[x.ID()] || b.IsData(x) {
			continue
		}
		seen[x.ID()] = true
		for it := b.G.From(x.ID()); it.Next(); {
			c, ok := it.Node().(*G.Node)
			if !ok {
				return false
			}
			stack = append(stack, c)
		}
	}
	return true
}

// NoteSoftmax records that probs is the softmax of logits, whose
// log-softmax is logProbs: it sets Logits, LogProbs and Probs, and
// remembers the pair for LogProbsOf.
func (b *Builder) NoteSoftmax(logits, logProbs, probs *G.Node) {
	b.Logits, b.LogProbs, b.Probs = logits, logProbs, probs
	if probs == nil {
		return // else LogProbsOf(nil) would answer with a node
	}
	if b.softmaxes == nil {
		b.softmaxes = map[*G.Node]*G.Node{}
	}
	b.softmaxes[probs] = logProbs
}

// LogProbsOf returns the log-probabilities of a softmax output noted by
// NoteSoftmax, or nil when probs is no softmax's output: a loss on the
// probabilities then uses the log-softmax itself, exact where the log of a
// float32 probability would be −Inf.
func (b *Builder) LogProbsOf(probs *G.Node) *G.Node { return b.softmaxes[probs] }

// needNodes returns an error naming what and the first of ns that is nil,
// by its name in names (space-separated, one per node): "dense: w is nil".
// A nil node is what a caller passes on from a call whose error it
// ignored, and its first method call would panic, in Gorgonia or here, so
// every exported function of this package that takes nodes checks them
// before it touches any (TestNilNodes).
func needNodes(what, names string, ns ...*G.Node) error {
	fields := strings.Fields(names)
	for i, n := range ns {
		if n != nil {
			continue
		}
		name := fmt.Sprintf("node %d", i+1)
		if i < len(fields) {
			name = fields[i]
		}
		return errors.Errorf("%s: %s is nil", what, name)
	}
	return nil
}

// needBuilder returns an error naming what when b is nil: "dense twin:
// the builder is nil". Every twin and Builder op method calls it before
// it touches b (b.Const, b.Fused, b.Param), as needNodes guards the nodes;
// a twin refuses a nil builder even where it happens not to use it, so
// that the contract does not hang on an argument such as relu
// (TestNilNodes).
func needBuilder(what string, b *Builder) error {
	if b == nil {
		return errors.Errorf("%s: the builder is nil", what)
	}
	return nil
}

// needParams is needNodes for params, names separated by commas (a name
// may have spaces): "batchnorm: moving variance param is nil". Builder.Param
// alone cannot say which argument of a layer's op was nil.
func needParams(what, names string, ps ...*Param) error {
	fields := strings.Split(names, ",")
	for i, p := range ps {
		if p != nil {
			continue
		}
		name := fmt.Sprintf("param %d", i+1)
		if i < len(fields) {
			name = strings.TrimSpace(fields[i]) + " param"
		}
		return errors.Errorf("%s: %s is nil", what, name)
	}
	return nil
}
