package nn

import (
	"math/rand"
	"testing"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// TestConvBehindPreprocessingSkipsDataGradient: a convolution on data
// rescaled by a constant (a Rescaling layer before it, as cmd/images puts
// one) builds no input gradient, as on data itself; behind a trainable
// layer it does.
func TestConvBehindPreprocessingSkipsDataGradient(t *testing.T) {
	c := convCases[0]
	l := c.layer()
	if _, err := l.Build(c.in, graph.Float32, rand.New(rand.NewSource(1))); err != nil {
		t.Fatal(err)
	}
	b, err := graph.NewBuilder(graph.Float32, c.batch, true)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = true
	x := b.Input("x", append([]int{c.batch}, c.in...)...).Node
	rescale := Rescaling(1.0/255, -1)
	if _, err := rescale.Build(c.in, graph.Float32, nil); err != nil {
		t.Fatal(err)
	}
	scaled, err := rescale.Forward(b, x)
	if err != nil {
		t.Fatal(err)
	}
	y, err := l.forwardFused(b, scaled)
	if err != nil {
		t.Fatal(err)
	}
	if op := y.Op().(*convOp); op.needDx {
		t.Error("conv on rescaled data: needDx set")
	}
	p, err := graph.NewParam("p", graph.Float32, true, append([]int{c.batch}, c.in...)...)
	if err != nil {
		t.Fatal(err)
	}
	pn, err := b.Param(p)
	if err != nil {
		t.Fatal(err)
	}
	y2, err := l.forwardFused(b, G.Must(G.HadamardProd(scaled, pn)))
	if err != nil {
		t.Fatal(err)
	}
	if op := y2.Op().(*convOp); !op.needDx {
		t.Error("conv on rescaled data times a trainable param: needDx not set")
	}
}
