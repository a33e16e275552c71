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
	s                Slots
}

func init() { registerBuiltin("RMSprop", rmspropFromConfig) }

// RMSprop returns RMSprop with learning rate lr and Keras's defaults ρ 0.9, ε 1e-7.
func RMSprop(lr float64) *RMSpropOptimizer {
	return &RMSpropOptimizer{LR: lr, Rho: 0.9, Epsilon: 1e-7, s: NewSlots(1, 0)}
}

// Name implements Optimizer.
func (o *RMSpropOptimizer) Name() string { return "RMSprop" }

// Validate reports the first setting out of range: learning rate finite and
// > 0, rho in [0, 1), epsilon finite and > 0.
func (o *RMSpropOptimizer) Validate() error {
	if err := checkPositive(o.Name(), "learning rate", o.LR); err != nil {
		return err
	}
	if err := checkDecay(o.Name(), "rho", o.Rho); err != nil {
		return err
	}
	return checkPositive(o.Name(), "epsilon", o.Epsilon)
}

// Update implements Optimizer.
func (o *RMSpropOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := o.Slots().Prepare(o.Name(), params, grads); err != nil {
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

// Config implements SavableOptimizer with Keras's names.
func (o *RMSpropOptimizer) Config() OptimizerConfig {
	return OptimizerConfig{Settings: map[string]float64{"learning_rate": o.LR, "rho": o.Rho, "epsilon": o.Epsilon}}
}

// Slots implements SavableOptimizer: the mean square v per param.
func (o *RMSpropOptimizer) Slots() *Slots { return o.s.layout(1, 0) }

func rmspropFromConfig(c OptimizerConfig) (SavableOptimizer, error) {
	o := RMSprop(0)
	if err := c.settings([]string{"learning_rate", "rho", "epsilon"}, &o.LR, &o.Rho, &o.Epsilon); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *RMSpropOptimizer) state() *slots { return &o.Slots().slots }
func (o *RMSpropOptimizer) counter() *int { return nil }

// boundAfter: v' = ρ·v + (1−ρ)·g² ≤ ρ·|v| + g², and the step
// lr·|g|/√(v'+ε) is at most lr·|g|/√ε always, and at most lr/√(1−ρ) since
// v' ≥ (1−ρ)·g², unless v' was flushed to 0 for being under 1e-30, in
// which case |g| < 1e-15/√(1−ρ) and the step is under lr·1e-15/√((1−ρ)·ε).
// A float32 ε that rounds to 0 gives +Inf (0/0 is possible): no bound.
func (o *RMSpropOptimizer) boundAfter(f32 bool, w float64, s stateBounds, gmax float64) (float64, stateBounds, float64) {
	lr, rho, eps := as32(f32, o.LR), as32(f32, o.Rho), as32(f32, o.Epsilon)
	if eps == 0 {
		return math.Inf(1), s, math.Inf(1)
	}
	omr := 1 - rho
	v := (float64(rho*s[0]) + float64(gmax*gmax)) * roundSlack
	step := lr * min(gmax/math.Sqrt(eps), max(1/math.Sqrt(omr), 1.1e-15/math.Sqrt(omr*eps))) * roundSlack
	return w + step, stateBounds{v}, max(step, lr*gmax*roundSlack, v)
}
