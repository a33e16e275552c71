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
type Optimizer interface {
	// Name is the optimiser's Keras name.
	Name() string
	// Update applies one step to params with the matching gradients.
	Update(params []*graph.Param, grads []*tensor.Dense) error
}

// slots holds per-param optimiser state (moments, velocities) with the
// params' element type, created on the first step.
type slots struct {
	n    int // state vectors per param
	f32  [][][]float32
	f64  [][][]float64
	bind []*graph.Param
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

// init allocates zero state for params.
func (s *slots) init(params []*graph.Param) {
	s.bind = append([]*graph.Param(nil), params...)
	s.f32 = make([][][]float32, len(params))
	s.f64 = make([][][]float64, len(params))
	for i, p := range params {
		for k := 0; k < s.n; k++ {
			if p.DType() == graph.Float32 {
				s.f32[i] = append(s.f32[i], make([]float32, p.Size()))
			} else {
				s.f64[i] = append(s.f64[i], make([]float64, p.Size()))
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
