package train

import (
	"fmt"
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
	Call   int       // which call of the layer (0; more for a shared layer)
}

// Activations returns every layer call's output for the sample x, in the
// model's call order (a shared layer once per call, Call telling them
// apart): Keras's Model(inputs, [l.output for l in
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
	m := t.NN()
	if m == nil {
		return nil, errors.Errorf("activations %q: a %T is not an *nn.Model, whose layer calls Activations walks", t.Model.ModelName(), t.Model)
	}
	if !built(m) {
		return nil, errors.Errorf("activations %q: model is not built; call Build or Fit first", m.ModelName())
	}
	if len(x) != inputWidth(m) {
		return nil, errors.Errorf("activations %q: sample has %d features, model takes %d", m.ModelName(), len(x), inputWidth(m))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	b, err := graph.NewBuilder(m.DType(), 1, false)
	if err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.ModelName())
	}
	// Each input in its shape, so that each layer sees what it sees inside
	// Model.ForwardInputs (which reshapes flat rows to these shapes); x
	// holds the inputs one after another.
	var ins []*graph.Input
	var xs []*G.Node
	for i, shape := range m.InputShapes() {
		in := b.Input(fmt.Sprintf("x%d", i), append([]int{1}, shape...)...)
		ins, xs = append(ins, in), append(xs, in.Node)
	}
	_, calls, err := m.ForwardCalls(b, xs)
	if err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.ModelName())
	}
	nodes := make([]*G.Node, len(calls))
	acts := make([]LayerActivation, len(calls))
	for i, c := range calls {
		nodes[i] = c.Node
		acts[i] = LayerActivation{Name: c.Layer.Name(), Type: c.Layer.Type(), Call: c.Call, Shape: []int(c.Node.Shape()[1:].Clone())}
	}
	mach, err := b.Compile(nil, nil, nodes...)
	if err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.ModelName())
	}
	defer mach.Close()
	off := 0
	for _, in := range ins {
		n := in.Tensor.Shape().TotalSize()
		if err := in.Set(x[off : off+n]); err != nil {
			return nil, errors.Wrapf(err, "activations %q", m.ModelName())
		}
		off += n
	}
	// An inference graph has no random feeds; the generator only satisfies
	// a layer of someone else's that adds one anyway.
	if err := mach.Run(rand.New(rand.NewSource(0))); err != nil {
		return nil, errors.Wrapf(err, "activations %q", m.ModelName())
	}
	for i := range acts {
		out := mach.Output(i)
		if out == nil {
			return nil, errors.Errorf("activations %q: layer %q produced no value", m.ModelName(), acts[i].Name)
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
			return nil, errors.Errorf("activations %q: layer %q gave %T", m.ModelName(), acts[i].Name, d)
		}
		if n := sizeOf(acts[i].Shape); n != len(acts[i].Values) {
			return nil, errors.Errorf("activations %q: layer %q gave %d values for shape %v", m.ModelName(), acts[i].Name, len(acts[i].Values), acts[i].Shape)
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
