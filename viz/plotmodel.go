package viz

import (
	"fmt"
	"strings"

	"github.com/gradgraph/gradgraph/nn"
)

// PlotModel draws m's layers to path, one box per layer with its name,
// type and input and output shapes (Keras's plot_model(show_shapes=True)):
// a Sequential model's as a chain, a functional model's as its graph (see
// modelBoxes), with ModelDiagram.
func PlotModel(path string, m *nn.Model) error {
	boxes, err := modelBoxes(m)
	if err != nil {
		return err
	}
	return ModelDiagram(path, fmt.Sprintf("Model %q", m.Name), boxes)
}

// modelBoxes turns m's Describe into the diagram's boxes. A functional
// model's boxes name their inbound layers, so that the diagram draws its
// branches and merges; its inputs are boxes of type InputLayer whose shapes
// are lists, and a layer of several inputs lists their shapes, as Keras
// 2's plot_model prints them ("[(None, 8), (None, 16)]"). A shared layer is
// one box, with arrows from what feeds each of its calls, except that an
// arrow from a layer first called after it (the shared layer called again
// further down, on its own output or a later layer's) is left out: it
// would go upwards, and the diagram draws no cycles.
func modelBoxes(m *nn.Model) ([]DiagramBox, error) {
	layers, err := m.Describe()
	if err != nil {
		return nil, err
	}
	boxes := make([]DiagramBox, len(layers))
	at := make(map[string]int, len(layers))
	for i, l := range layers {
		if _, ok := at[l.Name]; !ok {
			at[l.Name] = i
		}
	}
	for i, l := range layers {
		boxes[i] = DiagramBox{Title: fmt.Sprintf("%s (%s)", l.Name, l.Type), Input: nn.ShapeString(l.Input), Output: nn.ShapeString(l.Output)}
		if !m.Functional() {
			continue
		}
		boxes[i].Name = l.Name
		switch {
		case l.Type == "InputLayer":
			boxes[i].Input = shapeList([][]int{l.Input})
			boxes[i].Output = shapeList([][]int{l.Output})
		case len(l.Inputs) > 1:
			boxes[i].Input = shapeList(l.Inputs)
		}
		for _, name := range l.Inbound {
			// A name of no layer stays, for ModelDiagram to report.
			if j, ok := at[name]; !ok || j < i {
				boxes[i].Inbound = append(boxes[i].Inbound, name)
			}
		}
	}
	return boxes, nil
}

// shapeList prints shapes as Keras prints a list of them:
// [(None, 8), (None, 16)].
func shapeList(shapes [][]int) string {
	s := make([]string, len(shapes))
	for i, sh := range shapes {
		s[i] = nn.ShapeString(sh)
	}
	return "[" + strings.Join(s, ", ") + "]"
}
