// Command iris-worked-example runs the worked example of notebook 01-iris
// through gradgraph's own Dense and BatchNorm layers.
package main

import (
	"fmt"
	"log"
	"math"
	"math/rand"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	fmt.Println("notebook:section example") // notebook:hide
	// notebook:begin layers
	dense := nn.Dense(4, nn.ReLU)
	bn := nn.BatchNorm() // Keras's default ε = 1e-3
	bn5 := nn.BatchNorm()
	bn5.Epsilon = 1e-5 // the tutorial's ε
	model := nn.Sequential("worked", dense, bn)
	if err := model.Build(3, nn.BuildOptions{DType: graph.Float64}); err != nil {
		return err
	}
	if err := nn.Sequential("worked-1e-5", bn5).Build(4, nn.BuildOptions{DType: graph.Float64}); err != nil {
		return err
	}
	// Replace the random initial weights by the example's W and b.
	if err := dense.Kernel.SetFloat64s([]float64{
		0.1, 0.2, 0.3, 0.4,
		0.5, 0.6, 0.7, 0.8,
		0.9, 1.0, 1.1, 1.2,
	}); err != nil {
		return err
	}
	if err := dense.Bias.SetFloat64s([]float64{0.1, 0.2, 0.3, 0.4}); err != nil {
		return err
	}
	// notebook:end
	// notebook:begin graph
	// A training-mode graph for batches of 2 rows of 3 features.
	b, err := graph.NewBuilder(graph.Float64, 2, true)
	if err != nil {
		return err
	}
	x := b.Input("x", 2, 3)
	if err := x.Set([]float32{1, 2, 3, 4, 5, 6}); err != nil {
		return err
	}
	a, err := dense.Forward(b, x.Node) // A = ReLU(X·W + b)
	if err != nil {
		return err
	}
	y, err := bn.Forward(b, a) // Y = γ·(A − μ)/√(σ² + ε) + β, ε = 1e-3
	if err != nil {
		return err
	}
	y5, err := bn5.Forward(b, a) // the same with ε = 1e-5
	if err != nil {
		return err
	}
	// notebook:end
	// notebook:begin stats
	// The batch statistics, computed in the graph as BatchNorm does.
	mean := G.Must(G.Mean(a, 0))
	centred := G.Must(G.BroadcastSub(a, G.Must(G.Reshape(mean, tensor.Shape{1, 4})), nil, []byte{0}))
	variance := G.Must(G.Mean(G.Must(G.Square(centred)), 0))

	m, err := b.Compile(nil, nil, a, mean, variance, centred, y, y5) // no loss: outputs only
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return err
	}
	// notebook:end
	// notebook:begin print
	// X·W before the bias, from the tensors themselves.
	xw, err := tensor.MatMul(x.Tensor, dense.Kernel.Value)
	if err != nil {
		return err
	}
	fmt.Printf("X·W:\n%.4f\n", xw)
	fmt.Printf("Z = X·W + b, A = ReLU(Z) (all positive, so A = Z):\n%.4f\n", m.Output(0))
	fmt.Printf("batch mean μ:      %.4f\n", m.Output(1))
	fmt.Printf("batch variance σ²: %.4f\n", m.Output(2))
	fmt.Printf("A − μ:\n%.4f\n", m.Output(3))
	// Â = (A − μ)/√(σ² + ε) for both ε, by hand from the graph's values;
	// with γ = 1 and β = 0 the layer's output Y equals Â.
	variances := m.Output(2).Data().([]float64)
	diffs := m.Output(3).Data().([]float64)
	for k, eps := range []float64{1e-5, 1e-3} {
		root := make([]float64, 4)
		hat := make([]float64, 8)
		for j := range 4 {
			root[j] = math.Sqrt(variances[j] + eps)
		}
		for i := range diffs {
			hat[i] = diffs[i] / root[i%4]
		}
		fmt.Printf("ε = %g: √(σ² + ε) = %.6f\n", eps, root)
		fmt.Printf("  Â by hand:        %.6f\n", hat)
		fmt.Printf("  Y from BatchNorm: %.6f\n", m.Output(5-k).Data())
	}
	// notebook:end
	// notebook:begin shapes
	// The shapes as stored: b, γ, β and the moving statistics are rows of
	// 4, one per unit, broadcast over the batch's rows.
	for _, p := range model.Params() {
		fmt.Printf("%-36s %v\n", p.Name, p.Shape())
	}
	// notebook:end
	// notebook:begin moving
	// Committing the step folds the batch statistics into the moving
	// averages that inference uses: moving = 0.99·moving + 0.01·batch.
	// (Fit commits only a step whose loss and gradients are finite.)
	if err := m.Commit(); err != nil {
		return err
	}
	fmt.Printf("moving mean after one step:     %.4f\n", bn.MovingMean.Float64s())
	fmt.Printf("moving variance after one step: %.4f\n", bn.MovingVariance.Float64s())
	// notebook:end

	fmt.Println("notebook:section exercise-dropout") // notebook:hide
	// notebook:begin exercise-dropout
	// Dropout(0.5) on 10,000 activations that are all 3, in a training
	// graph and in an inference graph.
	drop := nn.Dropout(0.5)
	if err := nn.Sequential("drop", drop).Build(10000, nn.BuildOptions{DType: graph.Float64}); err != nil {
		return err
	}
	threes := make([]float32, 10000)
	for i := range threes {
		threes[i] = 3
	}
	for _, training := range []bool{true, false} {
		db, err := graph.NewBuilder(graph.Float64, 1, training)
		if err != nil {
			return err
		}
		in := db.Input("a", 1, 10000)
		if err := in.Set(threes); err != nil {
			return err
		}
		out, err := drop.Forward(db, in.Node)
		if err != nil {
			return err
		}
		dm, err := db.Compile(nil, nil, out)
		if err != nil {
			return err
		}
		if err := dm.Run(rand.New(rand.NewSource(1))); err != nil {
			return err
		}
		counts, sum := map[float64]int{}, 0.0
		for _, v := range dm.Output(0).Data().([]float64) {
			counts[v]++
			sum += v
		}
		dm.Close()
		fmt.Printf("training %-5v: %d zeros, %d sixes, %d threes; mean %.4f\n",
			training, counts[0], counts[6], counts[3], sum/10000)
	}
	// notebook:end
	return nil
}
