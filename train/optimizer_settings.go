package train

import (
	"math"

	"github.com/pkg/errors"
)

// Settings checks shared by the optimisers' Validate methods, which sit in
// each optimiser's file. Each names the optimiser, the setting (with
// Keras's name) and the accepted range. The comparisons are written so
// that NaN fails them.

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

// validateOptimizer runs o's Validate when it has one: the built-in
// optimisers do; a custom Optimizer need not.
func validateOptimizer(o Optimizer) error {
	if v, ok := o.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}
