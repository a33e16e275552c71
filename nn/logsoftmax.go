package nn

import (
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// LogSoftmax returns log(softmax(x)) along the rows of a (batch, classes)
// matrix, computed as (x - max) - log(sum(exp(x - max))).
//
// It is one fused node (graph.LogSoftmax) on purpose. Gorgonia's SoftMax starts every
// row's maximum from the first element of the whole tensor (NaN for logits
// far apart between rows), its LogSoftmax hashes to the same node as SoftMax,
// and its graph rewriter turns Log(SoftMax(x)) into log-probabilities in
// place. Subtracting the row maximum keeps every exponent ≤ 0, so nothing
// overflows, and the largest term of the sum is exactly 1, so the log never
// sees 0. Its gradient is the textbook dy − softmax·Σdy, computed in one
// pass.
func LogSoftmax(x *G.Node) (*G.Node, error) { return graph.LogSoftmax(x) }
