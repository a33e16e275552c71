package nn

import (
	"fmt"
	"math/rand"
	"regexp"
	"strings"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Model is a stack of layers applied in order (Keras's Sequential).
type Model struct {
	Name   string
	Layers []Layer

	in     Shape
	out    Shape
	dtype  tensor.Dtype
	shapes []Shape // output shape of each layer
	fused  bool    // build graphs from the fused ops (see Fusion)
	built  bool
}

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
// LogSoftmax, Softmax, CrossEntropy, Sigmoid: single Gorgonia nodes with
// hand-derived gradients and fast kernels) or their twins composed of
// Gorgonia's primitive ops, differentiated by gorgonia.Grad alone. The two
// give the same numbers to rounding (graph's parity tests); the twins are
// slower and serve to check the fused ops and to run plain Gorgonia.
type Fusion int

const (
	// FusionDefault reads the environment: fused unless GRADGRAPH_FUSION=0.
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
// re-initialises the params.
func (m *Model) BuildShape(in []int, opt BuildOptions) error {
	if len(m.Layers) == 0 {
		return errors.Errorf("model %q: no layers", m.Name)
	}
	if err := checkShape("model", m.Name, in); err != nil {
		return err
	}
	dt := opt.DType
	if dt == (tensor.Dtype{}) {
		dt = graph.Float32
	}
	fused, err := opt.Fusion.fused()
	if err != nil {
		return errors.Wrapf(err, "model %q", m.Name)
	}
	names := map[string]bool{}
	rng := rand.New(rand.NewSource(opt.Seed))
	m.shapes = m.shapes[:0]
	shape := Shape(in).Clone()
	for i, l := range m.Layers {
		if l == nil {
			return errors.Errorf("model %q: layer %d is nil", m.Name, i)
		}
		if names[l.Name()] {
			return errors.Errorf("model %q: two layers are named %q", m.Name, l.Name())
		}
		names[l.Name()] = true
		out, err := l.Build(shape.Clone(), dt, rng)
		if err != nil {
			return errors.Wrapf(err, "model %q: layer %d", m.Name, i)
		}
		if err := checkShape(l.Type(), l.Name(), out); err != nil {
			return errors.Wrapf(err, "model %q: layer %d output", m.Name, i)
		}
		shape = Shape(out).Clone()
		m.shapes = append(m.shapes, shape)
	}
	m.in, m.out, m.dtype, m.fused, m.built = Shape(in).Clone(), shape, dt, fused, true
	return nil
}

// Fused reports whether the model's graphs use the fused ops (see Fusion).
func (m *Model) Fused() bool { return m.fused }

// SetFused switches between the fused ops and their twins for graphs built
// from now on; params are untouched, so a model can be compared both ways.
func (m *Model) SetFused(on bool) { m.fused = on }

// Built reports whether Build has run.
func (m *Model) Built() bool { return m.built }

// InputWidth is the number of input features the model was built for:
// the size of its input shape (784 for a 28×28×1 image).
func (m *Model) InputWidth() int { return m.in.Size() }

// OutputWidth is the width of the model's output: the size of its output
// shape.
func (m *Model) OutputWidth() int { return m.out.Size() }

// InputShape is the per-sample shape the model was built for.
func (m *Model) InputShape() []int { return m.in.Clone() }

// OutputShape is the per-sample shape of the last layer's output.
func (m *Model) OutputShape() []int { return m.out.Clone() }

// DType is the element type the params were built with.
func (m *Model) DType() tensor.Dtype { return m.dtype }

// Params lists every param, layer by layer: the model's weights in Keras's
// get_weights order.
func (m *Model) Params() []*graph.Param {
	var ps []*graph.Param
	for _, l := range m.Layers {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Trainable lists the params that receive gradients.
func (m *Model) Trainable() []*graph.Param {
	var ps []*graph.Param
	for _, p := range m.Params() {
		if p.Trainable {
			ps = append(ps, p)
		}
	}
	return ps
}

// Forward adds the whole stack to the builder's graph for input x, a batch
// of flat samples (batch, InputWidth), as data sources give them, or of
// samples of the input shape (batch, in...). Flat samples are reshaped to
// the input shape, row-major, channels last (a 28×28×1 image's 784 pixels
// row by row). The output is (batch, OutputWidth): an N-d last layer's
// output is flattened the same way, so that losses and metrics see rows.
func (m *Model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if !m.built {
		return nil, errors.Errorf("model %q: not built", m.Name)
	}
	shape := x.Shape()
	flat := len(shape) == 2 && shape[1] == m.in.Size()
	if !flat && (len(shape) < 1 || wantShape("model", m.Name, shape, m.in) != nil) {
		if len(m.in) == 1 {
			return nil, errors.Errorf("model %q: input has shape %v, want (batch, %d)", m.Name, shape, m.in.Size())
		}
		return nil, errors.Errorf("model %q: input has shape %v, want (batch, %d) or %s", m.Name, shape, m.in.Size(), ShapeString(m.in))
	}
	b.Logits, b.LogProbs, b.Probs = nil, nil, nil
	b.Fused = m.fused
	var err error
	if flat && len(m.in) > 1 {
		if x, err = reshape(x, batchShape(shape[0], m.in)...); err != nil {
			return nil, errors.Wrapf(err, "model %q: input", m.Name)
		}
	}
	for _, l := range m.Layers {
		if x, err = l.Forward(b, x); err != nil {
			return nil, errors.Wrapf(err, "model %q", m.Name)
		}
	}
	if x.Dims() > 2 {
		if x, err = reshape(x, x.Shape()[0], m.out.Size()); err != nil {
			return nil, errors.Wrapf(err, "model %q: output", m.Name)
		}
	}
	return x, nil
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
