// Command mnist-tensors shows tensors of rank 0 to 3 with gorgonia.org/tensor,
// MNIST's training images as a rank-3 tensor, and the tutorial's reshape to
// (60000, 784) and scaling to float32 in [0, 1] done by hand, for notebook
// 03-mnist-blocks.
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
		labels := tensor.New(tensor.WithShape(lab.Dims...), tensor.WithBacking(lab.Data))
		l := lab.Data
		fmt.Printf("%s: rank %d, shape %v (a Go []int: %v), array([%d, %d, %d, ..., %d, %d, %d])\n",
			name, labels.Dims(), labels.Shape(), lab.Dims, l[0], l[1], l[2], l[len(l)-3], l[len(l)-2], l[len(l)-1])
	}
	// notebook:end

	// notebook:begin slice
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

	fmt.Println("notebook:section exercise-mnist") // notebook:hide
	// notebook:begin exercise-mnist
	// The memory the training images take, as bytes and as float32, and
	// how many images each digit has.
	n := images.Shape().TotalSize()
	fmt.Printf("%d pixels: %.1f MB as uint8, %.1f MB as float32\n", n, float64(n)/1e6, float64(4*n)/1e6)
	lab, err := data.ReadIDX(filepath.Join(mnistDir(), "train-labels-idx1-ubyte.gz"))
	if err != nil {
		log.Fatal(err)
	}
	counts := make([]int, 10)
	for _, l := range lab.Data {
		counts[l]++
	}
	fmt.Println("training images per digit 0-9:", counts)
	// notebook:end

	fmt.Println("notebook:section prepare") // notebook:hide
	// notebook:begin prepare
	// The tutorial's two preparation steps, by hand. Reshape: each 28×28
	// image becomes one row of 784 pixels, row after row; the bytes stay
	// where they are, only the shape changes.
	if err := images.Reshape(60000, 28*28); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("reshaped: rank %d, shape %v, dtype %v\n", images.Dims(), images.Shape(), images.Dtype())
	// Then bytes 0..255 become float32 0..1: astype("float32") / 255.
	bytes := images.Data().([]uint8)
	scaled := make([]float32, len(bytes))
	for i, b := range bytes {
		scaled[i] = float32(b) / 255
	}
	x := tensor.New(tensor.WithShape(60000, 28*28), tensor.WithBacking(scaled))
	fmt.Printf("scaled:   rank %d, shape %v, dtype %v\n", x.Dims(), x.Shape(), x.Dtype())
	row := 4*784 + 10*28 // image 4, its row 10 (the 11th), from column 8
	fmt.Printf("image 4, row 10, columns 8-13: bytes %v -> %.4f\n", bytes[row+8:row+14], scaled[row+8:row+14])

	// data.MNIST does both on the fly, batch by batch, from the bytes:
	// image 4 as it reaches the network is row 4 of x, bit for bit.
	trainImages, _, err := data.MNIST(mnistDir(), data.Offline())
	if err != nil {
		log.Fatal(err)
	}
	batchRow := make([]float32, trainImages.Features())
	trainImages.Fill([]int{4}, batchRow, nil)
	same := true
	for j, v := range batchRow {
		same = same && v == scaled[4*784+j]
	}
	fmt.Println("data.MNIST's image 4 equals row 4 of x:", same)
	// notebook:end

	fmt.Println("notebook:section exercise") // notebook:hide
	// notebook:begin exercise
	batch := tensor.New(tensor.Of(tensor.Float32), tensor.WithShape(128, 32, 32, 3))
	fmt.Printf("128 colour images of 32×32: rank %d, shape %v, %d numbers\n", batch.Dims(), batch.Shape(), batch.Shape().TotalSize())
	// notebook:end
}
