package train

import (
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/graph"
)

// LayerActivation is one layer's output for one sample.
type LayerActivation struct {
	Name   string    // the layer's name ("conv2d_1")
	Type   string    // its type ("Conv2D")
	Shape  []int     // the per-sample output shape, without the batch: (height, width, channels) for a Conv2D
	Values []float32 // the output, row-major over Shape (channels last)
}

// Activations returns every layer's output for the sample x, in the order
// of the model's layers: Keras's Model(inputs, [l.output for l in
// model.layers]).predict(x), the feature maps a convnet tutorial draws. x
// holds InputWidth features, row-major over the model's input shape (a
// 28×28×1 image's pixels row by row), as data sources give them. The
// graph is an inference graph, as Predict's: BatchNorm uses its moving
// statistics and Dropout passes its input through, so the last activation
// is Predict's output for x.
//
// Each call builds a graph of batch 1 over the model's layers and throws it
// away; it is meant for looking at a few samples, not for throughput.
func (t *Trainer) Activations(x []float32) ([]LayerActivation, error) {
	m := t.Model
	if !m.Built() {
		return nil, errors.Errorf("activations %q: model is not built; call Build or Fit first", m.Name)
	}
	if len(x) != m.InputWidth() {
		return nil, errors.Errorf("activations %q: sample has %d features, model takes %d", m.Name, len(x), m.InputWidth())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, err := graph.NewBuilder(m.DType(), 1, false)
	if err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.Name)
	}
	b.Fused = m.Fused()
	// The input in the model's shape, so that each layer sees what it sees
	// inside Model.Forward (which reshapes flat rows to this shape).
	in := b.Input("x", append([]int{1}, m.InputShape()...)...)
	nodes := make([]*G.Node, len(m.Layers))
	acts := make([]LayerActivation, len(m.Layers))
	node := in.Node
	for i, l := range m.Layers {
		if node, err = l.Forward(b, node); err != nil {
			return nil, errors.Wrapf(err, "activations %q", m.Name)
		}
		nodes[i] = node
		acts[i] = LayerActivation{Name: l.Name(), Type: l.Type(), Shape: []int(node.Shape()[1:].Clone())}
	}
	mach, err := b.Compile(nil, nil, nodes...)
	if err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.Name)
	}
	defer mach.Close()
	if err := in.Set(x); err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.Name)
	}
	// An inference graph has no random feeds; the generator only satisfies
	// a layer of someone else's that adds one anyway.
	if err := mach.Run(rand.New(rand.NewSource(0))); err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.Name)
	}
	for i := range acts {
		out := mach.Output(i)
		if out == nil {
			return nil, errors.Errorf("activations %q: layer %q produced no value", m.Name, acts[i].Name)
		}
		switch d := out.Data().(type) {
		case []float32:
			acts[i].Values = append([]float32(nil), d...)
		case []float64:
			acts[i].Values = make([]float32, len(d))
			for j, v := range d {
				acts[i].Values[j] = float32(v)
			}
		default:
			return nil, errors.Errorf("activations %q: layer %q gave %T", m.Name, acts[i].Name, d)
		}
		if n := sizeOf(acts[i].Shape); n != len(acts[i].Values) {
			return nil, errors.Errorf("activations %q: layer %q gave %d values for shape %v", m.Name, acts[i].Name, len(acts[i].Values), acts[i].Shape)
		}
	}
	return acts, nil
}

// sizeOf is the number of elements of a shape.
func sizeOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
