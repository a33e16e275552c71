package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// BatchNormLayer normalises each feature: y = gamma·(x-mean)/sqrt(var+eps) + beta.
// Over an N-d input the features are the channels, the last axis (Keras's
// axis=-1): the statistics of a channel are taken over the batch and every
// spatial position, and gamma, beta and the moving statistics have one
// entry per channel.
//
// Training graphs use the batch's mean and biased variance, and after each
// training step the layer folds them into its moving averages:
// moving = Momentum·moving + (1-Momentum)·batch. Inference graphs use the
// moving averages. This is Keras's BatchNormalization; Gorgonia's own op
// differs (momentum weighting reversed, unbiased variance, per-sample params
// by default, mode shared by every machine) and is not used.
//
// Forward builds it with graph.Builder.BatchNorm: fused, graph's
// batch-norm ops (three nodes forward, three backward, their tensors
// reused by every run); as its twin (graph.BatchNormTwin), Gorgonia's
// primitives, each allocating a fresh tensor every run. Both return the
// same batch statistics, which the layer observes.
type BatchNormLayer struct {
	Named
	Momentum float64 // weight of the old moving average; Keras's 0.99
	Epsilon  float64 // added to the variance; Keras's 1e-3
	in       Shape

	Gamma, Beta                *graph.Param // trainable, (1, in)
	MovingMean, MovingVariance *graph.Param // non-trainable, (1, in)

	// Gamma, Beta and the moving statistics are (1, channels): (1, in)
	// over a 1-D input, as files written before N-d inputs hold them.
}

// BatchNorm returns a batch normalisation layer with Keras's defaults:
// momentum 0.99, epsilon 1e-3, gamma 1, beta 0, moving mean 0, moving variance 1.
func BatchNorm() *BatchNormLayer { return &BatchNormLayer{Momentum: 0.99, Epsilon: 1e-3} }

// Type implements Layer.
func (l *BatchNormLayer) Type() string { return "BatchNormalization" }

// BatchNormConfig is a BatchNormalization layer's settings as a saved
// model holds them: {"momentum":0.99,"epsilon":0.001}; Build checks them.
type BatchNormConfig struct {
	Momentum float64 `json:"momentum,omitempty"`
	Epsilon  float64 `json:"epsilon,omitempty"`
}

func init() {
	mustRegister("BatchNormalization", func(c BatchNormConfig) (Layer, error) {
		return &BatchNormLayer{Momentum: c.Momentum, Epsilon: c.Epsilon}, nil
	})
}

// Config implements Configurer.
func (l *BatchNormLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), BatchNormConfig{Momentum: l.Momentum, Epsilon: l.Epsilon})
}

// CountParams implements ParamCounter: gamma, beta and the two moving
// statistics, one of each per channel (the last axis).
func (l *BatchNormLayer) CountParams(in []int) (int64, []int, error) {
	if err := checkShape("batchnorm", l.Name(), in); err != nil {
		return 0, nil, err
	}
	return 4 * int64(in[len(in)-1]), Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *BatchNormLayer) Build(inShape []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	if !(l.Momentum >= 0 && l.Momentum <= 1) {
		return nil, errors.Errorf("batchnorm %q: momentum must be in [0, 1], got %v", l.Name(), l.Momentum)
	}
	if !(l.Epsilon > 0) {
		return nil, errors.Errorf("batchnorm %q: epsilon must be positive, got %v", l.Name(), l.Epsilon)
	}
	if err := checkShape("batchnorm", l.Name(), inShape); err != nil {
		return nil, err
	}
	l.in = Shape(inShape).Clone()
	channels := inShape[len(inShape)-1]
	mk := func(name string, trainable bool, v float64) (*graph.Param, error) {
		p, err := graph.NewParam(l.Name()+"/"+name, dt, trainable, 1, channels)
		if err != nil {
			return nil, errors.Wrapf(err, "batchnorm %q", l.Name())
		}
		fill(p, v)
		return p, nil
	}
	var err error
	if l.Gamma, err = mk("gamma", true, 1); err != nil {
		return nil, err
	}
	if l.Beta, err = mk("beta", true, 0); err != nil {
		return nil, err
	}
	if l.MovingMean, err = mk("moving_mean", false, 0); err != nil {
		return nil, err
	}
	if l.MovingVariance, err = mk("moving_variance", false, 1); err != nil {
		return nil, err
	}
	return l.in.Clone(), nil
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
	if err := wantShape("batchnorm", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	y, mean, variance, err := b.BatchNorm(x, l.Gamma, l.Beta, l.MovingMean, l.MovingVariance, l.Epsilon)
	if err != nil {
		return nil, errors.Wrapf(err, "batchnorm %q", l.Name())
	}
	if b.Training {
		b.Observe(mean, l.Name()+" batch mean", l.foldInto(l.MovingMean))
		b.Observe(variance, l.Name()+" batch variance", l.foldInto(l.MovingVariance))
	}
	return y, nil
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
