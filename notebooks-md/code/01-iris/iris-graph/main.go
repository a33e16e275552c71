// Command iris-graph draws notebook 01-iris's model twice: its layer
// diagram (model.png, as Keras's plot_model(show_shapes=True) draws it) and
// its training graph as Graphviz DOT (graph.dot), which the notebook
// generator renders to graph.svg when Graphviz's dot is installed.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

func main() {
	img := flag.String("img", "out/notebooks/01-iris", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

func run(img string) error {
	// notebook:begin diagram
	// The model of this notebook, as iris-train builds it.
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}

	// The layer diagram: one box per layer, with its input and output
	// shapes (None: the batch axis).
	layers, err := model.Describe()
	if err != nil {
		return err
	}
	boxes := make([]viz.DiagramBox, len(layers))
	for i, l := range layers {
		boxes[i] = viz.DiagramBox{
			Title:  fmt.Sprintf("%s (%s)", l.Name, l.Type),
			Input:  nn.ShapeString(l.Input),
			Output: nn.ShapeString(l.Output),
		}
	}
	if err := viz.ModelDiagram(filepath.Join(img, "model.png"), `Model "iris"`, boxes); err != nil {
		return err
	}
	// notebook:end

	// notebook:begin dot
	// The expression graph Fit runs for batches of 8: forward pass, loss,
	// and the gradient nodes gorgonia.Grad added, as DOT.
	tr, err := train.Compile(model, train.Adam(1e-3),
		train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return err
	}
	dot, err := tr.GraphDOT(8)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(img, "graph.dot"), dot, 0o644); err != nil {
		return err
	}
	fmt.Printf("graph.dot: %d nodes, %d edges; %d params, %d gradients\n",
		strings.Count(string(dot), "[label="), strings.Count(string(dot), "->"),
		strings.Count(string(dot), "\\nparam\""), strings.Count(string(dot), `fillcolor="#fcbba1"`))
	// notebook:end

	// notebook:begin excerpt
	// A readable excerpt: the same kind of graph for the model's last
	// layer alone, Dense(3, softmax) on 64 inputs, with its loss and the
	// two gradients.
	last := nn.Sequential("last", nn.Dense(3, nn.Softmax))
	if err := last.Build(64, nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	lastTr, err := train.Compile(last, train.Adam(1e-3), train.SparseCategoricalCrossentropy())
	if err != nil {
		return err
	}
	excerpt, err := lastTr.GraphDOT(8)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(img, "graph-excerpt.dot"), excerpt, 0o644); err != nil {
		return err
	}
	fmt.Printf("graph-excerpt.dot: %d nodes, %d edges\n",
		strings.Count(string(excerpt), "[label="), strings.Count(string(excerpt), "->"))
	// notebook:end
	return nil
}
