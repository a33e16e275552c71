package train

import (
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
	s        slots
}

// SGD returns plain gradient descent with learning rate lr (Keras default 0.01).
func SGD(lr float64) *SGDOptimizer { return &SGDOptimizer{LR: lr, s: slots{n: 1}} }

// Name implements Optimizer.
func (o *SGDOptimizer) Name() string { return "SGD" }

// Update implements Optimizer.
func (o *SGDOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := o.s.check(o.Name(), params, grads); err != nil {
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
