package nn

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/pkg/errors"
)

// LayerConfig describes one layer so that a model can be rebuilt from a
// file without running any code from it: a type name looked up in the layer
// registry (RegisterLayer), the layer's name, and the layer's own settings,
// the JSON of its config struct (DenseConfig, Conv2DConfig, or a custom
// layer's; Keras's get_config).
//
// In JSON the three are one flat object, type and name first and then the
// settings' fields: {"type":"Dense","name":"dense","units":10,"activation":"relu"},
// as files have always held them. Decoding a config checks its settings
// strictly against the registered layer's config struct when the type is
// registered: an unknown field or a value of the wrong type is an error
// naming the layer's type and name. Settings are data only: JSON holds no
// NaN or infinity, and NewLayerConfig refuses them.
type LayerConfig struct {
	Type string
	Name string
	// Settings is a JSON object of the layer's settings (nil for none).
	// It holds no "type" or "name" field: those are the fields above.
	Settings json.RawMessage
	// Options is the settings of a layer registered with a
	// func(LayerConfig) constructor (LayerConstructor), the form from
	// before layers had config structs: numbers by name, the "options"
	// field in JSON. Such a layer has no other settings: any other field
	// is refused, as the flat struct refused it.
	//
	// Deprecated: give the layer a config struct (RegisterLayer's C and
	// NewLayerConfig). Options stays while layers of this package use it.
	Options map[string]float64

	// err is why NewLayerConfig could not encode the settings; a config
	// holding one does not encode and equals no config.
	err error
}

// NewLayerConfig describes a layer of type typeName called name whose
// settings are the JSON encoding of settings, a struct (or a map with
// string keys) whose fields are the layer's settings: what a layer's Config
// returns. Settings that cannot be encoded (a NaN, a channel), that do not
// encode to a JSON object, or that have a "type" or "name" field leave the
// config unencodable: json.Marshal returns that error, as Save does, and it
// equals no config.
func NewLayerConfig(typeName, name string, settings any) LayerConfig {
	c := LayerConfig{Type: typeName, Name: name}
	if c.Settings, c.err = encodeSettings(settings); c.err != nil {
		c.err = errors.Wrapf(c.err, "%s %q: settings %T", typeName, name, settings)
	}
	return c
}

// encodeSettings is the compact JSON object settings encodes to, nil for
// an empty one.
func encodeSettings(settings any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Unescaped here, so that the encoder the config is finally written
	// with decides, as it does for every other string of the file.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(settings); err != nil {
		return nil, err
	}
	members, err := objectMembers(buf.Bytes())
	if err != nil {
		return nil, err
	}
	return joinMembers(members)
}

// decodeStrict decodes the JSON object raw (empty for {}) into v,
// refusing unknown fields and anything after the object.
func decodeStrict(raw []byte, v any) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		raw = []byte("{}")
	}
	if raw[0] != '{' {
		return errors.New("settings are not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("data after the settings object")
	}
	return nil
}

// MarshalJSON writes the flat object: type, name, then the settings'
// fields in their order.
func (c LayerConfig) MarshalJSON() ([]byte, error) {
	if c.err != nil {
		return nil, c.err
	}
	settings, err := c.allSettings()
	if err != nil {
		return nil, errors.Wrapf(err, "%s %q: settings", c.Type, c.Name)
	}
	members, err := objectMembers(settings)
	if err != nil {
		return nil, errors.Wrapf(err, "%s %q: settings", c.Type, c.Name)
	}
	var buf bytes.Buffer
	buf.WriteString(`{"type":`)
	appendString(&buf, c.Type)
	buf.WriteString(`,"name":`)
	appendString(&buf, c.Name)
	for _, m := range members {
		if reservedKey(m.key) {
			return nil, errors.Errorf("%s %q: settings have a %q field", c.Type, c.Name, m.key)
		}
		buf.WriteByte(',')
		appendString(&buf, m.key)
		buf.WriteByte(':')
		if err := json.Compact(&buf, m.value); err != nil {
			return nil, errors.Wrapf(err, "%s %q: settings", c.Type, c.Name)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// UnmarshalJSON reads the flat object: its type and name fields, and the
// rest as the settings. When the type is registered the settings are
// decoded into its config (strictly: see LayerConfig) and kept as that
// config encodes them, the form Config writes.
func (c *LayerConfig) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		return nil // as encoding/json leaves a struct on null
	}
	members, err := objectMembers(b)
	if err != nil {
		return errors.Wrap(err, "layer")
	}
	var out LayerConfig
	rest := make([]member, 0, len(members))
	for _, m := range members {
		var dst *string
		switch {
		case strings.EqualFold(m.key, "type"):
			dst = &out.Type
		case strings.EqualFold(m.key, "name"):
			dst = &out.Name
		default:
			rest = append(rest, m)
			continue
		}
		if err := json.Unmarshal(m.value, dst); err != nil {
			return errors.Wrapf(err, "layer %s", m.key)
		}
	}
	e := lookupLayer(out.Type)
	if e == nil || e.canon == nil {
		// A LayerConstructor's settings are its Options and nothing
		// else; an unregistered type's are kept as they are, Options
		// apart, for FromConfig to report the type.
		if rest, out.Options, err = splitOptions(rest); err != nil {
			return errors.Wrapf(err, "%s %q", out.Type, out.Name)
		}
		if e != nil && len(rest) > 0 {
			return errors.Errorf("%s %q: json: unknown field %q", out.Type, out.Name, rest[0].key)
		}
	}
	if out.Settings, err = joinMembers(rest); err != nil {
		return errors.Wrapf(err, "%s %q", out.Type, out.Name)
	}
	if e != nil && e.canon != nil {
		if out.Settings, err = e.canon(out.Settings); err != nil {
			return errors.Wrapf(err, "%s %q", out.Type, out.Name)
		}
	}
	*c = out
	return nil
}

// allSettings is Settings with Options added as the "options" field.
func (c LayerConfig) allSettings() (json.RawMessage, error) {
	if len(c.Options) == 0 {
		return c.Settings, nil
	}
	members, err := objectMembers(c.Settings)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		if strings.EqualFold(m.key, "options") {
			return nil, errors.New("options both in Settings and in Options")
		}
	}
	opts, err := encodeSettings(c.Options)
	if err != nil {
		return nil, errors.Wrap(err, "options")
	}
	return joinMembers(append(members, member{"options", opts}))
}

