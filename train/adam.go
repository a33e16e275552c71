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
	s                         Slots
}

func init() { registerBuiltin("Adam", adamFromConfig) }

// Adam returns Adam with learning rate lr and Keras's defaults β₁ 0.9,
// β₂ 0.999, ε 1e-7.
func Adam(lr float64) *AdamOptimizer {
	return &AdamOptimizer{LR: lr, Beta1: 0.9, Beta2: 0.999, Epsilon: 1e-7, s: NewSlots(2, 0)}
}

// Name implements Optimizer.
func (o *AdamOptimizer) Name() string { return "Adam" }

// Validate reports the first setting out of range: learning rate finite and
// > 0, beta_1 and beta_2 in [0, 1), epsilon finite and > 0.
func (o *AdamOptimizer) Validate() error {
	if err := checkPositive(o.Name(), "learning rate", o.LR); err != nil {
		return err
	}
	if err := checkDecay(o.Name(), "beta_1", o.Beta1); err != nil {
		return err
	}
	if err := checkDecay(o.Name(), "beta_2", o.Beta2); err != nil {
		return err
	}
	return checkPositive(o.Name(), "epsilon", o.Epsilon)
}

// Update implements Optimizer.
func (o *AdamOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := o.Slots().Prepare(o.Name(), params, grads); err != nil {
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

// Config implements SavableOptimizer with Keras's names; Iterations is
// the step counter α's bias correction depends on, so that a loaded Adam
// continues with the next step's α.
func (o *AdamOptimizer) Config() OptimizerConfig {
	return OptimizerConfig{Iterations: o.Iterations,
		Settings: map[string]float64{"learning_rate": o.LR, "beta_1": o.Beta1, "beta_2": o.Beta2, "epsilon": o.Epsilon}}
}

// Slots implements SavableOptimizer: the moments m and v per param.
func (o *AdamOptimizer) Slots() *Slots { return o.s.layout(2, 0) }

func adamFromConfig(c OptimizerConfig) (SavableOptimizer, error) {
	o := Adam(0)
	o.Iterations = c.Iterations
	if err := c.settings([]string{"learning_rate", "beta_1", "beta_2", "epsilon"}, &o.LR, &o.Beta1, &o.Beta2, &o.Epsilon); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *AdamOptimizer) state() *slots { return &o.Slots().slots }
func (o *AdamOptimizer) counter() *int { return &o.Iterations }

// boundAfter: m' and v' are convex combinations of m and g, v and g², so
// they are bounded by the larger of each pair; g − m and g² − v by twice
// that; the step α·|m'|/(√v' + ε) by α·|m'|/ε. α is that of the coming
// step (Iterations + 1).
func (o *AdamOptimizer) boundAfter(f32 bool, w float64, s stateBounds, gmax float64) (float64, stateBounds, float64) {
	eps := as32(f32, o.Epsilon)
	if eps == 0 {
		return math.Inf(1), s, math.Inf(1)
	}
	t := float64(o.Iterations + 1)
	alpha := as32(f32, o.LR*math.Sqrt(1-math.Pow(o.Beta2, t))/(1-math.Pow(o.Beta1, t)))
	m := max(s[0], gmax) * roundSlack
	v := max(s[1], gmax*gmax) * roundSlack
	step := alpha * m / eps * roundSlack
	return w + step, stateBounds{m, v}, max(step, 2*m, 2*v, alpha*m)
}
