package train

import (
	"math"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/kernels"
)

// stepGuard makes sure that an update whose inputs are finite (the loss
// and every gradient, checked before) cannot leave a weight or an
// optimiser state non-finite: a learning rate of 3e38 with plain SGD, say,
// overflows w − lr·g although all of it is finite.
//
// Checking the updated weights afterwards is cheap, but undoing a bad
// update needs the old values, and copying every weight before every step
// costs as much as the update itself. So the guard keeps upper bounds on
// the magnitudes of the weights and of each optimiser state vector, and
// asks the optimiser (boundedOptimizer.boundAfter) how far one step with
// gradients no larger than the largest seen this step can move them. Far
// below the float type's range (the usual case by thirty orders of
// magnitude) the update runs as is and the bounds grow by that much. Near
// it, the guard first replaces its running bounds with exact maxima, and if
// the step still cannot be proved safe it backs everything up, updates,
// checks every value and restores the backup when one is not finite.
// A custom Optimizer, whose rule the guard does not know, always takes
// that slow path.
type stepGuard struct {
	opt   Optimizer
	valid bool        // w and s hold bounds (reset makes them be recomputed)
	w     float64     // bound on every |weight| of the trainable params
	s     stateBounds // bound on every |element| of each optimiser state vector

	backupW  floatCopies // the slow path's copies, held during that step only
	backupS  floatCopies
	backupIt int
	slow     int // steps taken on the slow path, for tests
}

// limitFor is the bound, a quarter of the type's largest value, under
// which the guard takes a step for safe: the factor leaves room for the
// intermediate sums and differences the bounds do not itemise.
func limitFor(dt tensor.Dtype) float64 {
	if dt == tensor.Float64 {
		return math.MaxFloat64 / 4
	}
	return math.MaxFloat32 / 4
}

// reset forgets the bounds: the weights or the optimiser may have been
// changed from outside (a load, a restore, a callback).
func (g *stepGuard) reset() { g.valid = false }

// update applies opt to params with grads (finite, their largest magnitude
// gmax), and returns the name of a param whose update would have been
// non-finite, in which case nothing was changed.
func (g *stepGuard) update(opt Optimizer, params []*graph.Param, grads []*tensor.Dense, gmax float64) (string, error) {
	if len(params) == 0 {
		return "", opt.Update(params, grads)
	}
	if g.opt != opt {
		g.opt, g.valid = opt, false
	}
	bo, known := opt.(boundedOptimizer)
	if known {
		measured := !g.valid
		if measured {
			g.measure(params, bo.state())
		}
		w, st, safe := g.bound(bo, params[0].DType(), gmax)
		if !safe && !measured {
			// The running bounds may have drifted far above the values:
			// measure them, and ask again.
			g.measure(params, bo.state())
			w, st, safe = g.bound(bo, params[0].DType(), gmax)
		}
		if safe {
			if err := opt.Update(params, grads); err != nil {
				return "", err
			}
			g.w, g.s = w, st
			return "", nil
		}
	}
	return g.slowUpdate(opt, bo, params, grads)
}

// bound asks bo for the bounds after a step with gradients up to gmax,
// and whether they all stay under the limit of the params' type.
func (g *stepGuard) bound(bo boundedOptimizer, dt tensor.Dtype, gmax float64) (w float64, s stateBounds, safe bool) {
	limit := limitFor(dt)
	w, s, tr := bo.boundAfter(dt == tensor.Float32, g.w, g.s, gmax)
	safe = w < limit && tr < limit
	for _, v := range s {
		safe = safe && v < limit
	}
	return w, s, safe
}

// measure sets the bounds to the exact maxima of the params and state.
func (g *stepGuard) measure(params []*graph.Param, s *slots) {
	g.w = 0
	for _, p := range params {
		m, _ := maxAbs(p.Value)
		g.w = max(g.w, m)
	}
	// Before the first step there is no state: Update creates it as zeros,
	// so the bounds on it are 0.
	g.s = stateBounds{}
	for i := range s.bind {
		for k := 0; k < s.n; k++ {
			if s.f32 != nil && len(s.f32[i]) > k {
				m, _ := kernels.MaxAbs32(s.f32[i][k])
				g.s[k] = max(g.s[k], float64(m))
			}
			if s.f64 != nil && len(s.f64[i]) > k {
				m, _ := kernels.MaxAbs64(s.f64[i][k])
				g.s[k] = max(g.s[k], m)
			}
		}
	}
	g.valid = true
}

