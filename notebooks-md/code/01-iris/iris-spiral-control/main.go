// Command iris-spiral-control separates width from depth on the spiral of
// notebook 01-iris: one hidden layer of 16 or 64 ReLU units against two of
// 16, with the same data, optimiser and epochs.
package main

import (
	"fmt"
	"log"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

func run() error {
	// notebook:begin
	spiral, err := data.Spiral(300, 3, 0.03, 1) // the same 300 points
	if err != nil {
		return err
	}
	for _, c := range []struct {
		name   string
		hidden []int
		epochs int
	}{{"1×16", []int{16}, 200}, {"1×64", []int{64}, 200}, {"16-16", []int{16, 16}, 200}, {"1×64", []int{64}, 1000}} {
		var layers []nn.Layer
		for _, u := range c.hidden {
			layers = append(layers, nn.Dense(u, nn.ReLU))
		}
		model := nn.Sequential("control", append(layers, nn.Dense(3, nn.Softmax))...)
		if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
			return err
		}
		tr, err := train.Compile(model, train.Adam(0.01), train.SparseCategoricalCrossentropy(), train.Accuracy())
		if err != nil {
			return err
		}
		hist, err := tr.Fit(spiral, train.FitOptions{Epochs: c.epochs, BatchSize: 32, Seed: 1})
		if err != nil {
			return err
		}
		params := 0
		for _, p := range model.Trainable() {
			params += p.Size()
		}
		last := len(hist.Epoch) - 1
		fmt.Printf("%-5s %4d params, %4d epochs: training accuracy %.3f, loss %.4f\n", c.name,
			params, c.epochs, hist.Logs["accuracy"][last], hist.Logs["loss"][last])
	}
	// notebook:end
	return nil
}
