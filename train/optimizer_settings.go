package train

import (
	"math"

	"github.com/pkg/errors"
)

// Settings checks shared by the optimisers' Validate methods. Each names
// the optimiser, the setting (with Keras's name) and the accepted range.
// The comparisons are written so that NaN fails them.

// checkPositive accepts a finite value above 0: learning rates, and ε,
// which keeps the step's division finite where a weight's gradients have
// all been 0 (with ε = 0 that step is 0/0 = NaN).
func checkPositive(opt, name string, v float64) error {
	if v > 0 && !math.IsInf(v, 1) {
		return nil
	}
	return errors.Errorf("%s: %s %v must be finite and > 0", opt, name, v)
}

// checkDecay accepts a decay rate in [0, 1): β₁, β₂, ρ. At 1 the moving
// average never moves from its zero start (and Adam's bias correction
// divides by 1 − 1ᵗ = 0).
func checkDecay(opt, name string, v float64) error {
	if v >= 0 && v < 1 {
		return nil
	}
	return errors.Errorf("%s: %s %v must be in [0, 1)", opt, name, v)
}

// Validate reports the first setting out of range: learning rate finite and
// > 0, momentum in [0, 1] (Keras's SGD raises the same ValueError).
func (o *SGDOptimizer) Validate() error {
	if err := checkPositive(o.Name(), "learning rate", o.LR); err != nil {
		return err
	}
	if !(o.Momentum >= 0 && o.Momentum <= 1) {
		return errors.Errorf("%s: momentum %v must be in [0, 1]", o.Name(), o.Momentum)
	}
	return nil
}

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

// validateOptimizer runs o's Validate when it has one: the built-in
// optimisers do; a custom Optimizer need not.
func validateOptimizer(o Optimizer) error {
	if v, ok := o.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}