// splitOptions takes the "options" field out of ms, decoded as Options.
func splitOptions(ms []member) ([]member, map[string]float64, error) {
	var opts map[string]float64
	rest := ms[:0:0]
	for _, m := range ms {
		if !strings.EqualFold(m.key, "options") {
			rest = append(rest, m)
			continue
		}
		opts = nil
		if err := json.Unmarshal(m.value, &opts); err != nil {
			return nil, nil, errors.Wrap(err, "options")
		}
	}
	return rest, opts, nil
}

// Equal reports whether c and o describe the same layer: the same type and
// name, and settings that make the same layer. For a registered type the
// settings are compared as the layer made from them describes itself
// (Configurer), so the order of fields, a default written out or left out
// (Conv2D's strides [1, 1]), an activation's case and a nil or empty
// Options do not matter; otherwise as the registered config struct encodes
// them, or, for a type nobody registered, as compact JSON.
func (c LayerConfig) Equal(o LayerConfig) bool {
	if c.Type != o.Type || c.Name != o.Name || c.err != nil || o.err != nil {
		return false
	}
	a, b := c.canonicalSettings(), o.canonicalSettings()
	return a != nil && b != nil && bytes.Equal(a, b)
}

// canonicalSettings returns c's settings in the form Equal compares, or
// nil when they are not a JSON object.
func (c LayerConfig) canonicalSettings() []byte {
	s, err := c.allSettings()
	if err != nil {
		return nil
	}
	if e := lookupLayer(c.Type); e != nil {
		if l, err := e.make(c); err == nil {
			if cf, ok := l.(Configurer); ok {
				if lc := cf.Config(); lc.Type == c.Type {
					if ls, err := lc.allSettings(); err == nil && lc.err == nil {
						s = ls
					}
				}
			}
		} else if e.canon != nil {
			if cs, err := e.canon(s); err == nil {
				s = cs
			}
		}
	}
	members, err := objectMembers(s)
	if err != nil {
		return nil
	}
	j, err := joinMembers(members)
	if err != nil {
		return nil
	}
	if j == nil {
		return []byte("{}")
	}
	return j
}

// String is the config's JSON, so that an error message shows a layer as a
// file holds it.
func (c LayerConfig) String() string {
	b, err := c.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%s %q (%v)", c.Type, c.Name, err)
	}
	return string(b)
}

// member is one field of a JSON object, its value as written.
type member struct {
	key   string
	value json.RawMessage
}

// objectMembers splits the JSON object raw (empty for none) into its
// fields, in order.
func objectMembers(raw []byte) ([]member, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	var ms []member
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := t.(string)
		if !ok {
			return nil, errors.New("not a JSON object")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errors.Wrapf(err, "field %q", key)
		}
		ms = append(ms, member{key, v})
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, errors.New("not a JSON object")
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	return ms, nil
}

// joinMembers is the compact JSON object of ms, or nil for none. A "type"
// or "name" field is an error: the flat form could not tell it from the
// config's own.
func joinMembers(ms []member) (json.RawMessage, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range ms {
		if reservedKey(m.key) {
			return nil, errors.Errorf("settings have a %q field", m.key)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		appendString(&buf, m.key)
		buf.WriteByte(':')
		if err := json.Compact(&buf, m.value); err != nil {
			return nil, errors.Wrapf(err, "field %q", m.key)
		}
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// reservedKey reports whether a settings field would be read back as the
// config's type or name (encoding/json matches field names without regard
// to case, and so does UnmarshalJSON).
func reservedKey(k string) bool { return strings.EqualFold(k, "type") || strings.EqualFold(k, "name") }

// appendString writes s as a JSON string, without HTML escapes: the
// encoder the config is written with adds them, as it does to a struct's
// strings.
func appendString(buf *bytes.Buffer, s string) {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	buf.Truncate(buf.Len() - 1)
}

// Configurer is implemented by layers that can describe themselves; every
// built-in layer does. A model holding a layer that does not cannot be saved.
// A custom layer is saved and loaded when it implements Configurer (usually
// NewLayerConfig of its config struct) and its type is registered
// (RegisterLayer); see the RegisterLayer example.
type Configurer interface {
	Config() LayerConfig
}

// layerActivation reads an activation setting; none is Linear.
func layerActivation(name string) (Activation, error) {
	if name == "" {
		return Linear, nil
	}
	return ActivationByName(name)
}

// pair reads a (height, width) setting of a file; a missing one is def.
func pair(what string, v []int, def [2]int) ([2]int, error) {
	switch len(v) {
	case 0:
		return def, nil
	case 2:
		return [2]int{v[0], v[1]}, nil
	}
	return [2]int{}, errors.Errorf("%s %s: want (height, width)", what, dimsList(v))
}
