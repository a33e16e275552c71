package nn

import (
	"fmt"
	"strconv"
	"strings"
)

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
// batch: (None, 64). A shape of more than MaxRank dimensions (which no
// layer accepts) prints its first MaxRank and how many there are, so that
// an error message about it stays one short line.
func ShapeString(shape []int) string { return dimsString("None", shape) }

// dimsList prints dimensions as fmt's %v does ([3 3]), at most MaxRank of
// them, for error messages about shapes read from files.
func dimsList(shape []int) string {
	if len(shape) <= MaxRank {
		return fmt.Sprint(shape)
	}
	return fmt.Sprintf("%v… (%d dimensions)", shape[:MaxRank], len(shape))
}

// dimsString prints (first, d0, d1, ...) in time linear in the dimensions
// printed, at most MaxRank of them.
func dimsString(first string, shape []int) string {
	var b strings.Builder
	b.WriteString("(")
	b.WriteString(first)
	for i, d := range shape {
		if i == MaxRank {
			fmt.Fprintf(&b, ", … %d dimensions in all", len(shape))
			break
		}
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(d))
	}
	b.WriteString(")")
	return b.String()
}
