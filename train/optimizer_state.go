package train

import (
	"fmt"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
)

// optimizerState returns a built-in optimiser's hyperparameters and its
// per-param state tensors, named "optimizer/<param>/<k>", for a checkpoint.
func optimizerState(o Optimizer, params []*graph.Param) (optimizerConfig, []tensorData, error) {
	var c optimizerConfig
	var s *slots
	switch o := o.(type) {
	case *SGDOptimizer:
		c = optimizerConfig{Name: o.Name(), Config: map[string]float64{"learning_rate": o.LR, "momentum": o.Momentum, "nesterov": b2f(o.Nesterov)}}
		s = &o.s
	case *AdamOptimizer:
		c = optimizerConfig{Name: o.Name(), Iterations: o.Iterations, Config: map[string]float64{"learning_rate": o.LR, "beta_1": o.Beta1, "beta_2": o.Beta2, "epsilon": o.Epsilon}}
		s = &o.s
	case *RMSpropOptimizer:
		c = optimizerConfig{Name: o.Name(), Config: map[string]float64{"learning_rate": o.LR, "rho": o.Rho, "epsilon": o.Epsilon}}
		s = &o.s
	default:
		return c, nil, errors.Errorf("optimizer %s cannot be saved: only SGD, Adam and RMSprop are", o.Name())
	}
	c.Slots = s.n
	if s.bind == nil {
		return c, nil, nil // no step taken yet: no state
	}
	var ts []tensorData
	for i, p := range params {
		if s.bind[i] != p {
			return c, nil, errors.Errorf("optimizer state is for %q, model param %d is %q", s.bind[i].Name, i, p.Name)
		}
		for k := 0; k < s.n; k++ {
			t := tensorData{name: slotName(p, k), shape: p.Shape()}
			if p.DType() == graph.Float32 {
				t.f32 = s.f32[i][k]
			} else {
				t.f64 = s.f64[i][k]
			}
			ts = append(ts, t)
		}
	}
	return c, ts, nil
}

func slotName(p *graph.Param, k int) string { return fmt.Sprintf("optimizer/%s/%d", p.Name, k) }

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// optimizerFromState rebuilds a built-in optimiser and, when the checkpoint
// holds state for it, loads that state for params.
func optimizerFromState(c optimizerConfig, params []*graph.Param, d *decodedCheckpoint) (Optimizer, error) {
	cf := func(k string) (float64, error) {
		v, ok := c.Config[k]
		if !ok {
			return 0, errors.Errorf("optimizer %s: no %q in the checkpoint", c.Name, k)
		}
		return v, nil
	}
	var o Optimizer
	var s *slots
	var err error
	switch c.Name {
	case "SGD":
		sgd := SGD(0)
		if sgd.LR, err = cf("learning_rate"); err == nil {
			if sgd.Momentum, err = cf("momentum"); err == nil {
				var n float64
				n, err = cf("nesterov")
				sgd.Nesterov = n != 0
			}
		}
		o, s = sgd, &sgd.s
	case "Adam":
		a := Adam(0)
		a.Iterations = c.Iterations
		for k, dst := range map[string]*float64{"learning_rate": &a.LR, "beta_1": &a.Beta1, "beta_2": &a.Beta2, "epsilon": &a.Epsilon} {
			if *dst, err = cf(k); err != nil {
				break
			}
		}
		o, s = a, &a.s
	case "RMSprop":
		r := RMSprop(0)
		for k, dst := range map[string]*float64{"learning_rate": &r.LR, "rho": &r.Rho, "epsilon": &r.Epsilon} {
			if *dst, err = cf(k); err != nil {
				break
			}
		}
		o, s = r, &r.s
	default:
		return nil, errors.Errorf("unknown optimizer %q (known: SGD, Adam, RMSprop)", c.Name)
	}
	if err != nil {
		return nil, err
	}
	if c.Slots != s.n {
		return nil, errors.Errorf("optimizer %s: %d state tensors per param, want %d", c.Name, c.Slots, s.n)
	}
	// A model without trainable params (only activations, say) has no
	// state to load; one saved before any step has none either.
	if len(params) == 0 {
		return o, nil
	}
	if _, ok := d.tensors[slotName(params[0], 0)]; !ok {
		return o, nil
	}
	s.init(params)
	for i, p := range params {
		for k := 0; k < s.n; k++ {
			v, err := d.float64s(slotName(p, k), p.Shape())
			if err != nil {
				return nil, errors.Wrapf(err, "optimizer %s", c.Name)
			}
			if p.DType() == graph.Float32 {
				for j, x := range v {
					s.f32[i][k][j] = float32(x)
				}
			} else {
				copy(s.f64[i][k], v)
			}
		}
	}
	return o, nil
}
