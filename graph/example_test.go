package graph_test

import (
	"fmt"
	"math"
	"math/rand"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

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

// BatchNormTrain normalises each column with the batch's mean and biased
// variance and returns them for the caller to fold into moving averages;
// BatchNormInfer uses given statistics instead. By hand, for the column
// [1 2 3 6]: mean 3, variance (4 + 1 + 0 + 9)/4 = 3.5, and with ε = 0.5 the
// root is 2, so x̂ = [−1 −0.5 0 1.5] and γ·x̂ + β with γ = 2, β = 1 is
// [−1 0 1 4]. Inference with the same mean and variance gives the same;
// BatchNormTwin, the same from Gorgonia's primitives, agrees.
func ExampleBatchNormTrain() {
	b, _ := graph.NewBuilder(graph.Float32, 4, true)
	gamma, _ := graph.NewParam("gamma", graph.Float32, true, 1, 1)
	_ = gamma.SetFloat64s([]float64{2})
	beta, _ := graph.NewParam("beta", graph.Float32, true, 1, 1)
	_ = beta.SetFloat64s([]float64{1})
	movingMean, _ := graph.NewParam("moving_mean", graph.Float32, false, 1, 1)
	movingVar, _ := graph.NewParam("moving_variance", graph.Float32, false, 1, 1)
	x := b.Input("x", 4, 1)
	_ = x.Set([]float32{1, 2, 3, 6})
	gn, _ := b.Param(gamma)
	bn, _ := b.Param(beta)
	const eps = 0.5
	y, mean, variance, _ := graph.BatchNormTrain(x.Node, gn, bn, eps, false)
	mu := b.Input("mu", 1, 1) // the statistics to infer with
	_ = mu.Set([]float32{3})
	v := b.Input("v", 1, 1)
	_ = v.Set([]float32{3.5})
	inferred, _ := graph.BatchNormInfer(x.Node, gn, bn, mu.Node, v.Node, eps, false)
	twin, _, _, _ := graph.BatchNormTwin(b, x.Node, gamma, beta, movingMean, movingVar, eps)
	m, _ := b.Compile(nil, nil, y, mean, variance, inferred, twin)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("mean %.4f variance %.4f\n", m.Output(1).Data(), m.Output(2).Data())
	fmt.Printf("train %.4f\n", m.Output(0).Data())
	fmt.Printf("infer %.4f\n", m.Output(3).Data())
	fmt.Printf("twin  %.4f\n", m.Output(4).Data())
	// Output:
	// mean [3.0000] variance [3.5000]
	// train [-1.0000 0.0000 1.0000 4.0000]
	// infer [-1.0000 0.0000 1.0000 4.0000]
	// twin  [-1.0000 0.0000 1.0000 4.0000]
}

// Conv2D convolves channels-last images (batch, h, w, c) with a
// (kh, kw, c, filters) kernel. Builder.Fused picks the fused op or its
// twin, ConvTwin (im2col from slices and concatenations, then Dense's
// twin), for every op the Builder builds. By hand, on the 3×3 image 1…9
// with a 2×2 window: filter 0 sums each window (12, 16, 24, 28), adds −15
// and applies ReLU; filter 1 picks the window's top-left pixel (1, 2, 4,
// 5). The output interleaves them, filters last; the twin's ReLU leaves
// −0 where it clips.
func ExampleBuilder_Conv2D() {
	g, _ := graph.NewWindow(3, 3, 1, [2]int{2, 2}, [2]int{1, 1}, "valid")
	kernel, _ := graph.NewParam("kernel", graph.Float32, true, 2, 2, 1, 2)
	_ = kernel.SetFloat64s([]float64{1, 1, 1, 0, 1, 0, 1, 0}) // (row, column, channel, filter)
	bias, _ := graph.NewParam("bias", graph.Float32, true, 1, 2)
	_ = bias.SetFloat64s([]float64{-15, 0})
	for _, fused := range []bool{true, false} {
		b, _ := graph.NewBuilder(graph.Float32, 1, false)
		b.Fused = fused
		x := b.Input("x", 1, 3, 3, 1)
		_ = x.Set([]float32{1, 2, 3, 4, 5, 6, 7, 8, 9})
		y, _ := b.Conv2D(g, x.Node, kernel, bias, true, nil)
		m, _ := b.Compile(nil, nil, y)
		if err := m.Run(nil); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("fused %v: %v %.4f\n", fused, m.Output(0).Shape(), m.Output(0).Data())
	}
	// Output:
	// fused true: (1, 2, 2, 2) [0.0000 1.0000 1.0000 2.0000 9.0000 4.0000 13.0000 5.0000]
	// fused false: (1, 2, 2, 2) [-0.0000 1.0000 1.0000 2.0000 9.0000 4.0000 13.0000 5.0000]
}

// GlobalAvgPoolTwin and GlobalMaxPoolTwin reduce each channel of
// (batch, h, w, c) images over its positions to (batch, c); the Builder's
// GlobalAvgPool2D and GlobalMaxPool2D, here fused, agree. By hand, for a
// 2×2 image of two channels, [1 2 3 6] and [−1 0 −4 −3]: means 3 and −2,
// maxima 6 and 0.
func ExampleGlobalAvgPoolTwin() {
	b, _ := graph.NewBuilder(graph.Float32, 1, false)
	b.Fused = true
	x := b.Input("x", 1, 2, 2, 2)
	_ = x.Set([]float32{1, -1, 2, 0, 3, -4, 6, -3}) // channels last
	avgTwin, _ := graph.GlobalAvgPoolTwin(x.Node)
	maxTwin, _ := graph.GlobalMaxPoolTwin(x.Node)
	avg, _ := b.GlobalAvgPool2D(x.Node)
	mx, _ := b.GlobalMaxPool2D(x.Node)
	m, _ := b.Compile(nil, nil, avgTwin, maxTwin, avg, mx)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("avg %v %.4f, fused %.4f\n", m.Output(0).Shape(), m.Output(0).Data(), m.Output(2).Data())
	fmt.Printf("max %v %.4f, fused %.4f\n", m.Output(1).Shape(), m.Output(1).Data(), m.Output(3).Data())
	// Output:
	// avg (1, 2) [3.0000 -2.0000], fused [3.0000 -2.0000]
	// max (1, 2) [6.0000 0.0000], fused [6.0000 0.0000]
}

// Maximum is the elementwise maximum; on a tie its gradient goes to its
// first argument only. For loss = Σ max(m, v) with m = [1 2 3] and
// v = [3 2 1], the maximum is [3 2 3] and each element's gradient 1 goes to
// whichever argument won: m gets [0 1 1] (the tie at 2 included), v [1 0 0].
func ExampleMaximum() {
	b, _ := graph.NewBuilder(graph.Float64, 1, true)
	mp, _ := graph.NewParam("m", graph.Float64, true, 1, 3)
	_ = mp.SetFloat64s([]float64{1, 2, 3})
	vp, _ := graph.NewParam("v", graph.Float64, true, 1, 3)
	_ = vp.SetFloat64s([]float64{3, 2, 1})
	m, _ := b.Param(mp)
	v, _ := b.Param(vp)
	mx, _ := graph.Maximum(m, v)
	loss := G.Must(G.Sum(mx))
	machine, _ := b.Compile(loss, []*graph.Param{mp, vp}, mx)
	if err := machine.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("max %.4f\n", machine.Output(0).Data())
	fmt.Printf("dm  %.4f\n", machine.Grad(0).Data())
	fmt.Printf("dv  %.4f\n", machine.Grad(1).Data())
	// Output:
	// max [3.0000 2.0000 3.0000]
	// dm  [0.0000 1.0000 1.0000]
	// dv  [1.0000 0.0000 0.0000]
}

// StdFloor is Keras Normalization's denominator: the square root of a
// (1, n) variance, but never below the floor, so that a constant feature
// (variance 0) is not divided by 0. By hand: √4 = 2, √0.25 = 0.5, and
// √0 = 0 is raised to the floor, 0.001.
func ExampleStdFloor() {
	b, _ := graph.NewBuilder(graph.Float32, 1, false)
	v := b.Input("variance", 1, 3)
	_ = v.Set([]float32{4, 0.25, 0})
	std, _ := graph.StdFloor(v.Node, 0.001)
	m, _ := b.Compile(nil, nil, std)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%.4f\n", m.Output(0).Data())
	// Output: [2.0000 0.5000 0.0010]
}

// Reshape copies x's elements, in row-major order, into a node of another
// shape of the same size (Gorgonia's own Reshape shares its input's
// memory, which in-place ops downstream can overwrite). A shape of another
// size is refused.
func ExampleReshape() {
	b, _ := graph.NewBuilder(graph.Float32, 2, false)
	x := b.Input("x", 2, 3)
	_ = x.Set([]float32{1, 2, 3, 4, 5, 6})
	y, _ := graph.Reshape(x.Node, 3, 2)
	_, err := graph.Reshape(x.Node, 4, 2)
	fmt.Println(err)
	m, _ := b.Compile(nil, nil, y)
	if err := m.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v %.4f\n", m.Output(0).Shape(), m.Output(0).Data())
	// Output:
	// reshape: (2, 3) has 6 elements, (4, 2) has 8
	// (3, 2) [1.0000 2.0000 3.0000 4.0000 5.0000 6.0000]
}

// Snapshot copies params' values (Keras's get_weights) and Restore writes
// them back (set_weights): here after a change, as a training loop does to
// return to its best epoch. Restore refuses values that do not fit.
func ExampleSnapshot() {
	w, _ := graph.NewParam("w", graph.Float32, true, 2, 2)
	_ = w.SetFloat64s([]float64{1, 2, 3, 4})
	params := []*graph.Param{w}
	saved := graph.Snapshot(params)
	w.SetAt(0, 100)
	fmt.Println("changed ", w.Float64s())
	if err := graph.Restore(params, saved); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("restored", w.Float64s())
	fmt.Println(graph.Restore(params, nil))
	fmt.Println(graph.Restore(params, [][]float64{{1, 2, 3}}))
	// Output:
	// changed  [100 2 3 4]
	// restored [1 2 3 4]
	// restore: got 0 tensors for 1 params
	// restore: param "w": got 3 values, want 4
}

// ParseFusion reads a value of GRADGRAPH_FUSION (FusionFromEnv reads the
// variable itself, once per process): unset or 1 means the fused ops, 0
// their plain-Gorgonia twins, and anything else is an error rather than a
// silent choice.
func ExampleParseFusion() {
	fmt.Println(graph.ParseFusion("", false)) // unset
	for _, v := range []string{"1", "on", "TRUE", "", "0", "off", "false", "yes"} {
		fused, err := graph.ParseFusion(v, true)
		fmt.Printf("%q: %v %v\n", v, fused, err)
	}
	// Output:
	// true <nil>
	// "1": true <nil>
	// "on": true <nil>
	// "TRUE": true <nil>
	// "": true <nil>
	// "0": false <nil>
	// "off": false <nil>
	// "false": false <nil>
	// "yes": true GRADGRAPH_FUSION="yes": want 1 (fused ops) or 0 (plain Gorgonia twins)
}

// A model's variables are Params, which outlive any one graph. A Builder
// builds a graph for one batch size; Compile differentiates its loss and
// returns a Machine, whose Run computes the loss and the gradients. Here
// one weight w fits t = 2x by gradient descent on the mean squared error,
// L = ((w − 2)² + (2w − 4)²)/2 = 2.5(w − 2)², dL/dw = 5(w − 2): from w = 0,
// L = 10 and dL/dw = −10, and steps of 0.1·dL/dw take w to 1, 1.5, 1.75.
// A second graph, for a batch of 3 and inference, binds the same Param and
// so predicts with the trained weight.
func ExampleMachine() {
	w, _ := graph.NewParam("w", graph.Float32, true, 1, 1)
	b, _ := graph.NewBuilder(graph.Float32, 2, true)
	x := b.Input("x", 2, 1)
	_ = x.Set([]float32{1, 2})
	t := b.Input("t", 2, 1)
	_ = t.Set([]float32{2, 4})
	wn, _ := b.Param(w)
	diff := G.Must(G.Sub(G.Must(G.Mul(x.Node, wn)), t.Node))
	loss := G.Must(G.Mean(G.Must(G.Square(diff))))
	train, err := b.Compile(loss, []*graph.Param{w})
	if err != nil {
		fmt.Println(err)
		return
	}
	for step := 0; step < 3; step++ {
		if err := train.Run(nil); err != nil {
			fmt.Println(err)
			return
		}
		dw := graph.Float64s(train.Grad(0))[0]
		fmt.Printf("w %.4f loss %.4f dL/dw %.4f\n", w.At(0), train.Loss(), dw)
		w.SetAt(0, w.At(0)-0.1*dw) // the update, in place: every graph sees it
	}

	ib, _ := graph.NewBuilder(graph.Float32, 3, false)
	xi := ib.Input("x", 3, 1)
	_ = xi.Set([]float32{1, 2, 3})
	wi, _ := ib.Param(w)
	pred := G.Must(G.Mul(xi.Node, wi))
	infer, _ := ib.Compile(nil, nil, pred)
	if err := infer.Run(nil); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("w %.4f predicts %.4f\n", w.At(0), infer.Output(0).Data())
	// Output:
	// w 0.0000 loss 10.0000 dL/dw -10.0000
	// w 1.0000 loss 2.5000 dL/dw -5.0000
	// w 1.5000 loss 0.6250 dL/dw -2.5000
	// w 1.7500 predicts [1.7500 3.5000 5.2500]
}

// A Feed is an input the machine fills before every run from the
// generator given to Run, as a dropout mask is: each run draws a new mask
// of 0s and 1/(1 − rate) = 2s, and the same seed draws the same masks.
// Dropout multiplies by it, so the output is x ⊙ mask.
func ExampleBuilder_Feed() {
	b, _ := graph.NewBuilder(graph.Float32, 1, false)
	x := b.Input("x", 1, 6)
	_ = x.Set([]float32{1, 2, 3, 4, 5, 6})
	const rate = 0.5
	mask := b.Feed("mask", func(rng *rand.Rand, dst []float32) {
		for i := range dst {
			dst[i] = 0
			if rng.Float64() >= rate {
				dst[i] = 1 / (1 - rate)
			}
		}
	}, 1, 6)
	y, _ := graph.Dropout(x.Node, mask)
	m, _ := b.Compile(nil, nil, mask, y)
	fmt.Println(m.Run(nil))
	rng := rand.New(rand.NewSource(1))
	for run := 0; run < 2; run++ {
		if err := m.Run(rng); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("mask %.4f y %.4f\n", m.Output(0).Data(), m.Output(1).Data())
	}
	// Output:
	// graph: feed "mask" needs a random generator
	// mask [2.0000 2.0000 2.0000 0.0000 0.0000 2.0000] y [2.0000 4.0000 6.0000 0.0000 0.0000 12.0000]
	// mask [0.0000 0.0000 0.0000 0.0000 2.0000 2.0000] y [0.0000 0.0000 0.0000 0.0000 10.0000 12.0000]
}

// Observe asks a machine to keep a node's value from each Run and hand it
// to a function when the step is committed: how a BatchNorm layer folds
// the batch mean into its moving mean, here with momentum 0.9,
// moving = 0.9·moving + 0.1·mean. The batches [1 2 3 6] and [5 7 9 11] have
// means 3 and 8: from 0, the moving mean goes to 0.3, then
// 0.9·0.3 + 0.1·8 = 1.07. A Run that is not committed (a rejected step)
// changes nothing.
func ExampleBuilder_Observe() {
	moving, _ := graph.NewParam("moving_mean", graph.Float32, false, 1, 1)
	gamma, _ := graph.NewParam("gamma", graph.Float32, true, 1, 1)
	_ = gamma.SetFloat64s([]float64{1})
	beta, _ := graph.NewParam("beta", graph.Float32, true, 1, 1)
	b, _ := graph.NewBuilder(graph.Float32, 4, true)
	x := b.Input("x", 4, 1)
	gn, _ := b.Param(gamma)
	bn, _ := b.Param(beta)
	y, mean, _, _ := graph.BatchNormTrain(x.Node, gn, bn, 0.001, false)
	b.Observe(mean, "batch mean", func(v *tensor.Dense) error {
		moving.SetAt(0, 0.9*moving.At(0)+0.1*graph.Float64s(v)[0])
		return nil
	})
	m, _ := b.Compile(nil, nil, y)
	for _, batch := range [][]float32{{1, 2, 3, 6}, {100, 100, 100, 100}, {5, 7, 9, 11}} {
		_ = x.Set(batch)
		if err := m.Run(nil); err != nil {
			fmt.Println(err)
			return
		}
		if batch[0] == 100 {
			fmt.Printf("batch %v not committed: moving mean %.4f\n", batch, moving.At(0))
			continue
		}
		if err := m.Commit(); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("batch %v committed: moving mean %.4f\n", batch, moving.At(0))
	}
	// Output:
	// batch [1 2 3 6] committed: moving mean 0.3000
	// batch [100 100 100 100] not committed: moving mean 0.3000
	// batch [5 7 9 11] committed: moving mean 1.0700
}
