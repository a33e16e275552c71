package nn

import (
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// LayerNormalizationLayer normalises each sample over its features, the
// last axis (Keras's LayerNormalization(axis=-1)):
//
//	y = (x − μ) / √(σ² + ε) · γ + β
//
// with μ and σ² the mean and biased variance of one sample's features at
// one position (over the channels of an image's pixel, over every feature
// of a flat sample), γ and β trainable per feature. Unlike BatchNorm, the
// statistics are the sample's own, so training and inference compute the
// same thing, a batch of one is as good as any, and there is no moving
// state: it is the normalisation of transformers and of recurrent nets.
//
// Keras's defaults: ε = 0.001, γ initialised to ones and β to zeros,
// center and scale on. Only the last axis may be normalised (Keras also
// allows others and several); Keras's rms_scaling is not offered.
//
// The layer is written with Gorgonia's primitives (row means, broadcast
// subtraction and division, a square root), differentiated by
// gorgonia.Grad: it has no fused op, so no twin. An N-d input is copied
// to (positions, features) and back (graph.Reshape, a copy).
type LayerNormalizationLayer struct {
	Named
	Epsilon       float64 // added to the variance; Keras's default 0.001
	Center, Scale bool    // learn β, learn γ; both by default

	Gamma, Beta *graph.Param // trainable, (1, features); nil when Scale, Center are off
	in          Shape
}

// LayerNormalization returns a layer normalisation over the last axis with
// Keras's defaults.
func LayerNormalization() *LayerNormalizationLayer {
	return &LayerNormalizationLayer{Epsilon: 1e-3, Center: true, Scale: true}
}

// Type implements Layer.
func (l *LayerNormalizationLayer) Type() string { return "LayerNormalization" }

// LayerNormalizationConfig is the layer's settings as a saved model holds
// them, Keras's names: {"axis":-1,"epsilon":0.001,"center":true,"scale":true}.
type LayerNormalizationConfig struct {
	Axis    int     `json:"axis"`
	Epsilon float64 `json:"epsilon"`
	Center  bool    `json:"center"`
	Scale   bool    `json:"scale"`
}

func init() {
	mustRegister("LayerNormalization", func(c LayerNormalizationConfig) (Layer, error) {
		if c.Axis != -1 {
			return nil, errors.Errorf("layer normalization: axis %d: only the last axis (-1) is supported", c.Axis)
		}
		return &LayerNormalizationLayer{Epsilon: c.Epsilon, Center: c.Center, Scale: c.Scale}, nil
	})
}

// Config implements Configurer.
func (l *LayerNormalizationLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), LayerNormalizationConfig{Axis: -1, Epsilon: l.Epsilon, Center: l.Center, Scale: l.Scale})
}

// CountParams implements ParamCounter: γ and β, one of each per feature.
func (l *LayerNormalizationLayer) CountParams(in []int) (int64, []int, error) {
	if !(l.Epsilon > 0) || math.IsInf(l.Epsilon, 0) {
		return 0, nil, errors.Errorf("layer normalization %q: epsilon must be positive and finite, got %v", l.Name(), l.Epsilon)
	}
	if err := checkShape("layer normalization", l.Name(), in); err != nil {
		return 0, nil, err
	}
	n := int64(0)
	for _, on := range []bool{l.Scale, l.Center} {
		if on {
			n += int64(in[len(in)-1])
		}
	}
	return n, Shape(in).Clone(), nil
}

// Build implements Layer.
func (l *LayerNormalizationLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	_, out, err := l.CountParams(in)
	if err != nil {
		return nil, err
	}
	features := in[len(in)-1]
	mk := func(name string, v float64) (*graph.Param, error) {
		p, err := graph.NewParam(l.Name()+"/"+name, dt, true, 1, features)
		if err != nil {
			return nil, errors.Wrapf(err, "layer normalization %q", l.Name())
		}
		fill(p, v)
		return p, nil
	}
	l.Gamma, l.Beta = nil, nil
	if l.Scale {
		if l.Gamma, err = mk("gamma", 1); err != nil {
			return nil, err
		}
	}
	if l.Center {
		if l.Beta, err = mk("beta", 0); err != nil {
			return nil, err
		}
	}
	l.in = Shape(in).Clone()
	return out, nil
}

// Params implements Layer: γ then β, those that are on.
func (l *LayerNormalizationLayer) Params() []*graph.Param {
	var ps []*graph.Param
	for _, p := range []*graph.Param{l.Gamma, l.Beta} {
		if p != nil {
			ps = append(ps, p)
		}
	}
	return ps
}

// Forward implements Layer.
func (l *LayerNormalizationLayer) Forward(b *graph.Builder, x *G.Node) (y *G.Node, err error) {
	if l.in == nil {
		return nil, errors.Errorf("layer normalization %q: not built", l.Name())
	}
	if err := wantShape("layer normalization", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	defer func() { err = errors.Wrapf(err, "layer normalization %q", l.Name()) }()
	shape := x.Shape().Clone()
	c := l.in[len(l.in)-1]
	rows := shape.TotalSize() / c
	flat := x
	if len(l.in) > 1 {
		if flat, err = graph.Reshape(x, rows, c); err != nil {
			return nil, err
		}
	}
	r := rowOps{b}
	// The params are asked for before the arithmetic, in the order Params
	// lists them, so that every graph holds them in the same order.
	var gamma, beta *G.Node
	if l.Gamma != nil {
		gamma = r.param(l.Gamma)
	}
	if l.Beta != nil {
		beta = r.param(l.Beta)
	}
	defer graphErr(&err)
	// A (rows) vector of per-row statistics as a (rows, 1) column that
	// broadcasts over the features; the copy keeps the statistic apart
	// from what downstream ops may overwrite (graph.Reshape).
	column := func(v *G.Node) *G.Node { return r.check(graph.Reshape(v, rows, 1)) }
	mean := column(r.check(G.Mean(flat, 1)))
	d := r.check(G.BroadcastSub(flat, mean, nil, []byte{1}))
	variance := column(r.check(G.Mean(r.square(d), 1)))
	sd := r.sqrt(r.addConst(variance, l.Epsilon))
	y = r.check(G.BroadcastHadamardDiv(d, sd, nil, []byte{1}))
	if gamma != nil {
		y = r.mul(y, gamma)
	}
	if beta != nil {
		y = r.add(y, beta)
	}
	if len(l.in) > 1 {
		return graph.Reshape(y, shape...)
	}
	return y, nil
}
