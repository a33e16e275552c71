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

// A classifier head built from gradgraph's fused ops: Dense (x·W + b),
// LogSoftmax, Softmax and CrossEntropy, differentiated by gorgonia.Grad.
// With zero weights every class gets the same probability and the loss is
// ln 3; the gradient of the bias is (p − y) averaged over the batch.
func ExampleCrossEntropy() {
	b, _ := graph.NewBuilder(graph.Float32, 2, true)
	w, _ := graph.NewParam("w", graph.Float32, true, 4, 3)
	bias, _ := graph.NewParam("b", graph.Float32, true, 1, 3)
	x := b.Input("x", 2, 4)
	_ = x.Set([]float32{1, 0, 2, 0, 0, 3, 0, 1})
	y := b.Input("y", 2, 3)
	_ = y.Set([]float32{1, 0, 0, 0, 0, 1}) // one-hot: classes 0 and 2
	wn, _ := b.Param(w)
	bn, _ := b.Param(bias)
	z, _ := graph.Dense(x.Node, wn, bn, false, false)
	logp, _ := graph.LogSoftmax(z)
	p, _ := graph.Softmax(logp)
	loss, _ := graph.CrossEntropy(logp, y.Node)
	m, _ := b.Compile(loss, []*graph.Param{w, bias}, p)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("loss %.4f\n", m.Loss())
	fmt.Printf("p %.4f\n", m.Output(0).Data())
	fmt.Printf("db %.4f\n", m.Grad(1).Data())
	// Output:
	// loss 1.0986
	// p [0.3333 0.3333 0.3333 0.3333 0.3333 0.3333]
	// db [-0.1667 0.3333 -0.1667]
}
