// Command digits-scratch writes the NumPy tutorial's network by hand in
// plain Go (slices and loops, no Gorgonia): the forward pass, the softmax
// Jacobian, the three-factor chain rule for one weight, and the backward pass
// for every weight; then it checks every number against gorgonia.Grad, for
// notebook 02-digits-math.
package main

import (
	"fmt"
	"log"
	"math"

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

// notebook:begin matmul
// matmul returns the n×m product of a (n×k) and b (k×m), all row-major.
func matmul(a, b []float64, n, k, m int) []float64 {
	out := make([]float64, n*m)
	for i := range n {
		for j := range k {
			for l := range m {
				out[i*m+l] += float64(a[i*k+j] * b[j*m+l])
			}
		}
	}
	return out
}

// transpose returns the k×n transpose of a (n×k).
func transpose(a []float64, n, k int) []float64 {
	out := make([]float64, n*k)
	for i := range n {
		for j := range k {
			out[j*n+i] = a[i*k+j]
		}
	}
	return out
}

// notebook:end

// notebook:begin forward
// net holds the weights: W1 is 64×100, b1 100, W2 100×10, b2 10.
type net struct{ w1, b1, w2, b2 []float64 }

// forward returns U = XW1 + b1, H = relu(U), Z = HW2 + b2 and P = softmax(Z)
// for the n rows of x; each bias is added to every row (broadcasting).
func (w net) forward(x []float64, n int) (u, h, z, p []float64) {
	u = matmul(x, w.w1, n, 64, 100)
	h = make([]float64, len(u))
	for i := range u {
		u[i] += w.b1[i%100]
		h[i] = max(0, u[i])
	}
	z = matmul(h, w.w2, n, 100, 10)
	p = make([]float64, len(z))
	for i := range n {
		row := z[i*10 : i*10+10]
		for k := range row {
			row[k] += w.b2[k]
		}
		m, sum := slicesMax(row), 0.0
		for k := range row {
			p[i*10+k] = math.Exp(row[k] - m) // e^(z−m): never overflows
			sum += p[i*10+k]
		}
		for k := range row {
			p[i*10+k] /= sum
		}
	}
	return u, h, z, p
}

// notebook:end

func slicesMax(s []float64) float64 {
	m := s[0]
	for _, v := range s {
		m = max(m, v)
	}
	return m
}

// notebook:begin backward
// backward returns ∂L/∂W1, ∂L/∂b1, ∂L/∂W2, ∂L/∂b2 of the mean cross-entropy
// L over n rows with one-hot targets y: δ2 = (P − Y)/n at the logits,
// δ1 = (δ2 W2ᵀ) ⊙ [U > 0] one layer down, each weight's gradient the
// layer's input transposed times its δ, each bias's the column sums of δ.
func (w net) backward(x, y, u, h, p []float64, n int) (dw1, db1, dw2, db2 []float64) {
	d2 := make([]float64, len(p))
	for i := range p {
		d2[i] = (p[i] - y[i]) / float64(n)
	}
	dw2 = matmul(transpose(h, n, 100), d2, 100, n, 10)
	db2 = colSums(d2, n, 10)
	d1 := matmul(d2, transpose(w.w2, 100, 10), n, 10, 100)
	for i := range d1 {
		if u[i] <= 0 {
			d1[i] = 0 // relu'(u) = [u > 0]
		}
	}
	dw1 = matmul(transpose(x, n, 64), d1, 64, n, 100)
	db1 = colSums(d1, n, 100)
	return dw1, db1, dw2, db2
}

// colSums returns the sums of the columns of a (n×k): a bias is added to
// every row, so its gradient gathers every row's.
func colSums(a []float64, n, k int) []float64 {
	out := make([]float64, k)
	for i := range n {
		for j := range k {
			out[j] += a[i*k+j]
		}
	}
	return out
}

// notebook:end

func run() error {
	fmt.Println("notebook:section forward") // notebook:hide
	// notebook:begin run-forward
	digits, err := data.Digits()
	if err != nil {
		return err
	}
	const n = 4 // the first four digits, pixels scaled to [0, 1]
	x, x32 := make([]float64, n*64), make([]float32, n*64)
	for i := range x {
		x32[i] = digits.X[i] / 16 // exact: counts 0..16 over 16
		x[i] = float64(x32[i])
	}
	labels := digits.Labels()[:n]
	y, y32 := make([]float64, n*10), make([]float32, n*10) // one-hot targets
	for i, l := range labels {
		y[i*10+l], y32[i*10+l] = 1, 1
	}
	// The same initial weights as the framework's model (Glorot, seed 1).
	model := nn.Sequential("scratch", nn.Dense(100, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := model.Build(64, nn.BuildOptions{Seed: 1, DType: graph.Float64}); err != nil {
		return err
	}
	params := model.Trainable() // W1, b1, W2, b2
	w := net{params[0].Float64s(), params[1].Float64s(), params[2].Float64s(), params[3].Float64s()}
	u, h, z, p := w.forward(x, n)
	loss := 0.0
	for i, l := range labels {
		loss -= math.Log(p[i*10+l]) / n
	}
	fmt.Printf("digit 0: z = %.2f\n         p = %.3f\n", z[:10], p[:10])
	fmt.Printf("cross-entropy by hand: %.6f\n", loss)
	// notebook:end

	fmt.Println("notebook:section jacobian") // notebook:hide
	// notebook:begin jacobian
	// One sample, digit 0 (label 0), cost C = −log p_label. The softmax
	// Jacobian J[k][j] = ∂p_k/∂z_j = p_k(δ_kj − p_j), 10×10; ∂C/∂p_k is
	// −1/p_k for k = label, 0 otherwise; so ∂C/∂z_j = Σ_k ∂C/∂p_k · J[k][j].
	p0, y0 := p[:10], y[:10]
	dz := make([]float64, 10)
	for j := range 10 {
		for k := range 10 {
			delta := 0.0
			if k == j {
				delta = 1
			}
			jkj := p0[k] * (delta - p0[j])
			dz[j] += float64(-y0[k] / p0[k] * jkj)
		}
	}
	fmt.Printf("J[0][0..2] = %+.4f (p_0(1 − p_0) = %.4f)\n",
		[]float64{p0[0] * (1 - p0[0]), -p0[0] * p0[1], -p0[0] * p0[2]}, p0[0]*(1-p0[0]))
	fmt.Printf("Jᵀ·∂C/∂p   = %+.4f\n", dz)
	diff := make([]float64, 10)
	for k := range diff {
		diff[k] = p0[k] - y0[k]
	}
	fmt.Printf("p − y      = %+.4f\n", diff)
	// notebook:end

	fmt.Println("notebook:section three") // notebook:hide
	// notebook:begin three
	// The chain rule for one output weight w_jk (hidden unit j to class k)
	// on that one sample, as three factors: ∂C/∂p_k · ∂p_k/∂z_k · ∂z_k/∂w_jk.
	// With k the label only that path counts (∂C/∂p_m = 0 for m ≠ k).
	j, k := firstActive(h[:100]), labels[0]
	dCdp := -1 / p0[k]          // ∂C/∂a: C = −log p_k
	dpdz := p0[k] * (1 - p0[k]) // ∂a/∂z: the Jacobian's diagonal
	dzdw := h[j]                // ∂z/∂w: z_k = Σ_j h_j w_jk + b_k
	fmt.Printf("w_%d,%d: ∂C/∂p = %.4f, ∂p/∂z = %.4f, ∂z/∂w = h_%d = %.4f\n", j, k, dCdp, dpdz, j, dzdw)
	fmt.Printf("  product %.6f; δ_k·h_j = (p_k − y_k)·h_j = %.6f\n",
		dCdp*dpdz*dzdw, float64((p0[k]-y0[k])*h[j]))
	// notebook:end

	fmt.Println("notebook:section backward") // notebook:hide
	// notebook:begin run-backward
	dw1, db1, dw2, db2 := w.backward(x, y, u, h, p, n)
	// The framework's gradients of the same loss at the same weights.
	b, err := graph.NewBuilder(graph.Float64, n, true)
	if err != nil {
		return err
	}
	in, target := b.Input("x", n, 64), b.Input("y", n, 10)
	if err := in.Set(x32); err != nil {
		return err
	}
	if err := target.Set(y32); err != nil {
		return err
	}
	probs, err := model.Forward(b, in.Node)
	if err != nil {
		return err
	}
	ce, err := train.CategoricalCrossentropy().Build(b, probs, target.Node)
	if err != nil {
		return err
	}
	m, err := b.Compile(ce, params) // gorgonia.Grad builds the backward pass
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return err
	}
	fmt.Printf("loss: by hand %.15f, by the graph %.15f\n", loss, m.Loss())
	for i, hand := range [][]float64{dw1, db1, dw2, db2} {
		framework := m.Grad(i).Data().([]float64)
		worst := 0.0
		for e := range hand {
			worst = max(worst, math.Abs(hand[e]-framework[e]))
		}
		fmt.Printf("%-15s %-9v max |by hand − gorgonia.Grad| = %.1e\n",
			params[i].Name, fmt.Sprint(params[i].Shape()), worst)
	}
	// notebook:end

	fmt.Println("notebook:section exercise-dead") // notebook:hide
	// notebook:begin exercise-dead
	// Hidden units whose U is ≤ 0 for all four digits, and the largest
	// gradient that their weights and bias receive.
	off, largest := 0, 0.0
	for j := range 100 {
		active := false
		for i := range n {
			active = active || u[i*100+j] > 0
		}
		if active {
			continue
		}
		off++
		largest = max(largest, math.Abs(db1[j]))
		for r := range 64 {
			largest = max(largest, math.Abs(dw1[r*100+j]))
		}
	}
	fmt.Printf("%d of 100 hidden units are off for all %d digits; largest |gradient| of their weights and biases: %g\n",
		off, n, largest)
	// notebook:end

	fmt.Println("notebook:section exercise-cost") // notebook:hide
	// notebook:begin exercise-cost
	// One sigmoid output a = σ(z) with target y = 1: ∂C/∂z for the
	// quadratic cost C = (a − y)²/2, (a − y)·σ'(z), and for the
	// cross-entropy C = −log a, a − y.
	for _, a := range []float64{0.5, 0.1, 0.01} {
		quadratic := (a - 1) * a * (1 - a)
		fmt.Printf("a = %-4g (z = %+.2f): quadratic %+.4f, cross-entropy %+.4f, ratio %.0f\n",
			a, math.Log(a/(1-a)), quadratic, a-1, (a-1)/quadratic)
	}
	// notebook:end
	return nil
}

// firstActive returns the first hidden unit with a positive output.
func firstActive(h []float64) int {
	for j, v := range h {
		if v > 0 {
			return j
		}
	}
	return 0
}
