package train

import "math"

// boundedOptimizer is implemented by the built-in optimisers, whose update
// rules are known well enough to bound a step before taking it: the step
// guard (stepguard.go) then skips the backup it otherwise needs.
type boundedOptimizer interface {
	Optimizer
	// state is the optimiser's per-param state vectors.
	state() *slots
	// counter is the step counter Update advances (Adam's Iterations), nil
	// when there is none; the guard restores it with the rest.
	counter() *int
	// boundAfter returns, from bounds w (on every |weight|) and s[k] (on
	// every |state vector k element|) before an Update whose gradients are
	// at most gmax in magnitude, bounds on the same after it, and a bound
	// on every intermediate value the update forms. f32 says the weights
	// are float32 (its settings are rounded to float32 then). The bounds
	// may be loose; they must never be low.
	boundAfter(f32 bool, w float64, s stateBounds, gmax float64) (w2 float64, s2 stateBounds, transient float64)
}

// stateBounds bounds the magnitudes of an optimiser's state vectors, one
// entry per vector (SGD with momentum and RMSprop have one, Adam two); a
// fixed array, so that bounding a step allocates nothing.
type stateBounds [2]float64

// roundSlack covers the roundings of one update (a few float32 operations,
// each at most 2⁻²⁴ relative) in the bounds below, with a wide margin.
const roundSlack = 1 + 1e-4

// as32 is v as the float32 the float32 update uses, when f32.
func as32(f32 bool, v float64) float64 {
	if f32 {
		return float64(float32(v))
	}
	return v
}

func (o *SGDOptimizer) state() *slots { return &o.s }
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

func (o *RMSpropOptimizer) state() *slots { return &o.s }
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

func (o *AdamOptimizer) state() *slots { return &o.s }
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
