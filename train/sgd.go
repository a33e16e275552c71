package train

import (
	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// SGDOptimizer is stochastic gradient descent with optional (Nesterov)
// momentum, Keras 3's rule: v = momentum·v − lr·g; w += v, or with Nesterov
// w += momentum·v − lr·g. Without momentum it is w −= lr·g.
type SGDOptimizer struct {
	LR       float64
	Momentum float64
	Nesterov bool
	s        Slots
}

func init() { registerBuiltin("SGD", sgdFromConfig) }

// SGD returns plain gradient descent with learning rate lr (Keras default 0.01).
func SGD(lr float64) *SGDOptimizer { return &SGDOptimizer{LR: lr, s: NewSlots(1, 0)} }

// Name implements Optimizer.
func (o *SGDOptimizer) Name() string { return "SGD" }

// Validate reports the first setting out of range: learning rate finite and
// > 0, momentum in [0, 1] (Keras's SGD raises the same ValueError).
func (o *SGDOptimizer) Validate() error {
	if err := checkPositive(o.Name(), "learning rate", o.LR); err != nil {
		return err
	}
	if !(o.Momentum >= 0 && o.Momentum <= 1) {
		return errors.Errorf("%s: momentum %v must be in [0, 1]", o.Name(), o.Momentum)
	}
	return nil
}

// Update implements Optimizer.
func (o *SGDOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := o.Slots().Prepare(o.Name(), params, grads); err != nil {
		return err
	}
	for i, p := range params {
		switch w := p.Value.Data().(type) {
		case []float32:
			sgdStep(w, grads[i].Data().([]float32), o.s.f32[i][0], float32(o.LR), float32(o.Momentum), o.Nesterov)
		case []float64:
			sgdStep(w, grads[i].Data().([]float64), o.s.f64[i][0], o.LR, o.Momentum, o.Nesterov)
		}
	}
	return nil
}

// sgdStep converts each product explicitly before adding it: the Go spec
// lets a compiler fuse x*y ± z into one FMA (Go does with GOAMD64=v3), and
// an explicit conversion rounds the product, so the results are the same
// bits whatever GOAMD64 the binary was built for.
func sgdStep[T float32 | float64](w, g, v []T, lr, mom T, nesterov bool) {
	if mom == 0 {
		for j := range w {
			w[j] -= T(lr * g[j])
		}
		return
	}
	for j := range w {
		v[j] = T(mom*v[j]) - T(lr*g[j])
		if nesterov {
			w[j] += T(mom*v[j]) - T(lr*g[j])
		} else {
			w[j] += v[j]
		}
	}
}

// Config implements SavableOptimizer with Keras's names; nesterov is 0 or 1.
func (o *SGDOptimizer) Config() OptimizerConfig {
	return OptimizerConfig{Settings: map[string]float64{"learning_rate": o.LR, "momentum": o.Momentum, "nesterov": b2f(o.Nesterov)}}
}

// Slots implements SavableOptimizer: one velocity per param (unused
// without momentum, but kept so that the file's layout does not depend on
// a setting).
func (o *SGDOptimizer) Slots() *Slots { return o.s.layout(1, 0) }

func sgdFromConfig(c OptimizerConfig) (SavableOptimizer, error) {
	o := SGD(0)
	var nesterov float64
	if err := c.settings([]string{"learning_rate", "momentum", "nesterov"}, &o.LR, &o.Momentum, &nesterov); err != nil {
		return nil, err
	}
	o.Nesterov = nesterov != 0
	return o, nil
}

func (o *SGDOptimizer) state() *slots { return &o.Slots().slots }
func (o *SGDOptimizer) counter() *int { return nil }

// boundAfter: v' = μ·v − lr·g, so |v'| ≤ μ·|v| + lr·|g|, and the weight
// moves by v' (Nesterov: μ·v' − lr·g); without momentum by lr·g.
func (o *SGDOptimizer) boundAfter(f32 bool, w float64, s stateBounds, gmax float64) (float64, stateBounds, float64) {
	lr, mom := as32(f32, o.LR), as32(f32, o.Momentum)
	step := lr * gmax * roundSlack
	if mom == 0 {
		return w + step, s, step
	}
	v := (float64(mom*s[0]) + float64(lr*gmax)) * roundSlack
	if o.Nesterov {
		step = (float64(mom*v) + float64(lr*gmax)) * roundSlack
	} else {
		step = v
	}
	return w + step, stateBounds{v}, max(step, v)
}
