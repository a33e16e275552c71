package graph

import (
	"fmt"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"
)

// Float32 and Float64 are the element types a graph can be built with.
// Float32 is the default; float64 is there for gradient checks.
var (
	Float32 = tensor.Float32
	Float64 = tensor.Float64
)

// Param is a model variable: a named tensor shared by every graph built for
// the model. Trainable params receive gradients and optimiser updates;
// non-trainable ones (BatchNorm's moving statistics) are state that layers
// update themselves.
type Param struct {
	Name      string
	Trainable bool
	Value     *tensor.Dense
}

// NewParam allocates a zero-filled param of the given element type and shape.
func NewParam(name string, dt tensor.Dtype, trainable bool, shape ...int) (*Param, error) {
	if dt != Float32 && dt != Float64 {
		return nil, errors.Errorf("param %q: unsupported dtype %v, want float32 or float64", name, dt)
	}
	if len(shape) == 0 {
		return nil, errors.Errorf("param %q: no shape", name)
	}
	for _, d := range shape {
		if d <= 0 {
			return nil, errors.Errorf("param %q: shape %v has a non-positive dimension", name, shape)
		}
	}
	v := tensor.New(tensor.Of(dt), tensor.WithShape(shape...))
	return &Param{Name: name, Trainable: trainable, Value: v}, nil
}

// Shape returns the param's shape.
func (p *Param) Shape() []int { return []int(p.Value.Shape().Clone()) }

// Size is the number of elements.
func (p *Param) Size() int { return p.Value.Shape().TotalSize() }

// DType is the element type.
func (p *Param) DType() tensor.Dtype { return p.Value.Dtype() }

// Float64s returns a copy of the values as float64, whatever the element type.
func (p *Param) Float64s() []float64 {
	out := Float64s(p.Value)
	if out == nil {
		panic(fmt.Sprintf("param %q: impossible dtype %v", p.Name, p.Value.Dtype()))
	}
	return out
}

// Float64s returns a copy of a float32 or float64 tensor's values as
// float64 (a gradient, an output), nil for other types.
func Float64s(t *tensor.Dense) []float64 {
	switch d := t.Data().(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case []float64:
		return append([]float64(nil), d...)
	}
	return nil
}

// SetFloat64s overwrites the values, converting to the element type.
func (p *Param) SetFloat64s(v []float64) error {
	if len(v) != p.Size() {
		return errors.Errorf("param %q: got %d values, want %d", p.Name, len(v), p.Size())
	}
	switch d := p.Value.Data().(type) {
	case []float32:
		for i, x := range v {
			d[i] = float32(x)
		}
	case []float64:
		copy(d, v)
	}
	return nil
}

// At returns element i of the flattened values as float64.
func (p *Param) At(i int) float64 {
	switch p.Value.Dtype() {
	case Float32:
		return float64(p.Value.Float32s()[i])
	case Float64:
		return p.Value.Float64s()[i]
	}
	return 0
}

// SetAt sets element i of the flattened values.
//
// It reads the slice through Float32s/Float64s: Data returns it boxed in
// an interface, which allocates on every call, and initialising a
// 2048×2048 kernel element by element made 250 MB of garbage (the peak RSS
// of the benchmark's widest net).
func (p *Param) SetAt(i int, x float64) {
	switch p.Value.Dtype() {
	case Float32:
		p.Value.Float32s()[i] = float32(x)
	case Float64:
		p.Value.Float64s()[i] = x
	}
}

// Snapshot copies the values of params, for restoring them later (Keras's
// get_weights).
func Snapshot(params []*Param) [][]float64 {
	out := make([][]float64, len(params))
	for i, p := range params {
		out[i] = p.Float64s()
	}
	return out
}

// Restore writes back values taken by Snapshot (Keras's set_weights).
func Restore(params []*Param, values [][]float64) error {
	if len(values) != len(params) {
		return errors.Errorf("restore: got %d tensors for %d params", len(values), len(params))
	}
	for i, p := range params {
		if err := p.SetFloat64s(values[i]); err != nil {
			return errors.Wrap(err, "restore")
		}
	}
	return nil
}
