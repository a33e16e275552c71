package graph

import (
	"math"
	"math/rand"
	"runtime"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
)

// Machine runs a compiled graph. A training machine also computes the
// gradients of its loss with respect to the trainable params.
type Machine struct {
	b       *Builder
	vm      G.VM
	loss    G.Value
	hasLoss bool
	wrt     []*Param
	grads   []G.Value
	owned   []ownedOutput // per gradient: the op whose tensor is read directly, or nil
	outs    []G.Value
	tape    tapeRun

	lossNode  *G.Node   // for WriteDOT
	gradNodes []*G.Node // for WriteDOT
	observed  bool      // the last Run's observations wait for Commit
}

// ownedOutput is implemented by this package's ops that allocate their
// output tensor once and return that same tensor from every Do. A machine
// hands such a gradient out as the op's own tensor instead of copying it
// after every run (a gorgonia.Read copies: 1.6 MB for an MNIST kernel's
// gradient, every step).
type ownedOutput interface {
	// lastOutput is the tensor the last Do returned, nil before the first.
	lastOutput() *tensor.Dense
}

// ownedGrad returns n's op when the machine may read n's value straight
// from it after a run, nil when n's value must be copied with a Read.
//
// The op's tensor is also what the tape machine stores in n's register,
// and gorgonia v0.9.18 lets a later instruction write into a register only
// when that instruction overwrites an input in place (regalloc.go's
// allocMutableOp; every other op gets a fresh register). An in-place op
// that consumed n would therefore leave its own result in the op's tensor
// by the end of the run: the trap that returned overwritten forward values
// read after gorgonia.Grad. A node nothing consumes is never an input, so
// no instruction can write into its tensor after the op has run. Gradients
// of params are such roots unless something is built on top of them.
func ownedGrad(g *G.ExprGraph, n *G.Node) ownedOutput {
	op, ok := n.Op().(ownedOutput)
	if !ok || g.To(n.ID()).Len() != 0 {
		return nil
	}
	return op
}

// Compile differentiates loss (when wrt is not empty) and builds the machine.
// loss may be nil for a machine that only computes outputs. Every output
// listed is copied out on each run and read with Output. Gradients are
// copied too, except those that this package's ops compute into a tensor
// of their own that nothing else touches (see ownedGrad): Grad returns
// that tensor itself. A nil node (the loss when wrt is not empty, an
// output, an observed node) or a nil param in wrt is refused with an error
// that names it, before anything is added to the graph.
func (b *Builder) Compile(loss *G.Node, wrt []*Param, outputs ...*G.Node) (*Machine, error) {
	return b.compile(loss, wrt, true, outputs...)
}

// compile is Compile; with zeroCopy false every gradient is copied out with
// a Read, the way gradients were read before ownedOutput (tests compare the
// two).
func (b *Builder) compile(loss *G.Node, wrt []*Param, zeroCopy bool, outputs ...*G.Node) (*Machine, error) {
	if b == nil {
		return nil, errors.New("graph: compile: the builder is nil")
	}
	// gorgonia.Grad adds the backward pass to the graph itself: a second
	// Compile would differentiate a graph that already holds one, and
	// Gorgonia panics inside Backpropagate. Build a new Builder instead.
	if b.compiled {
		return nil, errors.New("graph: this builder's graph is already compiled; build the graph again on a new Builder for another machine")
	}
	wrtNodes, err := b.compileArgs(loss, wrt, outputs)
	if err != nil {
		return nil, err
	}
	b.compiled = true
	m := &Machine{b: b, wrt: wrt, hasLoss: loss != nil, lossNode: loss}
	if loss != nil {
		G.Read(loss, &m.loss)
	}
	// Forward values are read before the gradient nodes exist. A read runs
	// at its node's place in the topological order, and a read added after
	// gorgonia.Grad sorts after the backward pass, whose in-place operations
	// may already have overwritten the value (BatchNorm's batch mean came
	// back halved that way).
	m.outs = make([]G.Value, len(outputs))
	for i, o := range outputs {
		G.Read(o, &m.outs[i])
	}
	for _, o := range b.observers {
		G.Read(o.node, &o.val)
	}
	if len(wrt) > 0 {
		gs, err := G.Grad(loss, wrtNodes...)
		if err != nil {
			return nil, errors.Wrap(err, "graph: symbolic differentiation")
		}
		m.gradNodes = gs
		m.grads = make([]G.Value, len(gs))
		m.owned = make([]ownedOutput, len(gs))
		// Decide for every gradient before adding any Read: a Read is a
		// consumer, and must not hide or fake one for another gradient.
		if zeroCopy {
			for i, g := range gs {
				m.owned[i] = ownedGrad(b.G, g)
			}
		}
		for i, g := range gs {
			if m.owned[i] == nil {
				G.Read(g, &m.grads[i])
			}
		}
	}
	m.vm = G.NewTapeMachine(b.G)
	// NewTapeMachine sets a finalizer on the machine (a no-op without the
	// cuda tag, which gradgraph never builds with), and the machine sits in
	// a reference cycle with its program and graph. Go never collects a
	// cycle that holds an object with a finalizer, so every compiled graph
	// stayed in memory with every tensor it reached, params included: each
	// Trainer ever made, and each graph Predict or Activations built, about
	// 60 MB for a 2048×2048 net (TestMachineIsCollected).
	runtime.SetFinalizer(m.vm, nil)
	return m, nil
}

