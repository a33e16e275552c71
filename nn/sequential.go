package nn

import (
	"fmt"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// Model is a stack of layers applied in order (Keras's Sequential).
type Model struct {
	Name   string
	Layers []Layer

	in     int
	out    int
	dtype  tensor.Dtype
	widths []int // output width of each layer
	fused  bool  // build graphs from the fused ops (see Fusion)
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

// Build creates every layer's params for inputs of in features. Building
// again re-initialises the params.
func (m *Model) Build(in int, opt BuildOptions) error {
	if len(m.Layers) == 0 {
		return errors.Errorf("model %q: no layers", m.Name)
	}
	if in <= 0 {
		return errors.Errorf("model %q: input must have at least one feature, got %d", m.Name, in)
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
	m.widths = m.widths[:0]
	width := in
	for i, l := range m.Layers {
		if l == nil {
			return errors.Errorf("model %q: layer %d is nil", m.Name, i)
		}
		if names[l.Name()] {
			return errors.Errorf("model %q: two layers are named %q", m.Name, l.Name())
		}
		names[l.Name()] = true
		out, err := l.Build(width, dt, rng)
		if err != nil {
			return errors.Wrapf(err, "model %q: layer %d", m.Name, i)
		}
		width = out
		m.widths = append(m.widths, out)
	}
	m.in, m.out, m.dtype, m.fused, m.built = in, width, dt, fused, true
	return nil
}

// Fused reports whether the model's graphs use the fused ops (see Fusion).
func (m *Model) Fused() bool { return m.fused }

// SetFused switches between the fused ops and their twins for graphs built
// from now on; params are untouched, so a model can be compared both ways.
func (m *Model) SetFused(on bool) { m.fused = on }

// Built reports whether Build has run.
func (m *Model) Built() bool { return m.built }

// InputWidth is the number of input features the model was built for.
func (m *Model) InputWidth() int { return m.in }

// OutputWidth is the width of the model's output.
func (m *Model) OutputWidth() int { return m.out }

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

// Forward adds the whole stack to the builder's graph for input x.
func (m *Model) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	if !m.built {
		return nil, errors.Errorf("model %q: not built", m.Name)
	}
	if x.Dims() != 2 || x.Shape()[1] != m.in {
		return nil, errors.Errorf("model %q: input has shape %v, want (batch, %d)", m.Name, x.Shape(), m.in)
	}
	b.Logits, b.LogProbs, b.Probs = nil, nil, nil
	b.Fused = m.fused
	var err error
	for _, l := range m.Layers {
		if x, err = l.Forward(b, x); err != nil {
			return nil, errors.Wrapf(err, "model %q", m.Name)
		}
	}
	return x, nil
}

// snake turns a type name into Keras's default layer name:
// BatchNormalization → batch_normalization.
func snake(s string) string {
	var out []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if i > 0 {
				out = append(out, '_')
			}
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}
