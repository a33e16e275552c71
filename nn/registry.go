package nn

import (
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// LayerConstructor makes an unbuilt layer from its description, its
// settings in LayerConfig.Options: the form constructors had before layers
// had config structs, still registered by RegisterLayer. It must not
// allocate params (Build does that), so that describing a file's model
// stays cheap.
type LayerConstructor func(LayerConfig) (Layer, error)

// layerEntry is what the registry knows of a layer type.
type layerEntry struct {
	// make decodes a config's settings and calls the constructor.
	make func(LayerConfig) (Layer, error)
	// canon decodes settings strictly into the registered config struct
	// and encodes them again: the form Config writes. Nil for a raw
	// constructor, whose settings only it can read.
	canon func(json.RawMessage) (json.RawMessage, error)
}

// The registry maps a LayerConfig's Type to its entry. A mutex guards it
// because RegisterLayer may be called from any goroutine, though init
// functions are the usual place, as with image formats and SQL drivers.
// Each built-in layer registers itself in its own file's init.
var registry = struct {
	sync.RWMutex
	m map[string]*layerEntry
}{m: map[string]*layerEntry{}}

// RegisterLayer makes layers of type typeName loadable: FromConfig (and so
// train.Load) decodes the settings of every LayerConfig whose Type is
// typeName into a C, the layer's config struct (or a map with string
// keys), and calls fromConfig with it. The decoding is strict: a field C
// does not have, or a value of the wrong type, is an error naming the
// layer. typeName must be what the layer's Type and Config report. Register
// a custom layer once, typically in an init function; an empty name, a nil
// constructor, a C that does not encode to a JSON object or whose fields
// include "type" or "name", and a name already registered are errors.
//
// A C of LayerConfig itself (a LayerConstructor, the older form) gets the
// whole description, its settings in Options; a settings field other than
// "options" is then refused.
//
// A layer that also implements ParamCounter lets a reader check a file's
// declared size before building anything; see ModelConfig.ParamCount for
// what happens without it.
func RegisterLayer[C any](typeName string, fromConfig func(settings C) (Layer, error)) error {
	if typeName == "" {
		return errors.New("nn: RegisterLayer: empty type name")
	}
	if fromConfig == nil {
		return errors.Errorf("nn: RegisterLayer(%q): nil constructor", typeName)
	}
	e, err := newLayerEntry(fromConfig)
	if err != nil {
		return errors.Wrapf(err, "nn: RegisterLayer(%q)", typeName)
	}
	registry.Lock()
	defer registry.Unlock()
	if _, dup := registry.m[typeName]; dup {
		return errors.Errorf("nn: RegisterLayer(%q): type already registered", typeName)
	}
	registry.m[typeName] = e
	return nil
}

// mustRegister registers a built-in layer; a failure is a bug in this
// package, found by any test.
func mustRegister[C any](typeName string, fromConfig func(C) (Layer, error)) {
	if err := RegisterLayer(typeName, fromConfig); err != nil {
		panic(err)
	}
}

func newLayerEntry[C any](fromConfig func(C) (Layer, error)) (*layerEntry, error) {
	if raw, ok := any(fromConfig).(func(LayerConfig) (Layer, error)); ok {
		return &layerEntry{make: func(c LayerConfig) (Layer, error) {
			ms, err := objectMembers(c.Settings)
			if err != nil {
				return nil, errors.Wrap(err, "settings")
			}
			rest, opts, err := splitOptions(ms)
			if err != nil {
				return nil, err
			}
			if len(rest) > 0 {
				return nil, errors.Errorf("json: unknown field %q", rest[0].key)
			}
			if opts != nil {
				if len(c.Options) > 0 {
					return nil, errors.New("options both in Settings and in Options")
				}
				c.Settings, c.Options = nil, opts
			}
			return raw(c)
		}}, nil
	}
	if err := checkSettingsType(reflect.TypeFor[C]()); err != nil {
		return nil, err
	}
	return &layerEntry{
		make: func(c LayerConfig) (Layer, error) {
			raw, err := c.allSettings()
			if err != nil {
				return nil, err
			}
			var s C
			if err := decodeStrict(raw, &s); err != nil {
				return nil, err
			}
			return fromConfig(s)
		},
		canon: func(raw json.RawMessage) (json.RawMessage, error) {
			var s C
			if err := decodeStrict(raw, &s); err != nil {
				return nil, err
			}
			return encodeSettings(s)
		},
	}, nil
}

// checkSettingsType refuses a config type that cannot be the settings of a
// flat LayerConfig: one that does not encode to a JSON object, or a struct
// with a field encoded as "type" or "name" (UnmarshalJSON would read it as
// the config's own).
func checkSettingsType(t reflect.Type) error {
	switch t.Kind() {
	case reflect.Map:
		if t.Key().Kind() == reflect.String {
			return nil
		}
	case reflect.Struct:
		for _, f := range reflect.VisibleFields(t) {
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || (f.Anonymous && name == "" && embedsStruct(f.Type)) {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if reservedKey(name) {
				return errors.Errorf("settings type %v: field %s is encoded as %q, which is the config's own", t, f.Name, name)
			}
		}
		return nil
	}
	return errors.Errorf("settings type %v: want a struct or a map with string keys (a JSON object)", t)
}

// embedsStruct reports whether an embedded field of type t has its fields
// promoted into the JSON object, as encoding/json does for a struct or a
// pointer to one.
func embedsStruct(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind() == reflect.Struct
}

// lookupLayer returns the entry registered for typeName, or nil.
func lookupLayer(typeName string) *layerEntry {
	registry.RLock()
	defer registry.RUnlock()
	return registry.m[typeName]
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
// caller adds the layer's index to errors; they name its type and name.
func newLayer(c LayerConfig) (Layer, error) {
	e := lookupLayer(c.Type)
	if e == nil {
		return nil, errors.WithStack(&UnknownLayerError{Type: c.Type, Known: RegisteredLayers()})
	}
	l, err := e.make(c)
	if err != nil {
		return nil, errors.Wrapf(err, "%s %q", c.Type, c.Name)
	}
	if l == nil {
		return nil, errors.Errorf("%s %q: the registered constructor returned no layer", c.Type, c.Name)
	}
	if l.Type() != c.Type {
		// Saving it again would write a type that loads as another.
		return nil, errors.Errorf("%s %q: the registered constructor made a layer of type %q", c.Type, c.Name, l.Type())
	}
	return l, nil
}
