package nn

import (
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// rowOps writes a layer's maths over a (batch, features) matrix as
// expressions: each method adds one Gorgonia node, a (1, features) row
// broadcast over the batch where the operation takes one, and panics with a
// graphError when Gorgonia refuses. The layer's forward recovers it with
// graphErr and returns it as an error, so that the maths reads as maths
// rather than as a ladder of error checks; the panic never leaves the layer.
type rowOps struct{ b *graph.Builder }

// graphError carries a Gorgonia error out of a rowOps expression.
type graphError struct{ err error }

// graphErr turns a graphError panic into *err; other panics go on.
func graphErr(err *error) {
	if r := recover(); r != nil {
		ge, ok := r.(graphError)
		if !ok {
			panic(r)
		}
		*err = ge.err
	}
}

func (r rowOps) check(n *G.Node, err error) *G.Node {
	if err != nil {
		panic(graphError{err})
	}
	return n
}

// param is p's node in the builder's graph.
func (r rowOps) param(p *graph.Param) *G.Node { return r.check(r.b.Param(p)) }

func (r rowOps) sub(x, row *G.Node) *G.Node { return r.check(G.BroadcastSub(x, row, nil, []byte{0})) }
func (r rowOps) add(x, row *G.Node) *G.Node { return r.check(G.BroadcastAdd(x, row, nil, []byte{0})) }
func (r rowOps) mul(x, row *G.Node) *G.Node {
	return r.check(G.BroadcastHadamardProd(x, row, nil, []byte{0}))
}
func (r rowOps) div(x, row *G.Node) *G.Node {
	return r.check(G.BroadcastHadamardDiv(x, row, nil, []byte{0}))
}
func (r rowOps) square(x *G.Node) *G.Node { return r.check(G.Square(x)) }
func (r rowOps) sqrt(x *G.Node) *G.Node   { return r.check(G.Sqrt(x)) }

// addConst adds the scalar c, in the graph's element type.
func (r rowOps) addConst(x *G.Node, c float64) *G.Node { return r.check(G.Add(x, r.b.Const(c))) }
