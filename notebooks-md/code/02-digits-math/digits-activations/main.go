// Command digits-activations computes sigmoid, tanh and ReLU and their
// derivatives over [-2, 2] with gradgraph graphs and gorgonia.Grad, for
// notebook 02-digits-math.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/viz"
)

func main() {
	img := flag.String("img", "out/notebooks/02-digits-math", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

// notebook:begin eval
// evaluate returns f(x) and f'(x) at every point of xs, both computed by
// the framework: a graph applies the activation to a param holding xs, and
// gorgonia.Grad differentiates Σ f(xᵢ) with respect to that param. Since
// each term depends on its own xᵢ only, ∂/∂xᵢ Σ f(xⱼ) = f'(xᵢ).
func evaluate(act nn.Activation, xs []float64) (f, df []float64, err error) {
	x, err := graph.NewParam("x", graph.Float64, true, 1, len(xs))
	if err != nil {
		return nil, nil, err
	}
	if err := x.SetFloat64s(xs); err != nil {
		return nil, nil, err
	}
	b, err := graph.NewBuilder(graph.Float64, 1, true)
	if err != nil {
		return nil, nil, err
	}
	xn, err := b.Param(x)
	if err != nil {
		return nil, nil, err
	}
	y, err := act.Apply(b, xn)
	if err != nil {
		return nil, nil, err
	}
	sum, err := G.Sum(y)
	if err != nil {
		return nil, nil, err
	}
	m, err := b.Compile(sum, []*graph.Param{x}, y) // differentiates sum w.r.t. x
	if err != nil {
		return nil, nil, err
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		return nil, nil, err
	}
	f = append(f, m.Output(0).Data().([]float64)...)
	df = append(df, m.Grad(0).Data().([]float64)...)
	return f, df, nil
}

// notebook:end

func run(img string) error {
	// notebook:begin plot
	xs := make([]float64, 81) // -2, -1.95, ..., 2
	for i := range xs {
		xs[i] = float64(i-40) / 20
	}
	var fs, dfs []viz.NamedSeries
	fmt.Println("     x   sigmoid  sigmoid'     tanh    tanh'   relu  relu'")
	table := make([][]float64, len(xs))
	for _, act := range []nn.Activation{nn.Sigmoid, nn.Tanh, nn.ReLU} {
		f, df, err := evaluate(act, xs)
		if err != nil {
			return err
		}
		fs = append(fs, viz.NamedSeries{Name: act.Name(), Values: f})
		dfs = append(dfs, viz.NamedSeries{Name: act.Name() + "'", Values: df})
		for i := range xs {
			table[i] = append(table[i], f[i], df[i])
		}
	}
	for i := 0; i < len(xs); i += 10 { // every half unit
		t := table[i]
		fmt.Printf("%6.2f  %8.4f %8.4f %8.4f %8.4f %6.2f %6.2f\n", xs[i], t[0], t[1], t[2], t[3], t[4], t[5])
	}
	if err := viz.Functions(filepath.Join(img, "activations.png"), "Activation functions", xs, fs); err != nil {
		return err
	}
	// ReLU's derivative jumps from 0 to 1 at x = 0: drawn as a step, not as
	// a slope between the samples 0 and 0.05.
	if err := viz.FunctionsWith(filepath.Join(img, "derivatives.png"), "Their derivatives, from gorgonia.Grad", xs, dfs,
		viz.FunctionsOptions{YLabel: "f′(x)", Steps: []string{"relu'"}}); err != nil {
		return err
	}
	// notebook:end
	return nil
}
