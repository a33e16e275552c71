package report

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// Graph writes the pictures of the model behind the commands' -graph flag
// into dir: model.png, the layer diagram (Keras's plot_model with shapes);
// graph.dot, the training graph for batches of batch samples as Gorgonia
// builds it, forward and backward; and graph.svg rendered from it when
// Graphviz's dot is installed. Without dot it says so on w and goes on.
func Graph(dir string, tr *train.Trainer, batch int, w io.Writer) error {
	if err := Diagram(filepath.Join(dir, "model.png"), tr.NN()); err != nil {
		return err
	}
	dot, err := tr.GraphDOT(batch)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(filepath.Join(dir, "graph.dot"), dot); err != nil {
		return errors.Wrap(err, "graph.dot")
	}
	svg, err := graph.RenderDOT(dot, "svg")
	if errors.Is(err, graph.ErrNoDot) {
		fmt.Fprintf(w, "graph.svg not written: %v\n", err)
		return nil
	}
	if err != nil {
		return err
	}
	return errors.Wrap(atomicfile.WriteBytes(filepath.Join(dir, "graph.svg"), svg), "graph.svg")
}

// Diagram draws m's layers to path (viz.PlotModel).
func Diagram(path string, m *nn.Model) error { return viz.PlotModel(path, m) }
