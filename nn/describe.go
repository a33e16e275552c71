package nn

import "fmt"

// LayerInfo describes one layer of a built model for drawing or listing:
// Keras's plot_model(show_shapes=True) shows the same.
type LayerInfo struct {
	Name, Type string
	// Input and Output are the per-sample shapes; the batch dimension,
	// which graphs fix per batch size, is left out (Keras prints None).
	Input, Output []int
	Params        int // weights, trainable or not
}

// Describe lists the layers of a built model with their input and output
// shapes and param counts.
func (m *Model) Describe() ([]LayerInfo, error) {
	if !m.built {
		return nil, fmt.Errorf("model %q: not built", m.Name)
	}
	out := make([]LayerInfo, len(m.Layers))
	in := m.in
	for i, l := range m.Layers {
		n := 0
		for _, p := range l.Params() {
			n += p.Size()
		}
		out[i] = LayerInfo{Name: l.Name(), Type: l.Type(), Input: in.Clone(), Output: m.shapes[i].Clone(), Params: n}
		in = m.shapes[i]
	}
	return out, nil
}

// ShapeString prints a per-sample shape as Keras does, with None for the
// batch: (None, 64).
func ShapeString(shape []int) string {
	s := "(None"
	for _, d := range shape {
		s += fmt.Sprintf(", %d", d)
	}
	return s + ")"
}
