package viz_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/viz"
)

func ExampleFilters() {
	// Four 3×3 filters of one input channel, as a first Conv2D layer on
	// grey images holds them: Kernel is row-major over (3, 3, 1, 4).
	kernel := make([]float64, 3*3*1*4)
	for i := range kernel {
		kernel[i] = float64(i%7) - 3
	}
	path := filepath.Join(os.TempDir(), "viz_example_filters.png")
	defer os.Remove(path)
	err := viz.Filters(path, viz.FilterGrid{Title: "conv2d", Kernel: kernel, Shape: []int{3, 3, 1, 4}})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path))
	// Output: 460×120
}

func ExampleFilters_error() {
	// A Dense kernel is not a Conv2D kernel: an error, not a panic.
	err := viz.Filters(filepath.Join(os.TempDir(), "viz_never.png"), viz.FilterGrid{Kernel: make([]float64, 6), Shape: []int{2, 3}})
	fmt.Println(err)
	// Output: viz: filters: kernel shape [2 3] is not (height, width, in channels, filters)
}
