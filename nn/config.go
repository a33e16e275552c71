package nn

import (
	"fmt"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
)

// LayerConfig describes one layer so that a model can be rebuilt from a
// file without running any code from it: a type name from a fixed registry
// and plain numbers.
type LayerConfig struct {
	Type       string  `json:"type"`
	Name       string  `json:"name"`
	Units      int     `json:"units,omitempty"`
	Activation string  `json:"activation,omitempty"`
	Rate       float64 `json:"rate,omitempty"`
	Momentum   float64 `json:"momentum,omitempty"`
	Epsilon    float64 `json:"epsilon,omitempty"`
}

// ModelConfig describes a built Sequential model (Keras's get_config).
type ModelConfig struct {
	Name   string        `json:"name"`
	Input  int           `json:"input"`
	DType  string        `json:"dtype"`
	Layers []LayerConfig `json:"layers"`
}

// Configurer is implemented by layers that can describe themselves; every
// built-in layer does. A model holding a layer that does not cannot be saved.
type Configurer interface {
	Config() LayerConfig
}

// Config implements Configurer.
func (l *DenseLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), Units: l.Units, Activation: l.Act.Name()}
}

// Config implements Configurer.
func (l *BatchNormLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), Momentum: l.Momentum, Epsilon: l.Epsilon}
}

// Config implements Configurer.
func (l *DropoutLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), Rate: l.Rate}
}

// Config implements Configurer.
func (l *ActivationLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), Activation: l.Act.Name()}
}

// Config describes the built model.
func (m *Model) Config() (ModelConfig, error) {
	if !m.built {
		return ModelConfig{}, errors.Errorf("model %q: not built", m.Name)
	}
	c := ModelConfig{Name: m.Name, Input: m.in, DType: m.dtype.String()}
	for _, l := range m.Layers {
		cf, ok := l.(Configurer)
		if !ok {
			return ModelConfig{}, errors.Errorf("model %q: layer %q (%s) cannot describe itself: implement nn.Configurer", m.Name, l.Name(), l.Type())
		}
		c.Layers = append(c.Layers, cf.Config())
	}
	return c, nil
}

// FromConfig rebuilds and builds a model from its description. The params
// get fresh initial values; load saved ones over them.
func FromConfig(c ModelConfig) (*Model, error) {
	var dt tensor.Dtype
	switch c.DType {
	case "float32", "":
		dt = graph.Float32
	case "float64":
		dt = graph.Float64
	default:
		return nil, errors.Errorf("model %q: unsupported dtype %q", c.Name, c.DType)
	}
	if len(c.Layers) == 0 {
		return nil, errors.Errorf("model %q: no layers", c.Name)
	}
	layers := make([]Layer, len(c.Layers))
	for i, lc := range c.Layers {
		l, err := layerFromConfig(lc)
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
	if err := m.Build(c.Input, BuildOptions{DType: dt}); err != nil {
		return nil, err
	}
	return m, nil
}

func layerFromConfig(c LayerConfig) (Layer, error) {
	act := func() (Activation, error) {
		if c.Activation == "" {
			return Linear, nil
		}
		return ActivationByName(c.Activation)
	}
	switch c.Type {
	case "Dense":
		a, err := act()
		if err != nil {
			return nil, err
		}
		return Dense(c.Units, a), nil
	case "Activation":
		a, err := act()
		if err != nil {
			return nil, err
		}
		return Act(a), nil
	case "Dropout":
		return Dropout(c.Rate), nil
	case "BatchNormalization":
		return &BatchNormLayer{Momentum: c.Momentum, Epsilon: c.Epsilon}, nil
	}
	return nil, fmt.Errorf("unknown layer type %q (known: Activation, BatchNormalization, Dense, Dropout)", c.Type)
}

// ParamCount returns how many weights a model of this description holds,
// without allocating any, so that a reader can check a file's declared
// architecture against the bytes it actually holds before building it.
func (c ModelConfig) ParamCount() (int64, error) {
	const limit = 1 << 40
	if c.Input <= 0 || c.Input > limit {
		return 0, errors.Errorf("model %q: input width %d", c.Name, c.Input)
	}
	var total int64
	width := int64(c.Input)
	for i, l := range c.Layers {
		var n int64
		switch l.Type {
		case "Dense":
			if l.Units <= 0 || l.Units > limit {
				return 0, errors.Errorf("model %q: layer %d has %d units", c.Name, i, l.Units)
			}
			u := int64(l.Units)
			if width > limit/u {
				return 0, errors.Errorf("model %q: layer %d: %d×%d weights is too many", c.Name, i, width, u)
			}
			n, width = width*u+u, u
		case "BatchNormalization":
			n = 4 * width
		}
		if total += n; total > limit {
			return 0, errors.Errorf("model %q: more than %d weights", c.Name, int64(limit))
		}
	}
	return total, nil
}
