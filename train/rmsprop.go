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
	if err := o.Validate(); err != nil {
		return err
	}
	if err := o.s.check(o.Name(), params, grads); err != nil {
		return err
	}
	for i, p := range params {
		switch w := p.Value.Data().(type) {
		case []float32:
			g, v := grads[i].Data().([]float32), o.s.f32[i][0]
			// 1−ρ is formed in float64 and rounded once, as Keras casts its
			// Python float; 1 − float32(ρ) differs by a few ulps.
			lr, rho, omr, eps := float32(o.LR), float32(o.Rho), float32(1-o.Rho), float32(o.Epsilon)
			inChunks(len(w), func(lo, hi int) { kernels.RMSprop32(w[lo:hi], g[lo:hi], v[lo:hi], lr, rho, omr, eps) })
		case []float64:
			rmspropStep64(w, grads[i].Data().([]float64), o.s.f64[i][0], o.LR, o.Rho, o.Epsilon)
		}
	}
	return nil
}

// rmspropStep64 is the float64 step. Each product is converted explicitly
// before it is added: the Go spec lets a build with GOAMD64=v3 fuse x*y + z
// into one FMA, which rounds once and changes the bits; a conversion rounds
// and forbids the fusion, so every build gives the same numbers.
func rmspropStep64(w, g, v []float64, lr, rho, eps float64) {
	omr := 1 - rho
	for j := range w {
		gj := g[j]
		v[j] = float64(rho*v[j]) + float64(omr*gj*gj)
		w[j] -= lr * gj / math.Sqrt(v[j]+eps)
	}
}
