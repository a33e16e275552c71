// Command conv-by-hand works out a 3×3 convolution and a 2×2 max pooling of
// a 4×4 image by hand, then computes them with gradgraph's Conv2D and
// MaxPooling2D layers and checks that both agree, for notebook 04-convnet.
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

// show prints a rows×cols grid of numbers.
func show(name string, v []float32, rows, cols int) {
	fmt.Printf("%s (%d×%d):\n", name, rows, cols)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			fmt.Printf("%4g", v[i*cols+j])
		}
		fmt.Println()
	}
}

// notebook:begin convolve
// convolve slides a k×k kernel over an n×n image, "valid" padding, stride
// 1: at each of the (n−k+1)×(n−k+1) positions where it fits, the output is
// the sum of the window's pixels times the kernel's weights (a
// cross-correlation, as in Keras: the kernel is not flipped).
func convolve(image []float32, n int, kernel []float32, k int) []float32 {
	m := n - k + 1
	out := make([]float32, m*m)
	for i := 0; i < m; i++ {
		for j := 0; j < m; j++ {
			var sum float32
			for u := 0; u < k; u++ {
				for v := 0; v < k; v++ {
					sum += float32(image[(i+u)*n+(j+v)] * kernel[u*k+v])
				}
			}
			out[i*m+j] = sum
		}
	}
	return out
}

// notebook:end

// activations returns the output of model's layers for image, through
// train.Trainer.Activations. The loss and optimiser are never used: the
// model is not trained.
func activations(model *nn.Model, image []float32) ([]train.LayerActivation, error) {
	tr, err := train.Compile(model, train.RMSprop(1e-3), train.MeanSquaredError())
	if err != nil {
		return nil, err
	}
	return tr.Activations(image)
}

func run() error {
	fmt.Println("notebook:section byhand") // notebook:hide
	// notebook:begin byhand
	// A 4×4 grey image and a 3×3 kernel that subtracts a window's right
	// column from its left one: it responds to vertical edges.
	image := []float32{
		1, 2, 0, 1,
		0, 1, 3, 1,
		2, 1, 0, 0,
		1, 0, 2, 1,
	}
	kernel := []float32{
		1, 0, -1,
		1, 0, -1,
		1, 0, -1,
	}
	show("image", image, 4, 4)
	show("kernel", kernel, 3, 3)

	// Convolution, "valid" padding, stride 1: the kernel visits the
	// (4−3+1)×(4−3+1) = 2×2 positions where it fits.
	conv := convolve(image, 4, kernel, 3)
	show("convolution by hand", conv, 2, 2)

	// Max pooling 2×2, stride 2: the image's four 2×2 blocks, and the
	// largest pixel of each.
	pool := make([]float32, 2*2)
	for i := 0; i < 2; i++ {
		for j := 0; j < 2; j++ {
			m := image[(2*i)*4+2*j]
			for u := 0; u < 2; u++ {
				for v := 0; v < 2; v++ {
					m = max(m, image[(2*i+u)*4+(2*j+v)])
				}
			}
			pool[i*2+j] = m
		}
	}
	show("max pooling by hand", pool, 2, 2)
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	// The kernel turned by a quarter: top row minus bottom row, a
	// detector of horizontal edges.
	horizontal := []float32{
		1, 1, 1,
		0, 0, 0,
		-1, -1, -1,
	}
	show("horizontal-edge convolution", convolve(image, 4, horizontal, 3), 2, 2)
	// notebook:end

	fmt.Println("notebook:section framework") // notebook:hide
	// notebook:begin framework
	// The same with gradgraph's layers: a Conv2D of one 3×3 filter with no
	// activation, its kernel (3, 3, 1 input channel, 1 filter) set to ours
	// and its bias left at 0, and a MaxPooling2D of 2.
	convModel := nn.Sequential("conv", nn.Conv2D(1, 3, nn.Linear))
	if err := convModel.BuildShape([]int{4, 4, 1}, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	k := make([]float64, len(kernel))
	for i, w := range kernel {
		k[i] = float64(w)
	}
	if err := convModel.Layers[0].(*nn.Conv2DLayer).Kernel.SetFloat64s(k); err != nil {
		return err
	}
	poolModel := nn.Sequential("pool", nn.MaxPooling2D(2))
	if err := poolModel.BuildShape([]int{4, 4, 1}, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	for _, c := range []struct {
		model  *nn.Model
		byHand []float32
	}{{convModel, conv}, {poolModel, pool}} {
		acts, err := activations(c.model, image)
		if err != nil {
			return err
		}
		a := acts[0]
		show(fmt.Sprintf("%s %v", a.Type, a.Shape), a.Values, 2, 2)
		equal := len(a.Values) == len(c.byHand)
		for i := range c.byHand {
			equal = equal && a.Values[i] == c.byHand[i]
		}
		fmt.Println("equal to the hand calculation:", equal)
	}
	// notebook:end
	return nil
}
