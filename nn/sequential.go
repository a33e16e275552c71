package nn

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Sequential stacks layers into a model called name. Layers without a name
// get Keras's: the snake-case type, then _1, _2, ... for repeats.
func Sequential(name string, layers ...Layer) *Model {
	m := &Model{Name: name, Layers: layers}
	seen := map[string]int{}
	for _, l := range layers {
		if l == nil || l.Name() != "" {
			continue
		}
		base := snake(l.Type())
		n := seen[base]
		seen[base]++
		if n == 0 {
			l.SetName(base)
		} else {
			l.SetName(fmt.Sprintf("%s_%d", base, n))
		}
	}
	return m
}

// BuildOptions choose how Build creates the params and how Forward builds
// graphs.
type BuildOptions struct {
	Seed   int64        // seeds the initialisers
	DType  tensor.Dtype // graph.Float32 (default) or graph.Float64
	Fusion Fusion       // fused ops or plain-Gorgonia twins; default: GRADGRAPH_FUSION
}

// Fusion chooses whether a model's graphs use gradgraph's fused ops (Dense,
// Conv2D, pooling, BatchNorm, Dropout, LogSoftmax, Softmax, CrossEntropy,
// Sigmoid: single Gorgonia nodes with hand-derived gradients and fast
// kernels) or their twins composed of Gorgonia's primitive ops,
// differentiated by gorgonia.Grad alone. The two
// give the same numbers to rounding (graph's parity tests); the twins are
// slower and serve to check the fused ops and to run plain Gorgonia.
type Fusion int

const (
	// FusionDefault is the program's setting: fused unless
	// GRADGRAPH_FUSION=0, read once per process (graph.FusionFromEnv).
	FusionDefault Fusion = iota
	// FusionOn builds the fused ops.
	FusionOn
	// FusionOff builds the plain-Gorgonia twins.
	FusionOff
)

// fused resolves f to on or off.
func (f Fusion) fused() (bool, error) {
	switch f {
	case FusionOn:
		return true, nil
	case FusionOff:
		return false, nil
	case FusionDefault:
		return graph.FusionFromEnv()
	}
	return true, errors.Errorf("unknown fusion setting %d", int(f))
}

// Build creates every layer's params for inputs of in features (the 1-D
// shape []int{in}). Building again re-initialises the params.
func (m *Model) Build(in int, opt BuildOptions) error {
	if in <= 0 {
		return errors.Errorf("model %q: input must have at least one feature, got %d", m.Name, in)
	}
	return m.BuildShape([]int{in}, opt)
}

// BuildShape creates every layer's params for samples of shape in (without
// the batch dimension; channels last for images: []int{28, 28, 1}),
// threading each layer's output shape into the next. Building again
// re-initialises the params. For a model made by NewModel, whose inputs
// declare their shapes, in must be its one input's shape, and BuildShape is
// Init.
func (m *Model) BuildShape(in []int, opt BuildOptions) error {
	if m.functional {
		if len(m.inputs) != 1 || !m.inputs[0].shape.Equal(in) {
			return errors.Errorf("model %q: built for %s, but its inputs are %s", m.Name, ShapeString(in), shapesString(m.InputShapes()))
		}
		return m.init(opt)
	}
	if len(m.Layers) == 0 {
		return errors.Errorf("model %q: no layers", m.Name)
	}
	if err := checkShape("model", m.Name, in); err != nil {
		return err
	}
	if err := m.chain(in); err != nil {
		return err
	}
	return m.init(opt)
}

// chain lays a Sequential's graph: one input of shape in, then each layer
// called on the previous one's output. Shapes are set by init as it builds.
func (m *Model) chain(in []int) error {
	names := map[string]bool{}
	for i, l := range m.Layers {
		if l == nil {
			return errors.Errorf("model %q: layer %d is nil", m.Name, i)
		}
		if names[l.Name()] {
			return errors.Errorf("model %q: two layers are named %q", m.Name, l.Name())
		}
		names[l.Name()] = true
	}
	x := &Tensor{id: ids.Add(1), name: "input_layer", shape: Shape(in).Clone()}
	m.inputs = []*Tensor{x}
	m.nodes = m.nodes[:0]
	for _, l := range m.Layers {
		n := &node{id: ids.Add(1), layer: l, in: []*Tensor{x}}
		n.out = &Tensor{id: ids.Add(1), from: n}
		m.nodes = append(m.nodes, n)
		x = n.out
	}
	m.outputs = []*Tensor{x}
	return nil
}

// snake turns a type name into Keras's default layer name, with Keras's
// two rules (to_snake_case): an underscore before a capital that starts a
// lower-case word, then between a lower-case letter and a capital;
// BatchNormalization → batch_normalization, Conv2D → conv2d,
// MaxPooling2D → max_pooling2d.
func snake(s string) string {
	s = snakeWord.ReplaceAllString(s, "${1}_${2}")
	s = snakeCase.ReplaceAllString(s, "${1}_${2}")
	return strings.ToLower(s)
}

var (
	snakeWord = regexp.MustCompile(`(.)([A-Z][a-z]+)`)
	snakeCase = regexp.MustCompile(`([a-z])([A-Z])`)
)
