package nn

import (
	"math/rand"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// ModelConfig describes a built Sequential model (Keras's get_config).
// Input is the per-sample input shape; in JSON a 1-D shape is a plain
// number, as files written when inputs were widths hold it, and other
// shapes are arrays ([28, 28, 1]). Both load.
type ModelConfig struct {
	Name   string        `json:"name"`
	Input  Shape         `json:"input"`
	DType  string        `json:"dtype"`
	Layers []LayerConfig `json:"layers"`
}

// Config describes the built model.
func (m *Model) Config() (ModelConfig, error) {
	if !m.built {
		return ModelConfig{}, errors.Errorf("model %q: not built", m.Name)
	}
	c := ModelConfig{Name: m.Name, Input: m.in.Clone(), DType: m.dtype.String()}
	for _, l := range m.Layers {
		cf, ok := l.(Configurer)
		if !ok {
			return ModelConfig{}, errors.Errorf("model %q: layer %q (%s) cannot describe itself: implement nn.Configurer", m.Name, l.Name(), l.Type())
		}
		c.Layers = append(c.Layers, cf.Config())
	}
	return c, nil
}

// FromConfig rebuilds and builds a model from its description, making each
// layer with the constructor registered for its type (RegisterLayer). The
// params get fresh initial values; load saved ones over them. A type nobody
// registered gives an *UnknownLayerError (errors.Is ErrUnknownLayer).
func FromConfig(c ModelConfig) (*Model, error) {
	dt, err := c.dtype()
	if err != nil {
		return nil, err
	}
	if len(c.Layers) == 0 {
		return nil, errors.Errorf("model %q: no layers", c.Name)
	}
	layers := make([]Layer, len(c.Layers))
	for i, lc := range c.Layers {
		l, err := newLayer(lc)
		if err != nil {
			return nil, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		if lc.Name == "" {
			return nil, errors.Errorf("model %q: layer %d has no name", c.Name, i)
		}
		l.SetName(lc.Name)
		layers[i] = l
	}
	m := Sequential(c.Name, layers...)
	if err := m.BuildShape(c.Input, BuildOptions{DType: dt}); err != nil {
		return nil, err
	}
	return m, nil
}

func (c ModelConfig) dtype() (tensor.Dtype, error) {
	switch c.DType {
	case "float32", "":
		return graph.Float32, nil
	case "float64":
		return graph.Float64, nil
	}
	return tensor.Dtype{}, errors.Errorf("model %q: unsupported dtype %q", c.Name, c.DType)
}

// maxParams caps a model's weights, and any one width, at 2^40 (4 TiB of
// float32): far above any model this package trains, low enough that no
// product or sum of two capped numbers overflows an int64.
const maxParams = 1 << 40

// maxCountByBuild is the widest input ParamCount builds a layer for when the
// layer cannot count its params (no ParamCounter). Building allocates, and a
// header may claim any width; 65,536 features bounds what a file can make a
// one-weight-per-input layer allocate (256 KiB) before its size is checked.
const maxCountByBuild = 1 << 16

// ParamCounter is implemented by layers that can say, without allocating,
// how many weights Build would create for samples of shape in (trainable
// and not) and the shape of the output. Every built-in layer does.
// Implement it in a custom layer so that train.Load can check a file's
// declared size against its bytes before building the model; the count
// must equal the sum of Params' sizes after Build(in, ...), the shape must
// be what Build returns, and it must return an error rather than overflow
// (keep counts below 2^40).
type ParamCounter interface {
	CountParams(in []int) (params int64, out []int, err error)
}

// ParamCount returns how many weights a model of this description holds,
// so that a reader can check a file's declared architecture against the
// bytes it actually holds before building it. Each layer is made through the
// registry, unbuilt, and counts its own params (ParamCounter). A registered
// layer without ParamCounter is built to be counted, on a throwaway copy, and
// only while the running input holds at most 65,536 elements: above that
// ParamCount refuses, since building would allocate whatever the header
// claims. Shape sizes and the total are capped at 2^40.
func (c ModelConfig) ParamCount() (int64, error) { return c.ParamCountWithin(maxParams) }

// ParamCountWithin is ParamCount for a reader that knows the most weights
// its file can hold: it stops after the first layer that takes the total
// above limit and returns that partial total, then above limit, with a nil
// error. Layers built to be counted so allocate little more than the file
// could fill, however many the header stacks.
func (c ModelConfig) ParamCountWithin(limit int64) (int64, error) {
	if err := checkShape("model", c.Name, c.Input); err != nil {
		if len(c.Input) == 1 {
			return 0, errors.Errorf("model %q: input width %d", c.Name, c.Input[0])
		}
		return 0, err
	}
	dt, err := c.dtype()
	if err != nil {
		return 0, err
	}
	var total int64
	shape := c.Input.Clone()
	for i, lc := range c.Layers {
		l, err := newLayer(lc)
		if err != nil {
			return 0, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		l.SetName(lc.Name)
		n, out, err := countParams(l, shape, dt)
		if err != nil {
			return 0, errors.Wrapf(err, "model %q: layer %d", c.Name, i)
		}
		if n < 0 || Shape(out).Size() <= 0 {
			return 0, errors.Errorf("model %q: layer %d (%s) counts %d params and output shape %s", c.Name, i, lc.Type, n, ShapeString(out))
		}
		if total += n; total > maxParams {
			return 0, errors.Errorf("model %q: more than %d weights", c.Name, int64(maxParams))
		}
		if total > limit {
			return total, nil
		}
		shape = Shape(out).Clone()
	}
	return total, nil
}

// countParams asks l for its count, or builds it when it cannot say.
func countParams(l Layer, in Shape, dt tensor.Dtype) (int64, []int, error) {
	if pc, ok := l.(ParamCounter); ok {
		return pc.CountParams(in.Clone())
	}
	if in.Size() > maxCountByBuild {
		return 0, nil, errors.Errorf("%s %q: cannot count its params for %d inputs: the layer does not implement nn.ParamCounter, and it is built to be counted only up to %d inputs",
			l.Type(), l.Name(), in.Size(), maxCountByBuild)
	}
	out, err := l.Build(in.Clone(), dt, rand.New(rand.NewSource(0)))
	if err != nil {
		return 0, nil, err
	}
	var n int64
	for _, p := range l.Params() {
		if p != nil {
			n += int64(p.Size())
		}
	}
	return n, out, nil
}
