// Command residual-by-hand works out a tiny residual block,
// y = relu(x + F(x)) with F two Dense layers of hand-set weights, by hand,
// then runs the same block built with the functional API and checks that
// both agree, for notebook 05-functional.
package main

import (
	"flag"
	"fmt"
	"log"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func main() {
	flag.String("img", "", "folder for the figures (none here)")
	flag.Parse()
	if err := run(); err != nil {
		log.Fatal(err)
	}
}

// dense is a Dense layer by hand: x·W + b for a row x, W of shape
// (len(x), len(b)) row-major, then ReLU when relu is set.
func dense(x, w, b []float32, relu bool) []float32 {
	out := make([]float32, len(b))
	for j := range out {
		s := b[j]
		for i := range x {
			s += float32(x[i] * w[i*len(b)+j])
		}
		if relu {
			s = max(s, 0)
		}
		out[j] = s
	}
	return out
}

// float64s converts to a param's element type for SetFloat64s.
func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// equal reports whether a and b hold the same values.
func equal(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func run() error {
	fmt.Println("notebook:section byhand") // notebook:hide
	// notebook:begin byhand
	x := []float32{1, 2}
	w1 := []float32{
		1, -1,
		0.5, 1,
	}
	b1 := []float32{0, -2}
	w2 := []float32{
		-1, 0.5,
		3, 3,
	}
	b2 := []float32{-1, 0}

	h := dense(x, w1, b1, true)              // relu(x·W1 + b1)
	f := dense(h, w2, b2, false)             // F(x) = h·W2 + b2
	s := []float32{x[0] + f[0], x[1] + f[1]} // the skip connection: x + F(x)
	y := []float32{max(s[0], 0), max(s[1], 0)}
	fmt.Println("x            ", x)
	fmt.Println("relu(x·W1+b1)", h)
	fmt.Println("F(x)         ", f)
	fmt.Println("x + F(x)     ", s)
	fmt.Println("y            ", y)
	fmt.Println("without the skip, relu(F(x)):", []float32{max(f[0], 0), max(f[1], 0)})
	// notebook:end

	fmt.Println("notebook:section framework") // notebook:hide
	// notebook:begin framework
	// The same block with the functional API: the input goes both through
	// F and around it, and Add joins the two paths.
	in := nn.Input("x", 2)
	d1, d2 := nn.Dense(2, nn.ReLU), nn.Dense(2, nn.Linear)
	fx := nn.Call(d2, nn.Call(d1, in))
	out := nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), in, fx))
	block, err := nn.NewModel("residual_block", []*nn.Tensor{in}, []*nn.Tensor{out})
	if err != nil {
		return err
	}
	if err := block.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	for _, p := range []struct {
		layer *nn.DenseLayer
		w, b  []float32
	}{{d1, w1, b1}, {d2, w2, b2}} {
		if err := p.layer.Kernel.SetFloat64s(float64s(p.w)); err != nil {
			return err
		}
		if err := p.layer.Bias.SetFloat64s(float64s(p.b)); err != nil {
			return err
		}
	}
	// notebook:end
	// notebook:begin framework-run
	// Every layer's output for x (the loss and optimiser are not used).
	tr, err := train.Compile(block, train.SGD(0.1), train.MeanSquaredError())
	if err != nil {
		return err
	}
	acts, err := tr.Activations(x)
	if err != nil {
		return err
	}
	for _, a := range acts {
		fmt.Printf("%-12s %-10s %v\n", a.Name, a.Type, a.Values)
	}
	fmt.Println("equal to the hand calculation:", equal(acts[0].Values, h) &&
		equal(acts[1].Values, f) && equal(acts[2].Values, s) && equal(acts[3].Values, y))

	// With F's second layer at zero, F(x) = 0 and the block passes its
	// (non-negative) input through unchanged: y = relu(x) = x.
	if err := d2.Kernel.SetFloat64s(make([]float64, 4)); err != nil {
		return err
	}
	if err := d2.Bias.SetFloat64s(make([]float64, 2)); err != nil {
		return err
	}
	acts, err = tr.Activations(x)
	if err != nil {
		return err
	}
	fmt.Println("F = 0:", acts[len(acts)-1].Values)
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	// The same block, by hand, on x = (−1, 0.5).
	x2 := []float32{-1, 0.5}
	h2 := dense(x2, w1, b1, true)
	f2 := dense(h2, w2, b2, false)
	s2 := []float32{x2[0] + f2[0], x2[1] + f2[1]}
	fmt.Println("x            ", x2)
	fmt.Println("relu(x·W1+b1)", h2)
	fmt.Println("F(x)         ", f2)
	fmt.Println("y            ", []float32{max(s2[0], 0), max(s2[1], 0)})
	fmt.Println("without the skip, relu(F(x)):", []float32{max(f2[0], 0), max(f2[1], 0)})
	// notebook:end
	return nil
}
