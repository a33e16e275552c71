package train

// boundedOptimizer is implemented by the built-in optimisers, whose update
// rules are known well enough to bound a step before taking it: the step
// guard (stepguard.go) then skips the backup it otherwise needs. Each
// optimiser's methods sit in its own file, beside the Update they bound.
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
	// may be loose; they must never be low. Before the first step s is
	// all 0 (the guard's bound on state Update has yet to make), so an
	// optimiser whose state starts elsewhere (Adagrad) accounts for that.
	boundAfter(f32 bool, w float64, s stateBounds, gmax float64) (w2 float64, s2 stateBounds, transient float64)
}

// stateBounds bounds the magnitudes of an optimiser's state vectors, one
// entry per vector (SGD with momentum and RMSprop have one, Adam two); a
// fixed array, so that bounding a step allocates nothing.
type stateBounds [2]float64

// roundSlack covers the roundings of one update (a few float32 operations,
// each at most 2⁻²⁴ relative) in the optimisers' bounds, with a wide margin.
const roundSlack = 1 + 1e-4

// as32 is v as the float32 the float32 update uses, when f32.
func as32(f32 bool, v float64) float64 {
	if f32 {
		return float64(float32(v))
	}
	return v
}
