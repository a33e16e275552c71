package graph_test

import (
	"fmt"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// GradCheck verifies gorgonia.Grad against finite differences for any scalar
// built on a float64 graph: here Σ tanh(x·w).
func ExampleGradCheck() {
	b, _ := graph.NewBuilder(graph.Float64, 2, true)
	w, _ := graph.NewParam("w", graph.Float64, true, 3, 1)
	_ = w.SetFloat64s([]float64{0.5, -1, 2})
	x := b.Input("x", 2, 3)
	_ = x.Set([]float32{1, 2, 3, -1, 0.5, 0.25})
	wn, _ := b.Param(w)
	loss := G.Must(G.Sum(G.Must(G.Tanh(G.Must(G.Mul(x.Node, wn))))))
	res, err := graph.GradCheck(b, loss, []*graph.Param{w}, 1e-6, 1)
	fmt.Println(err, res.Checked, res.MaxRelErr < 1e-8)
	// Output: <nil> 3 true
}
