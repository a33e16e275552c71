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
	if err := o.Validate(); err != nil {
		return err
	}
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
			// 1−β is formed in float64 and rounded once, as Keras casts
			// its Python float; 1 − float32(β) differs by a few ulps.
			adamStep32(w, grads[i].Data().([]float32), st[0], st[1], float32(alpha), float32(1-o.Beta1), float32(1-o.Beta2), float32(o.Epsilon))
		case []float64:
			st := o.s.f64[i]
			adamStep64(w, grads[i].Data().([]float64), st[0], st[1], alpha, 1-o.Beta1, 1-o.Beta2, o.Epsilon)
		}
	}
	return nil
}

// adamStep32 and adamStep64 take omb1 = 1−β₁ and omb2 = 1−β₂. Each
// product is converted explicitly before it is added: the Go spec lets a
// compiler fuse x*y + z into one FMA (Go does with GOAMD64=v3), and an
// explicit conversion rounds the product, so the results are the same
// bits whatever GOAMD64 the binary was built for.
func adamStep32(w, g, m, v []float32, alpha, omb1, omb2, eps float32) {
	for j := range w {
		gj := g[j]
		m[j] = flush32(m[j] + float32((gj-m[j])*omb1))
		v[j] = flush32(v[j] + float32((float32(gj*gj)-v[j])*omb2))
		w[j] -= alpha * m[j] / (float32(math.Sqrt(float64(v[j]))) + eps)
	}
}

func adamStep64(w, g, m, v []float64, alpha, omb1, omb2, eps float64) {
	for j := range w {
		gj := g[j]
		m[j] += float64((gj - m[j]) * omb1)
		v[j] += float64((float64(gj*gj) - v[j]) * omb2)
		w[j] -= alpha * m[j] / (math.Sqrt(v[j]) + eps)
	}
}
