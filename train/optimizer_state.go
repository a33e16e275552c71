package train

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
)

// OptimizerConstructor makes an optimiser, without state, from its
// description in a checkpoint: the inverse of its Config. Load fills the
// state it returns (Slots) from the file afterwards, so a constructor
// allocates nothing per param.
type OptimizerConstructor func(OptimizerConfig) (SavableOptimizer, error)

// The registry maps an optimiser's name to its constructor, as nn's layer
// registry does for layers, so that a checkpoint names its optimiser and
// holds nothing executable. A mutex guards it because RegisterOptimizer
// may be called from any goroutine, though init functions are the usual
// place. Each built-in registers itself in its own file's init.
var optimizerRegistry = struct {
	sync.RWMutex
	m map[string]OptimizerConstructor
}{m: map[string]OptimizerConstructor{}}

// registerBuiltin registers a built-in optimiser from its file's init.
func registerBuiltin(name string, f OptimizerConstructor) {
	if err := RegisterOptimizer(name, f); err != nil {
		panic(err) // a built-in registered twice is a bug in this package
	}
}

// RegisterOptimizer makes optimisers called name loadable: Load calls
// fromConfig with the saved OptimizerConfig of a checkpoint whose
// optimiser is name, then loads the optimiser's state into its Slots.
// name must be what the optimiser's Name reports, and Save refuses an
// optimiser whose name is not registered (or is registered for another
// type), since the file could not be loaded. Register a custom optimiser
// once, typically in an init function; an empty name, a nil constructor or
// a name already registered is an error.
func RegisterOptimizer(name string, fromConfig func(OptimizerConfig) (SavableOptimizer, error)) error {
	if name == "" {
		return errors.New("train: RegisterOptimizer: empty name")
	}
	if fromConfig == nil {
		return errors.Errorf("train: RegisterOptimizer(%q): nil constructor", name)
	}
	optimizerRegistry.Lock()
	defer optimizerRegistry.Unlock()
	if _, dup := optimizerRegistry.m[name]; dup {
		return errors.Errorf("train: RegisterOptimizer(%q): name already registered", name)
	}
	optimizerRegistry.m[name] = fromConfig
	return nil
}

// RegisteredOptimizers returns the registered optimiser names, sorted.
func RegisteredOptimizers() []string {
	optimizerRegistry.RLock()
	defer optimizerRegistry.RUnlock()
	names := make([]string, 0, len(optimizerRegistry.m))
	for n := range optimizerRegistry.m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ErrUnknownOptimizer is matched (errors.Is) by the error Load returns for
// a checkpoint whose optimiser nobody registered: usually a custom
// optimiser whose package did not call RegisterOptimizer in this program.
// Such a file may well be sound, so the error is not ErrCorrupt.
var ErrUnknownOptimizer = errors.New("unknown optimizer")

// UnknownOptimizerError names an optimiser that is not registered and the
// optimisers that are.
type UnknownOptimizerError struct {
	Name  string   // the name asked for
	Known []string // the registered names, sorted
}

func (e *UnknownOptimizerError) Error() string {
	return "unknown optimizer " + strconv.Quote(e.Name) + " (registered: " + strings.Join(e.Known, ", ") +
		"; a custom optimizer must be registered with train.RegisterOptimizer)"
}

// Is makes errors.Is(err, ErrUnknownOptimizer) hold.
func (e *UnknownOptimizerError) Is(target error) bool { return target == ErrUnknownOptimizer }

// newOptimizer makes the optimiser called name from c, through the
// registry, and checks that what the constructor made can hold a
// checkpoint's state: the name it reports, and Slots.
func newOptimizer(name string, c OptimizerConfig) (SavableOptimizer, error) {
	optimizerRegistry.RLock()
	f := optimizerRegistry.m[name]
	optimizerRegistry.RUnlock()
	if f == nil {
		return nil, errors.WithStack(&UnknownOptimizerError{Name: name, Known: RegisteredOptimizers()})
	}
	o, err := f(c)
	if err != nil {
		return nil, err
	}
	if o == nil {
		return nil, errors.New("the registered constructor returned no optimizer")
	}
	if o.Name() != name {
		// Saving it again would write a name that loads as another.
		return nil, errors.Errorf("the registered constructor made an optimizer named %q", o.Name())
	}
	if s := o.Slots(); s == nil || s.n < 0 {
		return nil, errors.New("the registered constructor made an optimizer without Slots")
	}
	return o, nil
}

// optimizerSlots is the state of o that a checkpoint holds, nil for an
// optimiser that cannot be saved.
func optimizerSlots(o Optimizer) *slots {
	if so, ok := o.(SavableOptimizer); ok {
		if s := so.Slots(); s != nil {
			return &s.slots
		}
	}
	return nil
}

// optimizerState returns an optimiser's description and its per-param
// state tensors, named "optimizer/<param>/<k>", for a checkpoint of a
// model whose trainable params are params. It refuses, rather than write a
// file Load cannot read, an optimiser that is not a SavableOptimizer, one
// whose name is unregistered or registered for another type, or whose
// registered constructor does not accept its own Config back.
func optimizerState(o Optimizer, params []*graph.Param) (optimizerConfig, []tensorData, error) {
	var c optimizerConfig
	so, ok := o.(SavableOptimizer)
	if !ok {
		return c, nil, errors.Errorf("optimizer %s cannot be saved: it does not implement train.SavableOptimizer (Config and Slots)", o.Name())
	}
	name, cfg, s := o.Name(), so.Config(), so.Slots()
	if s == nil {
		return c, nil, errors.Errorf("optimizer %s cannot be saved: its Slots is nil", name)
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.Settings)) {
		if v := cfg.Settings[k]; math.IsNaN(v) || math.IsInf(v, 0) {
			return c, nil, errors.Errorf("optimizer %s cannot be saved: setting %q is %v, and a checkpoint holds finite settings", name, k, v)
		}
	}
	if cfg.Iterations < 0 {
		return c, nil, errors.Errorf("optimizer %s cannot be saved: iterations %d < 0", name, cfg.Iterations)
	}
	back, err := newOptimizer(name, cfg)
	switch {
	case errors.Is(err, ErrUnknownOptimizer):
		return c, nil, errors.Errorf("optimizer %q is not registered (train.RegisterOptimizer), so the checkpoint could not be loaded", name)
	case err != nil:
		return c, nil, errors.Wrapf(err, "optimizer %s: its registered constructor refuses its Config, so the checkpoint could not be loaded", name)
	case reflect.TypeOf(back) != reflect.TypeOf(o):
		return c, nil, errors.Errorf("optimizer %s is a %T, but the name is registered for %T: the checkpoint would load as another optimizer", name, o, back)
	case back.Slots().n != s.n:
		return c, nil, errors.Errorf("optimizer %s has %d state vectors per param, but its registered constructor makes %d", name, s.n, back.Slots().n)
	}
	settings := cfg.Settings
	if settings == nil {
		settings = map[string]float64{}
	}
	c = optimizerConfig{Name: name, Config: settings, Iterations: cfg.Iterations, Slots: s.n}
	if s.bind == nil {
		return c, nil, nil // no step taken yet: no state
	}
	if len(s.bind) != len(params) {
		return c, nil, errors.Errorf("optimizer %s: its state is for %d params, the model has %d trainable", name, len(s.bind), len(params))
	}
	var ts []tensorData
	for i, p := range params {
		if s.bind[i] != p {
			return c, nil, errors.Errorf("optimizer state is for %q, model param %d is %q", s.bind[i].Name, i, p.Name)
		}
		for k := 0; k < s.n; k++ {
			t := tensorData{name: slotName(p, k), shape: p.Shape()}
			if p.DType() == graph.Float32 {
				t.f32 = s.f32[i][k]
			} else {
				t.f64 = s.f64[i][k]
			}
			ts = append(ts, t)
		}
	}
	return c, ts, nil
}

