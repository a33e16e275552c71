package train

import (
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/kernels"
)

// RMSpropOptimizer is RMSprop with Keras 3's update:
// v = ρ·v + (1−ρ)·g², w −= lr·g/√(v + ε), ε inside the root.
// (Gorgonia's RMSProp defaults to ρ 0.999; PyTorch puts ε outside the root.)
type RMSpropOptimizer struct {
	LR, Rho, Epsilon float64
	s                slots
}

// RMSprop returns RMSprop with learning rate lr and Keras's defaults ρ 0.9, ε 1e-7.
func RMSprop(lr float64) *RMSpropOptimizer {
	return &RMSpropOptimizer{LR: lr, Rho: 0.9, Epsilon: 1e-7, s: slots{n: 1}}
}

// Name implements Optimizer.
func (o *RMSpropOptimizer) Name() string { return "RMSprop" }

// Update implements Optimizer.
func (o *RMSpropOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.s.check(o.Name(), params, grads); err != nil {
		return err
	}
	for i, p := range params {
		switch w := p.Value.Data().(type) {
		case []float32:
			g, v := grads[i].Data().([]float32), o.s.f32[i][0]
			lr, rho, eps := float32(o.LR), float32(o.Rho), float32(o.Epsilon)
			inChunks(len(w), func(lo, hi int) { kernels.RMSprop32(w[lo:hi], g[lo:hi], v[lo:hi], lr, rho, 1-rho, eps) })
		case []float64:
			rmspropStep64(w, grads[i].Data().([]float64), o.s.f64[i][0], o.LR, o.Rho, o.Epsilon)
		}
	}
	return nil
}

func rmspropStep64(w, g, v []float64, lr, rho, eps float64) {
	for j := range w {
		gj := g[j]
		v[j] = rho*v[j] + (1-rho)*gj*gj
		w[j] -= lr * gj / math.Sqrt(v[j]+eps)
	}
}
