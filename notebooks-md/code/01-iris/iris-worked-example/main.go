// Command iris-worked-example runs the worked example of notebook 01-iris
// through gradgraph's own Dense and BatchNorm layers.
package main

import (
	"fmt"
	"log"

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
	// notebook:begin layers
	dense := nn.Dense(4, nn.ReLU)
	bn := nn.BatchNorm()
	model := nn.Sequential("worked", dense, bn)
	if err := model.Build(3, nn.BuildOptions{DType: graph.Float64}); err != nil {
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
	y, err := bn.Forward(b, a) // Y = γ·(A − μ)/√(σ² + ε) + β
	if err != nil {
		return err
	}
	// The batch statistics, computed in the graph as BatchNorm does.
	mean := G.Must(G.Mean(a, 0))
	centred := G.Must(G.BroadcastSub(a, G.Must(G.Reshape(mean, tensor.Shape{1, 4})), nil, []byte{0}))
	variance := G.Must(G.Mean(G.Must(G.Square(centred)), 0))

	m, err := b.Compile(nil, nil, a, mean, variance, y) // no loss: outputs only
	if err != nil {
		return err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return err
	}
	fmt.Printf("Z = A = ReLU(XW + b):\n%.4f\n", m.Output(0))
	fmt.Printf("batch mean μ:      %.4f\n", m.Output(1))
	fmt.Printf("batch variance σ²: %.4f\n", m.Output(2))
	fmt.Printf("Y = BatchNorm(A), training mode:\n%.4f\n", m.Output(3))
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
	return nil
}