func slotName(p *graph.Param, k int) string { return fmt.Sprintf("optimizer/%s/%d", p.Name, k) }

// slotTensorOf returns whether a tensor name is slotName(p, k) for one of
// params and some k < n. It parses the name rather than listing every
// name n allows: n comes from a file's header and may be anything, and
// making 2⁴⁰ names would never end.
func slotTensorOf(params []*graph.Param, n int) func(name string) bool {
	names := make(map[string]bool, len(params))
	for _, p := range params {
		names[p.Name] = true
	}
	return func(name string) bool {
		rest, ok := strings.CutPrefix(name, "optimizer/")
		i := strings.LastIndexByte(rest, '/')
		if !ok || i < 0 {
			return false
		}
		k, err := strconv.Atoi(rest[i+1:])
		// Only the form slotName writes: no sign, no leading zero.
		return err == nil && k >= 0 && k < n && strconv.Itoa(k) == rest[i+1:] && names[rest[:i]]
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// optimizerFromState makes the optimiser a checkpoint describes through
// the registry and, when the file holds state for it, loads that state
// for params. Every state tensor is checked (present, the shape of its
// param) before any state is allocated, so what is allocated is what the
// model's params and the file's tensors already account for.
func optimizerFromState(c optimizerConfig, params []*graph.Param, d *decodedCheckpoint) (Optimizer, error) {
	if c.Iterations < 0 {
		return nil, errors.Errorf("optimizer %s: iterations %d < 0", c.Name, c.Iterations)
	}
	o, err := newOptimizer(c.Name, OptimizerConfig{Settings: c.Config, Iterations: c.Iterations})
	if errors.Is(err, ErrUnknownOptimizer) {
		return nil, err
	}
	if err != nil {
		return nil, errors.Wrapf(err, "optimizer %s", c.Name)
	}
	s := o.Slots()
	if c.Slots != s.n {
		return nil, errors.Errorf("optimizer %s: %d state tensors per param, want %d", c.Name, c.Slots, s.n)
	}
	// A model without trainable params (only activations, say) has no
	// state to load; one saved before any step has none either.
	if len(params) == 0 || s.n == 0 {
		return o, nil
	}
	if _, ok := d.tensors[slotName(params[0], 0)]; !ok {
		return o, nil
	}
	for _, p := range params {
		for k := 0; k < s.n; k++ {
			name := slotName(p, k)
			e, ok := d.tensors[name]
			if !ok {
				return nil, errors.Errorf("optimizer %s: no tensor %q", c.Name, name)
			}
			if !slices.Equal(e.Shape, p.Shape()) {
				return nil, errors.Errorf("optimizer %s: tensor %q has shape %v, want %v", c.Name, name, e.Shape, p.Shape())
			}
		}
	}
	s.init(params)
	for i, p := range params {
		for k := 0; k < s.n; k++ {
			v, err := d.float64s(slotName(p, k), p.Shape())
			if err != nil {
				return nil, errors.Wrapf(err, "optimizer %s", c.Name)
			}
			if p.DType() == graph.Float32 {
				for j, x := range v {
					s.f32[i][k][j] = float32(x)
				}
			} else {
				copy(s.f64[i][k], v)
			}
		}
	}
	return o, nil
}