// slowUpdate backs up the params and the optimiser's state, updates, and
// checks every value; it restores the backup and names the first param
// whose value or state went non-finite.
func (g *stepGuard) slowUpdate(opt Optimizer, bo boundedOptimizer, params []*graph.Param, grads []*tensor.Dense) (string, error) {
	g.slow++
	g.backupW.save(paramVectors(params))
	var st *slots
	if bo != nil {
		st = bo.state()
		if c := bo.counter(); c != nil {
			g.backupIt = *c
		}
	} else if so, ok := opt.(SavableOptimizer); ok && so.Slots() != nil {
		// A registered optimiser of someone else's: its state is backed up
		// and restored like the built-ins'; its step counter is its own.
		st = &so.Slots().slots
	}
	hadState := st != nil && st.bind != nil
	if hadState {
		g.backupS.save(slotVectors(st))
	}
	// The copies are as large as the model; they are dropped once the step
	// is decided rather than kept for a slow step that rarely comes again.
	defer func() { g.backupW, g.backupS = floatCopies{}, floatCopies{} }()
	if err := opt.Update(params, grads); err != nil {
		return "", err
	}
	bad := ""
	for i, p := range params {
		if _, ok := maxAbs(p.Value); !ok {
			bad = p.Name
			break
		}
		if st != nil && !slotFinite(st, i) {
			bad = p.Name
			break
		}
	}
	if bad == "" {
		if bo != nil {
			g.measure(params, st)
		}
		return "", nil
	}
	g.backupW.restore(paramVectors(params))
	if st != nil {
		if hadState {
			g.backupS.restore(slotVectors(st))
		} else {
			// The state was made by this Update: drop it, as before.
			st.bind, st.f32, st.f64 = nil, nil, nil
		}
		if bo != nil {
			if c := bo.counter(); c != nil {
				*c = g.backupIt
			}
		}
	}
	g.valid = false
	return bad, nil
}

// maxAbs is kernels.MaxAbs32/64 over a param's tensor.
func maxAbs(t *tensor.Dense) (float64, bool) {
	switch t.Dtype() {
	case tensor.Float32:
		m, ok := kernels.MaxAbs32(t.Float32s())
		return float64(m), ok
	case tensor.Float64:
		return kernels.MaxAbs64(t.Float64s())
	}
	return 0, true
}

func slotFinite(s *slots, i int) bool {
	for k := 0; k < s.n; k++ {
		if s.f32 != nil && len(s.f32[i]) > k && !kernels.AllFinite32(s.f32[i][k]) {
			return false
		}
		if s.f64 != nil && len(s.f64[i]) > k && !kernels.AllFinite64(s.f64[i][k]) {
			return false
		}
	}
	return true
}

// floatVectors are the float32 or float64 vectors a backup covers, in a
// fixed order.
type floatVectors struct {
	f32 [][]float32
	f64 [][]float64
}

func paramVectors(params []*graph.Param) floatVectors {
	var v floatVectors
	for _, p := range params {
		switch d := p.Value.Data().(type) {
		case []float32:
			v.f32 = append(v.f32, d)
		case []float64:
			v.f64 = append(v.f64, d)
		}
	}
	return v
}

func slotVectors(s *slots) floatVectors {
	var v floatVectors
	for i := range s.bind {
		if s.f32 != nil {
			v.f32 = append(v.f32, s.f32[i]...)
		}
		if s.f64 != nil {
			v.f64 = append(v.f64, s.f64[i]...)
		}
	}
	return v
}

// floatCopies holds copies of floatVectors, reusing its buffers.
type floatCopies floatVectors

func (c *floatCopies) save(v floatVectors) {
	c.f32 = copyInto(c.f32, v.f32)
	c.f64 = copyInto(c.f64, v.f64)
}

func (c *floatCopies) restore(v floatVectors) {
	for i, d := range v.f32 {
		copy(d, c.f32[i])
	}
	for i, d := range v.f64 {
		copy(d, c.f64[i])
	}
}

func copyInto[T float32 | float64](dst, src [][]T) [][]T {
	dst = dst[:min(len(dst), len(src))]
	for len(dst) < len(src) {
		dst = append(dst, nil)
	}
	for i, s := range src {
		dst[i] = append(dst[i][:0], s...)
	}
	return dst
}

// guardReset forgets the step guard's bounds, under the trainer's lock.
func (t *Trainer) guardReset() {
	t.mu.Lock()
	t.guard.reset()
	t.mu.Unlock()
}
