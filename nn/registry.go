package nn

import (
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// LayerConstructor makes an unbuilt layer from its description: the inverse
// of the layer's Config. It must not allocate params (Build does that), so
// that describing a file's model stays cheap.
type LayerConstructor func(LayerConfig) (Layer, error)

// The registry maps a LayerConfig's Type to its constructor. A mutex guards
// it because RegisterLayer may be called from any goroutine, though init
// functions are the usual place, as with image formats and SQL drivers.
var registry = struct {
	sync.RWMutex
	m map[string]LayerConstructor
}{m: map[string]LayerConstructor{}}

func init() {
	for name, f := range map[string]LayerConstructor{
		"Dense":      denseFromConfig,
		"Activation": activationFromConfig,
		"Dropout":    func(c LayerConfig) (Layer, error) { return Dropout(c.Rate), nil },
		"BatchNormalization": func(c LayerConfig) (Layer, error) {
			return &BatchNormLayer{Momentum: c.Momentum, Epsilon: c.Epsilon}, nil
		},
		"Conv2D":       conv2DFromConfig,
		"MaxPooling2D": maxPooling2DFromConfig,
		"Flatten":      func(LayerConfig) (Layer, error) { return Flatten(), nil },
		"Reshape":      func(c LayerConfig) (Layer, error) { return Reshape(c.TargetShape...), nil },
	} {
		if err := RegisterLayer(name, f); err != nil {
			panic(err) // a built-in registered twice is a bug in this package
		}
	}
}

// RegisterLayer makes layers of type typeName loadable: FromConfig (and so
// train.Load) calls fromConfig for every LayerConfig whose Type is typeName.
// typeName must be what the layer's Type and Config report. Register a
// custom layer once, typically in an init function; an empty name, a nil
// constructor or a name already registered is an error.
//
// A layer that also implements ParamCounter lets a reader check a file's
// declared size before building anything; see ModelConfig.ParamCount for
// what happens without it.
func RegisterLayer(typeName string, fromConfig func(LayerConfig) (Layer, error)) error {
	if typeName == "" {
		return errors.New("nn: RegisterLayer: empty type name")
	}
	if fromConfig == nil {
		return errors.Errorf("nn: RegisterLayer(%q): nil constructor", typeName)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[typeName]; dup {
		return errors.Errorf("nn: RegisterLayer(%q): type already registered", typeName)
	}
	registry.m[typeName] = fromConfig
	return nil
}

// RegisteredLayers returns the registered layer type names, sorted.
func RegisteredLayers() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for n := range registry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrUnknownLayer is matched (errors.Is) by the error FromConfig,
// ModelConfig.ParamCount and train.Load return for a layer type nobody
// registered: usually a custom layer whose package did not call
// RegisterLayer in this program.
var ErrUnknownLayer = errors.New("unknown layer type")

// UnknownLayerError names a layer type that is not registered and the
// types that are.
type UnknownLayerError struct {
	Type  string   // the type asked for
	Known []string // the registered types, sorted
}

func (e *UnknownLayerError) Error() string {
	return "unknown layer type " + strconv.Quote(e.Type) + " (registered: " + strings.Join(e.Known, ", ") +
		"; a custom layer must be registered with nn.RegisterLayer)"
}

// Is makes errors.Is(err, ErrUnknownLayer) hold.
func (e *UnknownLayerError) Is(target error) bool { return target == ErrUnknownLayer }

// newLayer makes the unbuilt layer c describes, through the registry. The
// caller adds the layer's index and type to errors.
func newLayer(c LayerConfig) (Layer, error) {
	registry.RLock()
	f := registry.m[c.Type]
	registry.RUnlock()
	if f == nil {
		return nil, errors.WithStack(&UnknownLayerError{Type: c.Type, Known: RegisteredLayers()})
	}
	l, err := f(c)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, errors.New("the registered constructor returned no layer")
	}
	if l.Type() != c.Type {
		// Saving it again would write a type that loads as another.
		return nil, errors.Errorf("the registered constructor made a layer of type %q", l.Type())
	}
	return l, nil
}

func layerActivation(c LayerConfig) (Activation, error) {
	if c.Activation == "" {
		return Linear, nil
	}
	return ActivationByName(c.Activation)
}

func denseFromConfig(c LayerConfig) (Layer, error) {
	a, err := layerActivation(c)
	if err != nil {
		return nil, err
	}
	return Dense(c.Units, a), nil
}

func activationFromConfig(c LayerConfig) (Layer, error) {
	a, err := layerActivation(c)
	if err != nil {
		return nil, err
	}
	return Act(a), nil
}

// pair reads a (height, width) setting of a file; a missing one is def.
func pair(what string, v []int, def [2]int) ([2]int, error) {
	switch len(v) {
	case 0:
		return def, nil
	case 2:
		return [2]int{v[0], v[1]}, nil
	}
	return [2]int{}, errors.Errorf("%s %v: want (height, width)", what, v)
}

func conv2DFromConfig(c LayerConfig) (Layer, error) {
	a, err := layerActivation(c)
	if err != nil {
		return nil, err
	}
	l := &Conv2DLayer{Filters: c.Filters, Padding: c.Padding, Act: a}
	if l.KernelSize, err = pair("kernel size", c.KernelSize, [2]int{}); err != nil {
		return nil, err
	}
	if l.Strides, err = pair("strides", c.Strides, [2]int{1, 1}); err != nil {
		return nil, err
	}
	return l, nil
}

func maxPooling2DFromConfig(c LayerConfig) (Layer, error) {
	l := &MaxPooling2DLayer{Padding: c.Padding}
	var err error
	if l.PoolSize, err = pair("pool size", c.PoolSize, [2]int{2, 2}); err != nil {
		return nil, err
	}
	if l.Strides, err = pair("strides", c.Strides, l.PoolSize); err != nil {
		return nil, err
	}
	return l, nil
}
