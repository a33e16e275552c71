package viz_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/viz"
)

func ExampleFeatureMaps() {
	// One layer's output for one image: 4×4 maps of 2 channels, channels
	// last, as train.Trainer.Activations returns them.
	values := make([]float64, 4*4*2)
	for i := range values {
		values[i] = float64(i % 5)
	}
	layers := []viz.FeatureMap{{Name: "conv2d (Conv2D)", Shape: []int{4, 4, 2}, Values: values}}
	path := filepath.Join(os.TempDir(), "viz_example_featuremaps.png")
	defer os.Remove(path)
	if err := viz.FeatureMaps(path, "one image", layers, 0); err != nil {
		log.Fatal(err)
	}
	fmt.Println(pngSize(path))
	// Output: 520×142
}
