package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// BatchNormLayer normalises each feature: y = gamma·(x-mean)/sqrt(var+eps) + beta.
//
// Training graphs use the batch's mean and biased variance, and after each
// training step the layer folds them into its moving averages:
// moving = Momentum·moving + (1-Momentum)·batch. Inference graphs use the
// moving averages. This is Keras's BatchNormalization; Gorgonia's own op
// differs (momentum weighting reversed, unbiased variance, per-sample params
// by default, mode shared by every machine) and is not used.
type BatchNormLayer struct {
	Named
	Momentum float64 // weight of the old moving average; Keras's 0.99
	Epsilon  float64 // added to the variance; Keras's 1e-3
	in       int

	Gamma, Beta                *graph.Param // trainable, (1, in)
	MovingMean, MovingVariance *graph.Param // non-trainable, (1, in)
}

// BatchNorm returns a batch normalisation layer with Keras's defaults:
// momentum 0.99, epsilon 1e-3, gamma 1, beta 0, moving mean 0, moving variance 1.
func BatchNorm() *BatchNormLayer { return &BatchNormLayer{Momentum: 0.99, Epsilon: 1e-3} }

// Type implements Layer.
func (l *BatchNormLayer) Type() string { return "BatchNormalization" }

// Build implements Layer.
func (l *BatchNormLayer) Build(in int, dt tensor.Dtype, rng *rand.Rand) (int, error) {
	if !(l.Momentum >= 0 && l.Momentum <= 1) {
		return 0, errors.Errorf("batchnorm %q: momentum must be in [0, 1], got %v", l.Name(), l.Momentum)
	}
	if !(l.Epsilon > 0) {
		return 0, errors.Errorf("batchnorm %q: epsilon must be positive, got %v", l.Name(), l.Epsilon)
	}
	if in <= 0 {
		return 0, errors.Errorf("batchnorm %q: input has %d features", l.Name(), in)
	}
	l.in = in
	mk := func(name string, trainable bool, v float64) (*graph.Param, error) {
		p, err := graph.NewParam(l.Name()+"/"+name, dt, trainable, 1, in)
		if err != nil {
			return nil, errors.Wrapf(err, "batchnorm %q", l.Name())
		}
		fill(p, v)
		return p, nil
	}
	var err error
	if l.Gamma, err = mk("gamma", true, 1); err != nil {
		return 0, err
	}
	if l.Beta, err = mk("beta", true, 0); err != nil {
		return 0, err
	}
	if l.MovingMean, err = mk("moving_mean", false, 0); err != nil {
		return 0, err
	}
	if l.MovingVariance, err = mk("moving_variance", false, 1); err != nil {
		return 0, err
	}
	return in, nil
}

// Params implements Layer: gamma, beta, then the two moving statistics.
func (l *BatchNormLayer) Params() []*graph.Param {
	return []*graph.Param{l.Gamma, l.Beta, l.MovingMean, l.MovingVariance}
}

// Forward implements Layer.
func (l *BatchNormLayer) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if l.Gamma == nil {
		return nil, errors.Errorf("batchnorm %q: not built", l.Name())
	}
	if x.Dims() != 2 || x.Shape()[1] != l.in {
		return nil, errors.Errorf("batchnorm %q: input has shape %v, want (batch, %d)", l.Name(), x.Shape(), l.in)
	}
	y, err := l.forward(b, x)
	return y, errors.Wrapf(err, "batchnorm %q", l.Name())
}

// forward is, per feature (column) j of the batch x:
//
//	training:  μ = mean_i x_ij,  σ² = mean_i (x_ij − μ)²  (biased, as Keras)
//	inference: μ, σ² = the moving averages
//	x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
//
// and, in training, folds μ and σ² into the moving averages after the step.
func (l *BatchNormLayer) forward(b *graph.Builder, x *G.Node) (y *G.Node, err error) {
	defer graphErr(&err)
	r := rowOps{b}
	var mu, variance *G.Node
	if b.Training {
		mu = r.mean(x)
		variance = r.mean(r.square(r.sub(x, mu)))
		b.Observe(mu, l.foldInto(l.MovingMean))
		b.Observe(variance, l.foldInto(l.MovingVariance))
	} else {
		mu, variance = r.param(l.MovingMean), r.param(l.MovingVariance)
	}
	xhat := r.div(r.sub(x, mu), r.sqrt(r.addConst(variance, l.Epsilon)))
	return r.add(r.mul(xhat, r.param(l.Gamma)), r.param(l.Beta)), nil
}

// foldInto returns an observer that moves p towards a batch statistic. The
// machine calls it when a training step is committed (graph.Machine.Commit),
// so a step rejected for a NaN loss leaves the moving statistics alone.
// 1−momentum is formed in float64 and rounded once. Each product is
// converted explicitly before the sum: the Go spec lets a compiler fuse
// x*y + z into one FMA (Go does with GOAMD64=v3), and an explicit
// conversion rounds the product, so the moving statistics are the same
// bits whatever GOAMD64 the binary was built for.
func (l *BatchNormLayer) foldInto(p *graph.Param) func(v *tensor.Dense) error {
	m := l.Momentum
	return func(v *tensor.Dense) error {
		switch batch := v.Data().(type) {
		case []float32:
			dst := p.Value.Data().([]float32)
			m32, omm32 := float32(m), float32(1-m)
			for i, s := range batch {
				dst[i] = float32(m32*dst[i]) + float32(omm32*s)
			}
		case []float64:
			dst := p.Value.Data().([]float64)
			for i, s := range batch {
				dst[i] = float64(m*dst[i]) + float64((1-m)*s)
			}
		default:
			return errors.Errorf("batchnorm %q: batch statistic of unexpected type %T", l.Name(), v.Data())
		}
		return nil
	}
}
