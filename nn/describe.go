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
	// Input is the first input's shape; Inputs has them all.
	Input, Output []int
	Inputs        [][]int
	Params        int // weights, trainable or not
	// Inbound names what feeds the layer, call by call (Keras's
	// "Connected to"): the names of the layers and inputs whose outputs it
	// takes; nil for an input.
	Inbound []string
}

// Describe lists the layers of a built model with their input and output
// shapes and param counts, in the order of their first call. A model made
// by NewModel lists its inputs first, as layers of type InputLayer, and
// each layer's Inbound says what it is connected to.
func (m *Model) Describe() ([]LayerInfo, error) {
	if !m.built {
		return nil, fmt.Errorf("model %q: not built", m.Name)
	}
	var out []LayerInfo
	if m.functional {
		for _, t := range m.inputs {
			out = append(out, LayerInfo{Name: t.name, Type: "InputLayer", Input: t.shape.Clone(), Output: t.shape.Clone(), Inputs: [][]int{t.shape.Clone()}})
		}
	}
	at := map[Layer]int{}
	refs := m.tensorRefs()
	for _, n := range m.nodes {
		i, ok := at[n.layer]
		if !ok {
			i = len(out)
			at[n.layer] = i
			params := 0
			for _, p := range n.layer.Params() {
				params += p.Size()
			}
			in := shapesOf(n.in)
			out = append(out, LayerInfo{Name: n.layer.Name(), Type: n.layer.Type(), Input: in[0], Inputs: in, Output: n.out.shape.Clone(), Params: params})
		}
		for _, t := range n.in {
			out[i].Inbound = append(out[i].Inbound, refs[t].Name)
		}
	}
	return out, nil
}

// TensorRef names a tensor of a model in a file: an input by its name, or
// call Call (0 for the first) of the layer named Name.
type TensorRef struct {
	Name string `json:"name"`
	Call int    `json:"call,omitempty"`
}

// String writes the reference as Keras's summary does: name[call][0].
func (r TensorRef) String() string {
	return Printable(r.Name) + "[" + strconv.Itoa(r.Call) + "][0]"
}

// tensorRefs names every tensor of the model.
func (m *Model) tensorRefs() map[*Tensor]TensorRef {
	refs := make(map[*Tensor]TensorRef, len(m.inputs)+len(m.nodes))
	for _, t := range m.inputs {
		refs[t] = TensorRef{Name: t.name}
	}
	calls := map[Layer]int{}
	for _, n := range m.nodes {
		refs[n.out] = TensorRef{Name: n.layer.Name(), Call: calls[n.layer]}
		calls[n.layer]++
	}
	return refs
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
