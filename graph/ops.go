package graph

import (
	G "gorgonia.org/gorgonia"
)

// The Builder's op methods are what layers and losses call: each builds
// the fused op when b.Fused is set and its twin (twin.go) otherwise, so one
// switch (nn.BuildOptions.Fusion, or GRADGRAPH_FUSION=0) turns a whole
// model into plain Gorgonia.

// Dense adds act(x·W + bias) (act the identity, or ReLU when relu is set).
// The input gradient is left out of the fused op when x is data, or
// computed from data alone (FromData: no gradient is asked of it).
func (b *Builder) Dense(x, w, bias *G.Node, relu bool) (*G.Node, error) {
	if b.Fused {
		return Dense(x, w, bias, relu, !b.FromData(x))
	}
	return DenseTwin(b, x, w, bias, relu)
}

// LogSoftmax adds the row-wise log-softmax of a (batch, classes) matrix.
func (b *Builder) LogSoftmax(x *G.Node) (*G.Node, error) {
	if b.Fused {
		return LogSoftmax(x)
	}
	return LogSoftmaxTwin(b, x)
}

// Softmax adds exp of log-probabilities lp.
func (b *Builder) Softmax(lp *G.Node) (*G.Node, error) {
	if b.Fused {
		return Softmax(lp)
	}
	return SoftmaxTwin(b, lp)
}

// CrossEntropy adds −(1/N)·Σ logp ⊙ target for N rows.
func (b *Builder) CrossEntropy(logp, target *G.Node) (*G.Node, error) {
	if b.Fused {
		return CrossEntropy(logp, target)
	}
	return CrossEntropyTwin(b, logp, target)
}

// Sigmoid adds the logistic function, elementwise.
func (b *Builder) Sigmoid(x *G.Node) (*G.Node, error) {
	if b.Fused {
		return Sigmoid(x)
	}
	return SigmoidTwin(b, x)
}
