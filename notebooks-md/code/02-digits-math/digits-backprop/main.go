// Command digits-backprop shows softmax, the forward pass, cross-entropy and
// the gradient of the loss with respect to the logits, computed by
// gorgonia.Grad and by hand, for notebook 02-digits-math.
package main

import (
	"fmt"
	"log"
	"math"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// notebook:begin softmax
// softmax runs rows of logits through nn.Softmax in a float32 graph.
func softmax(rows [][]float32) ([]float32, error) {
	b, err := graph.NewBuilder(graph.Float32, len(rows), false)
	if err != nil {
		return nil, err
	}
	in := b.Input("z", len(rows), len(rows[0]))
	var flat []float32
	for _, r := range rows {
		flat = append(flat, r...)
	}
	if err := in.Set(flat); err != nil {
		return nil, err
	}
	p, err := nn.Softmax.Apply(b, in.Node)
	if err != nil {
		return nil, err
	}
	m, err := b.Compile(nil, nil, p)
	if err != nil {
		return nil, err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return nil, err
	}
	return append([]float32(nil), m.Output(0).Data().([]float32)...), nil
}

// notebook:end

func run() error {
	fmt.Println("notebook:section softmax") // notebook:hide
	// notebook:begin softmax-run
	p3, err := softmax([][]float32{{2, 1, 0.1}, {1002, 1001, 1000.1}, {-1000, 0, 1000}})
	if err != nil {
		return err
	}
	fmt.Printf("softmax([2 1 0.1])            = %.4f\n", p3[0:3])
	fmt.Printf("softmax([1002 1001 1000.1])   = %.4f\n", p3[3:6])
	fmt.Printf("softmax([-1000 0 1000])       = %.4f\n", p3[6:9])
	// notebook:end

	fmt.Println("notebook:section forward") // notebook:hide
	// notebook:begin forward
	digits, err := data.Digits()
	if err != nil {
		return err
	}
	for i := range digits.X {
		digits.X[i] /= 16 // pixel counts 0..16 to [0, 1]
	}
	const n = 4 // the first four digits
	x := digits.X[:n*64]
	labels := digits.Labels()[:n]

	// The untrained network: 64 → Dense(100, relu) → Dense(10, softmax).
	model := nn.Sequential("scratch", nn.Dense(100, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(64, nn.BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
		return err
	}
	// notebook:end
	// notebook:begin forward-graph
	b, err := graph.NewBuilder(graph.Float64, n, false)
	if err != nil {
		return err
	}
	in := b.Input("x", n, 64)
	if err := in.Set(x); err != nil {
		return err
	}
	probs, err := model.Forward(b, in.Node)
	if err != nil {
		return err
	}
	m, err := b.Compile(nil, nil, b.Logits, probs) // b.Logits: the input of the softmax
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return err
	}
	logits := append([]float64(nil), m.Output(0).Data().([]float64)...)
	p := m.Output(1).Data().([]float64)
	for i := range n {
		fmt.Printf("digit %d (label %d): z = %.2f\n", i, labels[i], logits[i*10:i*10+10])
		fmt.Printf("%22s p = %.3f\n", "", p[i*10:i*10+10])
	}
	// notebook:end

	fmt.Println("notebook:section loss") // notebook:hide
	// notebook:begin loss
	// Cross-entropy by hand: the mean of −log p[label] over the batch.
	loss := 0.0
	for i, y := range labels {
		loss -= math.Log(p[i*10+y]) / n
	}
	fmt.Printf("cross-entropy by hand:      %.6f\n", loss)
	// notebook:end
	// notebook:begin loss-graph

	// The same loss as a graph whose logits are a param, so that
	// gorgonia.Grad can differentiate it with respect to them.
	z, err := graph.NewParam("z", graph.Float64, true, n, 10)
	if err != nil {
		return err
	}
	if err := z.SetFloat64s(logits); err != nil {
		return err
	}
	g, err := graph.NewBuilder(graph.Float64, n, true)
	if err != nil {
		return err
	}
	zn, err := g.Param(z)
	if err != nil {
		return err
	}
	pn, err := nn.Softmax.Apply(g, zn)
	if err != nil {
		return err
	}
	// notebook:end
	// notebook:begin loss-compile
	target := g.Input("y", n, 10)
	oneHot, err := data.OneHot(labels, 10)
	if err != nil {
		return err
	}
	if err := target.Set(oneHot); err != nil {
		return err
	}
	ce, err := train.CategoricalCrossentropy().Build(g, pn, target.Node)
	if err != nil {
		return err
	}
	gm, err := g.Compile(ce, []*graph.Param{z}) // gorgonia.Grad inside
	if err != nil {
		return err
	}
	defer gm.Close()
	if err := gm.Run(nil); err != nil {
		return err
	}
	fmt.Printf("cross-entropy by the graph: %.6f\n", gm.Loss())
	// notebook:end

	fmt.Println("notebook:section grad") // notebook:hide
	// notebook:begin grad
	symbolic := gm.Grad(0).Data().([]float64)
	maxDiff := 0.0
	for i := range n {
		hand := make([]float64, 10)
		for k := range 10 {
			hand[k] = (p[i*10+k] - float64(oneHot[i*10+k])) / n // (p − y)/N
			maxDiff = max(maxDiff, math.Abs(hand[k]-symbolic[i*10+k]))
		}
		fmt.Printf("digit %d  gorgonia.Grad: %+.4f\n", i, symbolic[i*10:i*10+10])
		fmt.Printf("         (p − y)/N:     %+.4f\n", hand)
	}
	fmt.Printf("max |difference| = %.1e\n", maxDiff)
	// notebook:end

	fmt.Println("notebook:section params") // notebook:hide
	// notebook:begin params
	// The loss of the whole network on the four digits, as a graph to be
	// differentiated with respect to every weight and bias: W1 (64×100),
	// b1, W2 (100×10), b2. (A builder is compiled once: each check below
	// builds its own.)
	lossGraph := func() (*graph.Builder, *G.Node, error) {
		lb, err := graph.NewBuilder(graph.Float64, n, true)
		if err != nil {
			return nil, nil, err
		}
		lx := lb.Input("x", n, 64)
		if err := lx.Set(x); err != nil {
			return nil, nil, err
		}
		lp, err := model.Forward(lb, lx.Node)
		if err != nil {
			return nil, nil, err
		}
		ly := lb.Input("y", n, 10)
		if err := ly.Set(oneHot); err != nil {
			return nil, nil, err
		}
		l, err := train.CategoricalCrossentropy().Build(lb, lp, ly.Node)
		return lb, l, err
	}
	// notebook:end
	// notebook:begin params-run
	lb, netLoss, err := lossGraph()
	if err != nil {
		return err
	}
	lm, err := lb.Compile(netLoss, model.Trainable())
	if err != nil {
		return err
	}
	defer lm.Close()
	if err := lm.Run(nil); err != nil {
		return err
	}
	// The chain rule for the output bias: ∂L/∂b2 = Σ_i (p_i − y_i)/N, the
	// logit gradient summed over the batch.
	db2 := make([]float64, 10)
	for i := range n {
		for k := range 10 {
			db2[k] += (p[i*10+k] - float64(oneHot[i*10+k])) / n
		}
	}
	fmt.Printf("∂L/∂b2 by gorgonia.Grad: %+.4f\n", lm.Grad(3).Data())
	fmt.Printf("∂L/∂b2 = Σ (p − y)/N:    %+.4f\n", db2)
	// notebook:end

	// notebook:begin gradcheck
	// Every element of every param against central finite differences
	// (L(θ + h) − L(θ − h))/2h with h = 1e-6.
	for _, param := range model.Trainable() {
		cb, closs, err := lossGraph()
		if err != nil {
			return err
		}
		res, err := graph.GradCheck(cb, closs, []*graph.Param{param}, 1e-6, 1)
		if err != nil {
			return err
		}
		// MaxRelErr counts only what exceeds the rounding error of the
		// finite difference.
		fmt.Printf("%-15s %-9s %4d elements, max rel err %.0e\n",
			param.Name, fmt.Sprint(param.Shape()), res.Checked, res.MaxRelErr)
	}
	// notebook:end

	fmt.Println("notebook:section element") // notebook:hide
	// notebook:begin element
	// One element by hand, with a scale to see: W1[20][j], from pixel 20
	// (row 2, column 4: ink in three of the four digits) to the first hidden unit j
	// whose gradient there is not 0. Move it by ±h, recompute L, and
	// compare (L(θ + h) − L(θ − h))/2h with gorgonia.Grad's value.
	w1, dw1 := model.Trainable()[0], lm.Grad(0).Data().([]float64)
	const pixel, h = 20, 1e-6
	j := 0
	for dw1[pixel*100+j] == 0 {
		j++
	}
	idx, theta := pixel*100+j, w1.At(pixel*100+j)
	lossAt := func(v float64) (float64, error) {
		w1.SetAt(idx, v)
		eb, el, err := lossGraph()
		if err != nil {
			return 0, err
		}
		em, err := eb.Compile(el, nil)
		if err != nil {
			return 0, err
		}
		defer em.Close()
		err = em.Run(nil)
		return em.Loss(), err
	}
	up, err := lossAt(theta + h)
	if err != nil {
		return err
	}
	down, err := lossAt(theta - h)
	if err != nil {
		return err
	}
	w1.SetAt(idx, theta)
	fmt.Printf("pixels 20 of the four digits: %.4f\n", []float32{x[20], x[84], x[148], x[212]})
	fmt.Printf("W1[%d][%d] = %+.6f: L(θ+h) = %.12f, L(θ−h) = %.12f\n", pixel, j, theta, up, down)
	fmt.Printf("numeric %+.8f, gorgonia.Grad %+.8f\n", (up-down)/(2*h), dw1[idx])
	// notebook:end

	fmt.Println("notebook:section exercise-naive") // notebook:hide
	// notebook:begin exercise-naive
	// The softmax without subtracting the largest logit, in float32:
	// e^z_k / Σ_j e^z_j.
	naive := func(z []float32) []float32 {
		e, sum := make([]float32, len(z)), float32(0)
		for k, v := range z {
			e[k] = float32(math.Exp(float64(v)))
			sum += e[k]
		}
		for k := range e {
			e[k] /= sum
		}
		return e
	}
	fmt.Printf("naive([2 1 0.1])          = %.4f\n", naive([]float32{2, 1, 0.1}))
	fmt.Printf("naive([1002 1001 1000.1]) = %.4f\n", naive([]float32{1002, 1001, 1000.1}))
	fmt.Printf("naive([88 87 86.1])       = %.4f\n", naive([]float32{88, 87, 86.1}))
	fmt.Printf("naive([89 88 87.1])       = %.4f\n", naive([]float32{89, 88, 87.1}))
	fmt.Printf("largest float32 %g = e^%.2f\n", math.MaxFloat32, math.Log(math.MaxFloat32))
	// notebook:end
	return nil
}
