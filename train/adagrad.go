package train

import (
	"math"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// AdagradOptimizer is Adagrad with Keras 3's update: each weight's
// accumulator starts at initial_accumulator_value and sums the squares of
// its gradients, a += g², and w −= lr·g/√(a + ε), ε inside the root. A
// weight's steps shrink as its gradients add up, so weights that are
// rarely updated (sparse features) keep taking large ones.
//
// This file is everything Adagrad needs: the update, Validate, the step
// guard's bounds and its registration for checkpoints.
type AdagradOptimizer struct {
	LR                      float64
	InitialAccumulatorValue float64 // the accumulators' value before the first step
	Epsilon                 float64
	s                       Slots
}

func init() { registerBuiltin("Adagrad", adagradFromConfig) }

// Adagrad returns Adagrad with learning rate lr (Keras's default is
// 0.001) and Keras's defaults: accumulators starting at 0.1, ε 1e-7.
func Adagrad(lr float64) *AdagradOptimizer {
	return &AdagradOptimizer{LR: lr, InitialAccumulatorValue: 0.1, Epsilon: 1e-7, s: NewSlots(1, 0.1)}
}

// Name implements Optimizer.
func (o *AdagradOptimizer) Name() string { return "Adagrad" }

// Validate reports the first setting out of range: learning rate finite
// and > 0, initial_accumulator_value finite and ≥ 0 (a negative start
// could make a + ε negative, and its root NaN), epsilon finite and > 0
// (with an accumulator starting at 0, ε alone keeps a zero gradient's
// step from being 0/0).
func (o *AdagradOptimizer) Validate() error {
	if err := checkPositive(o.Name(), "learning rate", o.LR); err != nil {
		return err
	}
	if v := o.InitialAccumulatorValue; !(v >= 0 && !math.IsInf(v, 1)) {
		return errors.Errorf("%s: initial_accumulator_value %v must be finite and >= 0", o.Name(), v)
	}
	return checkPositive(o.Name(), "epsilon", o.Epsilon)
}

// Update implements Optimizer.
func (o *AdagradOptimizer) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := o.Slots().Prepare(o.Name(), params, grads); err != nil {
		return err
	}
	for i, p := range params {
		switch w := p.Value.Data().(type) {
		case []float32:
			adagradStep(w, grads[i].Data().([]float32), o.s.f32[i][0], float32(o.LR), float32(o.Epsilon))
		case []float64:
			adagradStep(w, grads[i].Data().([]float64), o.s.f64[i][0], o.LR, o.Epsilon)
		}
	}
	return nil
}

// adagradStep is Keras's order of operations in T: a += g·g, then
// w −= (lr·g)/√(a + ε). The square is converted before it is added, so
// that no compiler fuses it into an FMA (which rounds once, and gives
// other bits on other CPUs); a float32 root taken in float64 and rounded
// is the correctly rounded float32 root.
func adagradStep[T float32 | float64](w, g, a []T, lr, eps T) {
	for j := range w {
		gj := g[j]
		a[j] += T(gj * gj)
		w[j] -= lr * gj / T(math.Sqrt(float64(a[j]+eps)))
	}
}

// Config implements SavableOptimizer with Keras's names.
func (o *AdagradOptimizer) Config() OptimizerConfig {
	return OptimizerConfig{Settings: map[string]float64{
		"learning_rate": o.LR, "initial_accumulator_value": o.InitialAccumulatorValue, "epsilon": o.Epsilon}}
}

// Slots implements SavableOptimizer: the accumulator per param, made at
// InitialAccumulatorValue as it is when the first step comes.
func (o *AdagradOptimizer) Slots() *Slots { return o.s.layout(1, o.InitialAccumulatorValue) }

func adagradFromConfig(c OptimizerConfig) (SavableOptimizer, error) {
	o := Adagrad(0)
	if err := c.settings([]string{"learning_rate", "initial_accumulator_value", "epsilon"},
		&o.LR, &o.InitialAccumulatorValue, &o.Epsilon); err != nil {
		return nil, err
	}
	return o, nil
}

func (o *AdagradOptimizer) state() *slots { return &o.Slots().slots }
func (o *AdagradOptimizer) counter() *int { return nil }

// boundAfter: the accumulator a' = a + g² is at most a + gmax², where a
// is at least its initial value (the guard's bound before the first step
// is 0, for state not made yet). a' ≥ 0, so the step lr·|g|/√(a'+ε) is at
// most lr·|g|/√ε; and a' ≥ g², so it is at most lr (a rounding or two
// over) unless g² is subnormal or 0, which takes |g| < 1.1e-19, and then
// it is under lr·1.1e-19/√ε. A float32 ε that rounds to 0 gives +Inf
// (0/0 is possible): no bound.
func (o *AdagradOptimizer) boundAfter(f32 bool, w float64, s stateBounds, gmax float64) (float64, stateBounds, float64) {
	lr, a0, eps := as32(f32, o.LR), as32(f32, o.InitialAccumulatorValue), as32(f32, o.Epsilon)
	if eps == 0 {
		return math.Inf(1), s, math.Inf(1)
	}
	a := (max(s[0], a0) + float64(gmax*gmax)) * roundSlack
	step := lr * min(gmax/math.Sqrt(eps), max(1, 1.1e-19/math.Sqrt(eps))) * roundSlack
	return w + step, stateBounds{a}, max(step, lr*gmax*roundSlack, a)
}
