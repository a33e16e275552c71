// Command mnist-tensors shows tensors of rank 0 to 3 with gorgonia.org/tensor
// and MNIST's training images as a rank-3 tensor, for notebook 03-mnist-blocks.
package main

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
)

// mnistDir is where the MNIST IDX files are: $GRADGRAPH_DATA_MNIST, or
// ../shared/data/mnist beside the repository.
func mnistDir() string {
	if d := os.Getenv("GRADGRAPH_DATA_MNIST"); d != "" {
		return d
	}
	return filepath.Join("..", "shared", "data", "mnist")
}

func main() {
	fmt.Println("notebook:section ranks") // notebook:hide
	// notebook:begin ranks
	scalar := tensor.New(tensor.FromScalar(float32(12)))
	vector := tensor.New(tensor.WithShape(5), tensor.WithBacking([]float32{12, 3, 6, 14, 7}))
	matrix := tensor.New(tensor.WithShape(3, 5), tensor.WithBacking([]float32{
		5, 78, 2, 34, 0,
		6, 79, 3, 35, 1,
		7, 80, 4, 36, 2,
	}))
	cube := tensor.New(tensor.WithShape(2, 3, 5), tensor.WithBacking(tensor.Range(tensor.Int64, 0, 30)))
	for _, t := range []*tensor.Dense{scalar, vector, matrix, cube} {
		fmt.Printf("rank %d  shape %-10s dtype %v\n", t.Dims(), fmt.Sprint(t.Shape()), t.Dtype())
	}
	fmt.Printf("the rank-3 tensor:\n%v\n", cube)
	// notebook:end

	fmt.Println("notebook:section mnist") // notebook:hide
	// notebook:begin mnist
	idx, err := data.ReadIDX(filepath.Join(mnistDir(), "train-images-idx3-ubyte.gz"))
	if err != nil {
		log.Fatal(err)
	}
	images := tensor.New(tensor.WithShape(idx.Dims...), tensor.WithBacking(idx.Data))
	fmt.Printf("train images: rank %d, shape %v, dtype %v\n", images.Dims(), images.Shape(), images.Dtype())
	// The labels are rank-1 tensors of bytes, one digit per image; printed
	// as NumPy prints a long array, its first and last three values.
	for _, name := range []string{"train-labels-idx1-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		lab, err := data.ReadIDX(filepath.Join(mnistDir(), name))
		if err != nil {
			log.Fatal(err)
		}
		l := lab.Data
		fmt.Printf("%s: rank %d, shape %v, array([%d, %d, %d, ..., %d, %d, %d])\n", name,
			len(lab.Dims), lab.Dims, l[0], l[1], l[2], l[len(l)-3], l[len(l)-2], l[len(l)-1])
	}
	fifth, err := images.Slice(tensor.S(4)) // a slice of a rank-3 tensor: one 28×28 image
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("image 4: shape %v, drawn from its pixel values (· above 0, # above 127):\n", fifth.Shape())
	for r := 6; r < 28; r++ {
		line := ""
		for c := 2; c < 24; c++ {
			v, err := fifth.At(r, c)
			if err != nil {
				log.Fatal(err)
			}
			switch v := v.(uint8); {
			case v > 127:
				line += "#"
			case v > 0:
				line += "·"
			default:
				line += " "
			}
		}
		fmt.Println(line)
	}
	// notebook:end
}