// compileArgs checks Compile's arguments before anything is added to the
// graph, so that a refused Compile leaves the builder as it was, and
// returns the nodes of the params in wrt. A nil node (from a call whose
// error was ignored) is named by its place; Gorgonia would panic on it.
func (b *Builder) compileArgs(loss *G.Node, wrt []*Param, outputs []*G.Node) ([]*G.Node, error) {
	if loss == nil && len(wrt) > 0 {
		return nil, errors.Errorf("graph: compile: the loss is nil, and gradients of %d params were asked for", len(wrt))
	}
	if loss != nil && !loss.IsScalar() {
		return nil, errors.Errorf("graph: compile: the loss must be a scalar, got shape %v", loss.Shape())
	}
	for i, o := range outputs {
		if o == nil {
			return nil, errors.Errorf("graph: compile: output %d of %d is nil", i, len(outputs))
		}
	}
	for _, o := range b.observers {
		if o.node == nil {
			return nil, errors.Errorf("graph: compile: the node observed as %q (Builder.Observe) is nil", o.what)
		}
	}
	nodes := make([]*G.Node, len(wrt))
	for i, p := range wrt {
		if p == nil {
			return nil, errors.Errorf("graph: compile: param %d of %d in wrt is nil", i, len(wrt))
		}
		n, ok := b.paramNodes[p]
		if !ok {
			return nil, errors.Errorf("graph: param %q is not used by this graph", p.Name)
		}
		nodes[i] = n
	}
	return nodes, nil
}

// Builder returns the builder the machine was compiled from.
func (m *Machine) Builder() *Builder { return m.b }

// Run fills the feeds from rng and runs the graph once: it computes the
// loss, the gradients and the outputs, and copies the values that the
// graph's observers watch, but does not hand them to the observers. Nothing
// outside the machine changes, so a caller may look at the loss and the
// gradients and throw the step away. Commit applies the observers.
// rng may be nil when the graph has no feeds.
func (m *Machine) Run(rng *rand.Rand) error {
	m.observed = false
	for _, f := range m.b.feeds {
		if rng == nil {
			return errors.Errorf("graph: feed %q needs a random generator", f.in.Node.Name())
		}
		f.fillInput(rng)
	}
	m.tape.rewind(m.vm)
	if err := m.tape.run(m.vm); err != nil {
		return errors.Wrap(err, "graph: run")
	}
	m.observed = len(m.b.observers) > 0
	return nil
}

// Commit hands the values observed by the last Run to the observers:
// BatchNorm folds the batch's mean and variance into its moving averages.
// A training loop calls it once the step is accepted (the loss and the
// gradients are finite and the weights were updated), so that a rejected
// step leaves the moving statistics as they were. Commit after a failed
// Run, or a second Commit after one Run, does nothing: each run's
// observations are applied at most once.
func (m *Machine) Commit() error {
	if !m.observed {
		return nil
	}
	m.observed = false
	for _, o := range m.b.observers {
		d, ok := o.val.(*tensor.Dense)
		if !ok {
			return errors.Errorf("graph: observed node %q has no dense value", o.node.Name())
		}
		if err := o.fn(d); err != nil {
			return err
		}
	}
	return nil
}

// ObservedFinite reports whether every value the last Run observed (see
// Builder.Observe) is finite, naming the first that is not. A trainer asks
// before it updates anything, so that a step whose statistics overflowed
// (a batch variance of +Inf from inputs near the float range, while the
// loss stays finite) is thrown away whole.
func (m *Machine) ObservedFinite() (string, bool) {
	if !m.observed {
		return "", true
	}
	for _, o := range m.b.observers {
		d, ok := o.val.(*tensor.Dense)
		if !ok {
			continue // Commit reports it
		}
		switch d.Dtype() {
		case tensor.Float32:
			if !kernels.AllFinite32(d.Float32s()) {
				return o.what, false
			}
		case tensor.Float64:
			if !kernels.AllFinite64(d.Float64s()) {
				return o.what, false
			}
		}
	}
	return "", true
}

// Loss is the loss of the last run, as float64.
func (m *Machine) Loss() float64 {
	if !m.hasLoss || m.loss == nil {
		return math.NaN()
	}
	switch v := m.loss.Data().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// Wrt lists the params the gradients are taken with respect to.
func (m *Machine) Wrt() []*Param { return m.wrt }

// Grad is the gradient of the loss with respect to Wrt()[i] from the last run,
// nil before the first. Its tensor is reused by the next run: it may be the
// gradient op's own output rather than a copy, so read it, or change it in
// place, only until the next Run.
func (m *Machine) Grad(i int) *tensor.Dense {
	if op := m.owned[i]; op != nil {
		return op.lastOutput()
	}
	d, _ := m.grads[i].(*tensor.Dense)
	return d
}

// Output is the value of the i-th output from the last run. Its tensor is
// reused by the next run.
func (m *Machine) Output(i int) *tensor.Dense {
	d, _ := m.outs[i].(*tensor.Dense)
	return d
}

// OutputScalar returns output i of the last run when it is a scalar (a
// loss of one of several outputs), or NaN.
func (m *Machine) OutputScalar(i int) float64 {
	if i < 0 || i >= len(m.outs) || m.outs[i] == nil {
		return math.NaN()
	}
	switch v := m.outs[i].Data().(type) {
	case float32:
		return float64(v)
	case float64:
		return v
	}
	return math.NaN()
}

// Close releases the machine.
func (m *Machine) Close() error { return m.vm.Close() }
