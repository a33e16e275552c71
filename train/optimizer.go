package train

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Optimizer updates trainable params in place from their gradients.
//
// gradgraph's optimisers implement Keras 3's update rules and defaults
// (Gorgonia's solvers differ: RMSProp's decay, where epsilon sits, Adam's
// epsilon) and run one fused loop over the raw float slices, allocating
// nothing per step once their state exists. They check their settings
// (Validate) in Compile and again before every step, so that one changed
// after Compile fails before it touches a weight.
//
// Each optimiser keeps everything about it in its own file: the update,
// Validate, the bounds the step guard uses (optimizer_bounds.go) and its
// registration for checkpoints (optimizer_state.go), so that adding one
// (adagrad.go is the example) touches no other file.
type Optimizer interface {
	// Name is the optimiser's Keras name, and the name it is registered
	// under (RegisterOptimizer) when checkpoints can hold it.
	Name() string
	// Update applies one step to params with the matching gradients.
	Update(params []*graph.Param, grads []*tensor.Dense) error
}

// SavableOptimizer is an Optimizer that a checkpoint can hold: Save writes
// its Name, Config and Slots, and Load makes it again with the constructor
// registered under that name (RegisterOptimizer), then fills its Slots.
// The built-in optimisers are SavableOptimizers. One that also has a
// Validate() error method is checked by Compile, after Load too, so that
// settings out of range in a file are refused before a step.
type SavableOptimizer interface {
	Optimizer
	// Config returns what the registered constructor needs to make the
	// optimiser again: its settings by name (Keras's names for the
	// built-ins) and its step counter.
	Config() OptimizerConfig
	// Slots returns the optimiser's per-param state, which Save writes
	// and Load fills; the same *Slots on every call.
	Slots() *Slots
}

// OptimizerConfig is an optimiser's description in a checkpoint, apart
// from its name and state. Settings are numbers, as Keras's get_config
// gives them (a flag is 0 or 1); they must be finite, since the
// checkpoint's header is JSON.
type OptimizerConfig struct {
	Settings map[string]float64
	// Iterations is the number of steps taken, for an optimiser whose
	// update depends on it (Adam's bias correction); 0 for the others.
	Iterations int
}

// Setting returns the setting called name, or an error saying the
// checkpoint lacks it: a constructor reads its settings with it, so that
// a file missing one is refused rather than loaded with a zero.
func (c OptimizerConfig) Setting(name string) (float64, error) {
	v, ok := c.Settings[name]
	if !ok {
		return 0, errors.Errorf("no %q in the checkpoint", name)
	}
	return v, nil
}

// settings reads several settings into dst, in order, and returns the
// first missing one's error: an order so that the error is always the same.
func (c OptimizerConfig) settings(names []string, dst ...*float64) error {
	for i, n := range names {
		v, err := c.Setting(n)
		if err != nil {
			return err
		}
		*dst[i] = v
	}
	return nil
}

// Slots holds an optimiser's per-param state ("slot variables", in
// TensorFlow's words): a fixed number of vectors per trainable param, each
// the param's size and element type, such as Adam's two moments. It is
// made on the first step (Prepare) or by Load, and bound to the params it
// was made for, so that stepping other params with it is an error rather
// than a silent mix. A checkpoint holds the vectors as tensors named
// "optimizer/<param>/<k>".
//
// Make one with NewSlots; the zero Slots has no vectors.
type Slots struct {
	slots
}

// NewSlots returns state of perParam vectors per param, each element
// starting at initial (0 for moments and velocities, Adagrad's
// accumulator starts at 0.1).
func NewSlots(perParam int, initial float64) Slots {
	return Slots{slots{n: perParam, initial: initial}}
}

// layout sets the number of vectors per param and their initial value,
// which take effect when the state is made; the built-ins call it before
// each use, so that an optimiser written as a struct literal
// (&SGDOptimizer{LR: 0.1, Momentum: 0.9}) has its state too.
func (s *Slots) layout(perParam int, initial float64) *Slots {
	s.n, s.initial = perParam, initial
	return s
}

// PerParam is the number of state vectors per param.
func (s *Slots) PerParam() int { return s.n }

// Prepare checks a step's arguments (a gradient of the right size and
// type for every param) and makes the state on first use, or checks that
// the state is for these params. An Update calls it first; opt names the
// optimiser in errors.
func (s *Slots) Prepare(opt string, params []*graph.Param, grads []*tensor.Dense) error {
	return s.check(opt, params, grads)
}

// Float32s returns state vector k of param i (in the order Prepare was
// given them) when that param is float32, and nil otherwise, or when
// there is no such vector or param.
func (s *Slots) Float32s(i, k int) []float32 {
	if i < 0 || i >= len(s.f32) || k < 0 || k >= len(s.f32[i]) {
		return nil
	}
	return s.f32[i][k]
}

// Float64s returns state vector k of param i when that param is float64,
// and nil otherwise, or when there is no such vector or param.
func (s *Slots) Float64s(i, k int) []float64 {
	if i < 0 || i >= len(s.f64) || k < 0 || k >= len(s.f64[i]) {
		return nil
	}
	return s.f64[i][k]
}

// slots holds per-param optimiser state (moments, velocities) with the
// params' element type, created on the first step.
type slots struct {
	n       int     // state vectors per param
	initial float64 // every element's value when the state is made
	f32     [][][]float32
	f64     [][][]float64
	bind    []*graph.Param
}

// check validates a step's arguments and makes the state on first use.
func (s *slots) check(name string, params []*graph.Param, grads []*tensor.Dense) error {
	if len(params) != len(grads) {
		return errors.Errorf("%s: %d params but %d gradients", name, len(params), len(grads))
	}
	for i, p := range params {
		if grads[i] == nil {
			return errors.Errorf("%s: no gradient for %q", name, p.Name)
		}
		if grads[i].Shape().TotalSize() != p.Size() || grads[i].Dtype() != p.DType() {
			return errors.Errorf("%s: gradient for %q has shape %v %v, want %v %v",
				name, p.Name, grads[i].Shape(), grads[i].Dtype(), p.Shape(), p.DType())
		}
	}
	if s.bind != nil {
		if len(s.bind) != len(params) {
			return errors.Errorf("%s: stepping %d params, state is for %d", name, len(params), len(s.bind))
		}
		for i := range params {
			if s.bind[i] != params[i] {
				return errors.Errorf("%s: param %d is %q, state is for %q", name, i, params[i].Name, s.bind[i].Name)
			}
		}
		return nil
	}
	s.init(params)
	return nil
}

// init allocates state for params, every element at s.initial.
func (s *slots) init(params []*graph.Param) {
	s.bind = append([]*graph.Param(nil), params...)
	s.f32 = make([][][]float32, len(params))
	s.f64 = make([][][]float64, len(params))
	for i, p := range params {
		for k := 0; k < s.n; k++ {
			if p.DType() == graph.Float32 {
				s.f32[i] = append(s.f32[i], filled(p.Size(), float32(s.initial)))
			} else {
				s.f64[i] = append(s.f64[i], filled(p.Size(), s.initial))
			}
		}
	}
}

// flush32 returns 0 for magnitudes below 1e-30. Moment estimates decay
// geometrically where gradients are zero (dead ReLUs, unused pixels) and
// reach float32 subnormals after a few hundred steps, and arithmetic on
// subnormals runs many times slower; values this small cannot move a weight.
func flush32(x float32) float32 {
	if x < 1e-30 && x > -1e-30 {
		return 0
	}
	return x
}
