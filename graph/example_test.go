package graph_test

import (
	"fmt"
	"math"

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

// Dense is x·W + b, with ReLU when asked, in one node; DenseTwin builds the
// same from Gorgonia's primitives (Mul, BroadcastAdd, x ⊙ [x > 0]). By hand:
// x·W + b = [[4.5 −0.75] [0.5 −0.75]], and ReLU clips the −0.75s. The
// twin's ReLU multiplies them by 0, which leaves −0 (equal to 0).
func ExampleDense() {
	b, _ := graph.NewBuilder(graph.Float32, 2, false)
	w, _ := graph.NewParam("w", graph.Float32, true, 3, 2)
	_ = w.SetFloat64s([]float64{1, 0, 0, 1, 1, -1})
	bias, _ := graph.NewParam("b", graph.Float32, true, 1, 2)
	_ = bias.SetFloat64s([]float64{0.5, 0.25})
	x := b.Input("x", 2, 3)
	_ = x.Set([]float32{1, 2, 3, -1, 0, 1})
	wn, _ := b.Param(w)
	bn, _ := b.Param(bias)
	fused, _ := graph.Dense(x.Node, wn, bn, true, false) // x is data: no input gradient
	twin, _ := graph.DenseTwin(b, x.Node, wn, bn, true)
	m, _ := b.Compile(nil, nil, fused, twin) // no loss: a forward-only machine
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fused %.4f\n", m.Output(0).Data())
	fmt.Printf("twin  %.4f\n", m.Output(1).Data())
	// Output:
	// fused [4.5000 0.0000 0.5000 0.0000]
	// twin  [4.5000 -0.0000 0.5000 -0.0000]
}

// LogSoftmax takes each row's maximum out before exponentiating, so a row
// of large logits is as safe as a small one; Softmax then gives the
// probabilities. By hand: [0, ln 2, ln 3] has Σ exp = 1 + 2 + 3 = 6, so
// p = [1/6, 2/6, 3/6] and log p = [−ln 6, −ln 3, −ln 2]; [1000, 1000, 0]
// gives p = [1/2, 1/2, e⁻¹⁰⁰⁰ = 0]. LogSoftmaxTwin and SoftmaxTwin, the same
// from Gorgonia's primitives, agree. The graph is float64 here so that
// −1000 − ln 2 prints as it is (float32's nearest is −1000.69318).
func ExampleLogSoftmax() {
	b, _ := graph.NewBuilder(graph.Float64, 2, false)
	x := b.Input("x", 2, 3)
	_ = x.Set([]float32{0, float32(math.Ln2), float32(math.Log(3)), 1000, 1000, 0})
	logp, _ := graph.LogSoftmax(x.Node)
	p, _ := graph.Softmax(logp)
	logpTwin, _ := graph.LogSoftmaxTwin(b, x.Node)
	pTwin, _ := graph.SoftmaxTwin(b, logpTwin)
	m, _ := b.Compile(nil, nil, logp, p, logpTwin, pTwin)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("log p %.4f\n", m.Output(0).Data())
	fmt.Printf("p     %.4f\n", m.Output(1).Data())
	fmt.Printf("twin  %.4f\n", m.Output(3).Data())
	// Output:
	// log p [-1.7918 -1.0986 -0.6931 -0.6931 -0.6931 -1000.6931]
	// p     [0.1667 0.3333 0.5000 0.5000 0.5000 0.0000]
	// twin  [0.1667 0.3333 0.5000 0.5000 0.5000 0.0000]
}

// Sigmoid is 1/(1 + e⁻ˣ), elementwise; SigmoidTwin computes it from
// Gorgonia's primitives as (1 + tanh(x/2))/2. By hand: σ(0) = 1/2,
// σ(ln 3) = 1/(1 + 1/3) = 3/4, σ(−ln 3) = 1/4.
func ExampleSigmoid() {
	b, _ := graph.NewBuilder(graph.Float64, 1, false)
	x := b.Input("x", 1, 3)
	_ = x.Set([]float32{0, float32(math.Log(3)), -float32(math.Log(3))})
	y, _ := graph.Sigmoid(x.Node)
	twin, _ := graph.SigmoidTwin(b, x.Node)
	m, _ := b.Compile(nil, nil, y, twin)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("fused %.4f\n", m.Output(0).Data())
	fmt.Printf("twin  %.4f\n", m.Output(1).Data())
	// Output:
	// fused [0.5000 0.7500 0.2500]
	// twin  [0.5000 0.7500 0.2500]
}

// A Window is the geometry of a kernel or pooling window over (h, w, c)
// samples, as Keras works it out: a 2×2 window with stride 2 over a 4×4
// image gives a 2×2 output, and over a 5×5 one 2×2 with "valid" padding
// (the last row and column are left out) but 3×3 with "same" (padded).
// MaxPoolTwin takes each window's maximum; the Builder's MaxPool2D, here
// fused, agrees.
func ExampleNewWindow() {
	g, _ := graph.NewWindow(4, 4, 1, [2]int{2, 2}, [2]int{2, 2}, "valid")
	oh, ow := g.Out()
	fmt.Println("4x4 valid:", oh, ow, "patch", g.PatchLen())
	for _, padding := range []string{"valid", "same"} {
		g5, _ := graph.NewWindow(5, 5, 1, [2]int{2, 2}, [2]int{2, 2}, padding)
		oh, ow := g5.Out()
		fmt.Printf("5x5 %s: %d %d\n", padding, oh, ow)
	}
	_, err := graph.NewWindow(4, 4, 1, [2]int{2, 2}, [2]int{2, 2}, "full")
	fmt.Println(err)

	b, _ := graph.NewBuilder(graph.Float32, 1, false)
	b.Fused = true
	x := b.Input("x", 1, 4, 4, 1)
	_ = x.Set([]float32{
		1, 5, 2, 0,
		3, 4, 8, 6,
		7, 0, 1, 1,
		9, 2, 3, 2,
	})
	twin, _ := graph.MaxPoolTwin(x.Node, g)
	fused, _ := b.MaxPool2D(g, x.Node)
	m, _ := b.Compile(nil, nil, twin, fused)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Output(0).Shape())
	fmt.Printf("twin  %.4f\n", m.Output(0).Data())
	fmt.Printf("fused %.4f\n", m.Output(1).Data())
	// Output:
	// 4x4 valid: 2 2 patch 4
	// 5x5 valid: 2 2
	// 5x5 same: 3 3
	// padding "full", want "valid" or "same"
	// (1, 2, 2, 1)
	// twin  [5.0000 8.0000 9.0000 3.0000]
	// fused [5.0000 8.0000 9.0000 3.0000]
}
