package data

import (
	"math"

	"github.com/pkg/errors"
)

// StandardScaler standardizes features to mean 0 and standard deviation 1,
// as scikit-learn's StandardScaler does: it uses the population (biased)
// standard deviation, and a feature that is constant gets scale 1, so it
// becomes 0 instead of a division by zero.
//
// Fit it on training data only and apply the same Mean and Scale to
// validation and test data; fitting on all of it leaks their statistics
// into training.
type StandardScaler struct {
	// Mean and Scale hold one value per feature after Fit. They are float64
	// because float32 sums over tens of thousands of rows lose digits.
	Mean, Scale []float64
}

// Fit computes the mean and standard deviation of every feature of d.
func (s *StandardScaler) Fit(d *Dataset) error {
	if d == nil || d.Len() == 0 {
		return errors.New("data: StandardScaler.Fit: no samples")
	}
	n, f := d.Len(), d.Features()
	mean := make([]float64, f)
	for i := 0; i < n; i++ {
		for j, v := range d.Row(i) {
			mean[j] += float64(v)
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	// Two passes rather than sum of squares: the latter cancels
	// catastrophically when the mean is large against the spread.
	vr := make([]float64, f)
	for i := 0; i < n; i++ {
		for j, v := range d.Row(i) {
			dv := float64(v) - mean[j]
			vr[j] += float64(dv * dv)
		}
	}
	scale := make([]float64, f)
	const eps = 2.220446049250313e-16 // float64 machine epsilon
	nf := float64(n)
	for j := range vr {
		vr[j] /= nf
		// scikit-learn's test for a constant feature: a variance within
		// rounding error of zero, not just exactly zero.
		bound := float64(nf*eps*vr[j]) + float64((nf*mean[j]*eps)*(nf*mean[j]*eps))
		if vr[j] <= bound {
			scale[j] = 1
		} else {
			scale[j] = math.Sqrt(vr[j])
		}
	}
	s.Mean, s.Scale = mean, scale
	return nil
}

// Transform standardizes d.X in place: (x - Mean) / Scale. It modifies d
// rather than returning a copy because data sets are usually scaled once,
// right after loading; use d.Clone first to keep the original.
func (s *StandardScaler) Transform(d *Dataset) error {
	if err := s.check(d); err != nil {
		return err
	}
	f := d.Features()
	for i, v := range d.X {
		j := i % f
		d.X[i] = float32((float64(v) - s.Mean[j]) / s.Scale[j])
	}
	return nil
}

// InverseTransform undoes Transform in place.
func (s *StandardScaler) InverseTransform(d *Dataset) error {
	if err := s.check(d); err != nil {
		return err
	}
	f := d.Features()
	for i, v := range d.X {
		j := i % f
		d.X[i] = float32(float64(float64(v)*s.Scale[j]) + s.Mean[j])
	}
	return nil
}

// FitTransform fits s on d and then transforms d in place.
func (s *StandardScaler) FitTransform(d *Dataset) error {
	if err := s.Fit(d); err != nil {
		return err
	}
	return s.Transform(d)
}

func (s *StandardScaler) check(d *Dataset) error {
	if d == nil {
		return errors.New("data: StandardScaler: nil data set")
	}
	if s.Mean == nil || len(s.Mean) != len(s.Scale) {
		return errors.New("data: StandardScaler: not fitted")
	}
	if d.Features() != len(s.Mean) {
		return errors.Errorf("data: StandardScaler: %s has %d features, scaler was fitted on %d",
			d.Name, d.Features(), len(s.Mean))
	}
	return nil
}
