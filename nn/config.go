package nn

import (
	"maps"
	"slices"

	"github.com/pkg/errors"
)

// LayerConfig describes one layer so that a model can be rebuilt from a
// file without running any code from it: a type name looked up in the layer
// registry (RegisterLayer) and plain settings.
//
// The named fields are the built-in layers' settings; a custom layer may use
// them too, and keeps any others in Options (Keras's get_config dictionary,
// restricted to numbers so that a file stays data). Options must be finite:
// JSON has no NaN or infinity.
type LayerConfig struct {
	Type       string  `json:"type"`
	Name       string  `json:"name"`
	Units      int     `json:"units,omitempty"`
	Activation string  `json:"activation,omitempty"`
	Rate       float64 `json:"rate,omitempty"`
	Momentum   float64 `json:"momentum,omitempty"`
	Epsilon    float64 `json:"epsilon,omitempty"`
	// Convolution and pooling settings: filters, window and stride sizes
	// as (height, width), padding "valid" or "same".
	Filters    int    `json:"filters,omitempty"`
	KernelSize []int  `json:"kernel_size,omitempty"`
	PoolSize   []int  `json:"pool_size,omitempty"`
	Strides    []int  `json:"strides,omitempty"`
	Padding    string `json:"padding,omitempty"`
	// TargetShape is a Reshape's target.
	TargetShape []int              `json:"target_shape,omitempty"`
	Options     map[string]float64 `json:"options,omitempty"`
}

// Equal reports whether c and o describe the same layer. A nil and an empty
// Options are the same: JSON drops both.
func (c LayerConfig) Equal(o LayerConfig) bool {
	return c.Type == o.Type && c.Name == o.Name && c.Units == o.Units && c.Activation == o.Activation &&
		c.Rate == o.Rate && c.Momentum == o.Momentum && c.Epsilon == o.Epsilon && maps.Equal(c.Options, o.Options) &&
		c.Filters == o.Filters && slices.Equal(c.KernelSize, o.KernelSize) && slices.Equal(c.PoolSize, o.PoolSize) &&
		slices.Equal(c.Strides, o.Strides) && c.Padding == o.Padding && slices.Equal(c.TargetShape, o.TargetShape)
}

// Configurer is implemented by layers that can describe themselves; every
// built-in layer does. A model holding a layer that does not cannot be saved.
// A custom layer is saved and loaded when it implements Configurer and its
// type is registered (RegisterLayer); see the RegisterLayer example.
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
func (l *Conv2DLayer) Config() LayerConfig {
	// Copies, so that editing a config never edits the layer.
	return LayerConfig{Type: l.Type(), Name: l.Name(), Filters: l.Filters, KernelSize: []int{l.KernelSize[0], l.KernelSize[1]},
		Strides: []int{l.Strides[0], l.Strides[1]}, Padding: l.Padding, Activation: l.Act.Name()}
}

// Config implements Configurer.
func (l *MaxPooling2DLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), PoolSize: []int{l.PoolSize[0], l.PoolSize[1]},
		Strides: []int{l.Strides[0], l.Strides[1]}, Padding: l.Padding}
}

// Config implements Configurer.
func (l *FlattenLayer) Config() LayerConfig { return LayerConfig{Type: l.Type(), Name: l.Name()} }

// Config implements Configurer.
func (l *ReshapeLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), TargetShape: append([]int(nil), l.Target...)}
}

// Config implements Configurer.
func (l *ActivationLayer) Config() LayerConfig {
	return LayerConfig{Type: l.Type(), Name: l.Name(), Activation: l.Act.Name()}
}

// CountParams implements ParamCounter: in×units weights and units biases;
// the input must be 1-D.
func (l *DenseLayer) CountParams(inShape []int) (int64, []int, error) {
	in, err := denseInput(l.Name(), inShape)
	if err != nil {
		return 0, nil, err
	}
	if l.Units <= 0 {
		return 0, nil, errors.Errorf("dense %q: units must be positive, got %d", l.Name(), l.Units)
	}
	if l.Units > maxParams {
		return 0, nil, errors.Errorf("dense %q: %d units is too many", l.Name(), l.Units)
	}
	u := int64(l.Units)
	if int64(in) > maxParams/u {
		return 0, nil, errors.Errorf("dense %q: %d×%d weights is too many", l.Name(), in, u)
	}
	return int64(in)*u + u, []int{l.Units}, nil
}

// CountParams implements ParamCounter: gamma, beta and the two moving
// statistics, one of each per channel (the last axis).
func (l *BatchNormLayer) CountParams(in []int) (int64, []int, error) {
	if err := checkShape("batchnorm", l.Name(), in); err != nil {
		return 0, nil, err
	}
	return 4 * int64(in[len(in)-1]), Shape(in).Clone(), nil
}

// CountParams implements ParamCounter; dropout has no params.
func (l *DropoutLayer) CountParams(in []int) (int64, []int, error) {
	return 0, Shape(in).Clone(), checkShape("dropout", l.Name(), in)
}

// CountParams implements ParamCounter; an activation has no params.
func (l *ActivationLayer) CountParams(in []int) (int64, []int, error) {
	return 0, Shape(in).Clone(), checkShape("activation", l.Name(), in)
}
