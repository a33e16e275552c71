package train

import (
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// AdamOptimizer is Adam with Keras 3's update: at step t,
// α = lr·√(1−β₂ᵗ)/(1−β₁ᵗ), m += (g−m)(1−β₁), v += (g²−v)(1−β₂),
// w −= α·m/(√v + ε). Folding the bias corrections into α puts ε outside
// them ("epsilon hat"), as Keras does.
type AdamOptimizer struct {
	LR, Beta1, Beta2, Epsilon float64
	Iterations                int // steps taken
	s                         slots
}

// Adam returns Adam with learning rate lr and Keras's defaults β₁ 0.9,
// β₂ 0.999, ε 1e-7.
func Adam(lr float64) *AdamOptimizer {
	return &AdamOptimizer{LR: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, s: slots{n: 2}}
}

// Name implements Optimizer.
func (o *AdamOptimizer) Name() string { return "Adam" }

// Update implements Optimizer.
func (o *AdamOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.s.check(o.Name(), params, grads); err != nil {
		return err
	}
	o.Iterations++
	t := float64(o.Iterations)
	alpha := o.LR * math.Sqrt(1-math.Pow(o.Beta2, t)) / (1 - math.Pow(o.Beta1, t))
	for i, p := range params {
		switch w := p.Value.Data().(type) {
		case []float32:
			st := o.s.f32[i]
			adamStep32(w, grads[i].Data().([]float32), st[0], st[1], float32(alpha), float32(o.Beta1), float32(o.Beta2), float32(o.Epsilon))
		case []float64:
			st := o.s.f64[i]
			adamStep64(w, grads[i].Data().([]float64), st[0], st[1], alpha, o.Beta1, o.Beta2, o.Epsilon)
		}
	}
	return nil
}

func adamStep32(w, g, m, v []float32, alpha, b1, b2, eps float32) {
	for j := range w {
		gj := g[j]
		m[j] = flush32(m[j] + (gj-m[j])*(1-b1))
		v[j] = flush32(v[j] + (gj*gj-v[j])*(1-b2))
		w[j] -= alpha * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

func adamStep64(w, g, m, v []float64, alpha, b1, b2, eps float64) {
	for j := range w {
		gj := g[j]
		m[j] += (gj - m[j]) * (1 - b1)
		v[j] += (gj*gj - v[j]) * (1 - b2)
		w[j] -= alpha * m[j] / (math.Sqrt(v[j]) + eps)
	}
}
