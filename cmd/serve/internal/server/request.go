package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// statusError is an error with the HTTP status it answers.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &statusError{http.StatusBadRequest, fmt.Sprintf(format, args...)}
}

// predictRequest is TensorFlow Serving's REST body in its row form.
type predictRequest struct {
	Instances     json.RawMessage `json:"instances"`
	Inputs        json.RawMessage `json:"inputs"`
	SignatureName string          `json:"signature_name"`
}

// parseRequest reads a predict body: {"instances": [...]}, one instance
// per sample, each the sample's values nested to the input's shape or
// flat (a bare number for an input of one value), or for a model of
// several inputs an object of them by name ({"a": [...], "b": [...]}),
// which a one-input model takes too. It returns the rows one after another,
// each the inputs' values in order, and the number of rows.
func parseRequest(body []byte, inputs []Tensor, maxRows int) ([]float32, int, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var req predictRequest
	if err := dec.Decode(&req); err != nil {
		return nil, 0, badRequest("bad JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, 0, badRequest("bad JSON: data after the request object")
	}
	switch {
	case req.Inputs != nil:
		return nil, 0, badRequest(`the columnar "inputs" form is not supported: send {"instances": [...]}, one per sample`)
	case req.SignatureName != "" && req.SignatureName != "serving_default":
		return nil, 0, badRequest("unknown signature_name %q: the model has only serving_default", req.SignatureName)
	case req.Instances == nil || bytes.Equal(bytes.TrimSpace(req.Instances), []byte("null")):
		return nil, 0, badRequest(`no "instances": send {"instances": [...]}, one per sample`)
	}
	width := 0
	for _, in := range inputs {
		width += in.Size()
	}
	s := &scanner{b: req.Instances}
	if s.skip() != '[' {
		return nil, 0, badRequest(`"instances" must be an array, one instance per sample`)
	}
	s.i++
	var x []float32
	rows := 0
	for s.skip() != ']' {
		if rows > 0 {
			s.i++ // the comma; the JSON is valid
			s.skip()
		}
		if rows == maxRows {
			return nil, 0, &statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("more than %d instances in one request", maxRows)}
		}
		var err error
		if x, err = s.instance(x, inputs); err != nil {
			return nil, 0, badRequest("instance %d: %v", rows, err)
		}
		rows++
	}
	if rows == 0 {
		return nil, 0, badRequest(`"instances" is empty`)
	}
	if len(x) != rows*width {
		return nil, 0, badRequest("%d values for %d instances of %d", len(x), rows, width) // cannot happen
	}
	return x, rows, nil
}

// scanner walks JSON that encoding/json has already found valid.
type scanner struct {
	b []byte
	i int
}

// skip passes white space and returns the next byte (0 at the end).
func (s *scanner) skip() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// instance appends one sample's values to x.
func (s *scanner) instance(x []float32, inputs []Tensor) ([]float32, error) {
	if s.skip() != '{' {
		if len(inputs) > 1 {
			return nil, fmt.Errorf("want an object of the model's %d inputs by name (%s)", len(inputs), inputNames(inputs))
		}
		return s.values(x, inputs[0])
	}
	// Named inputs: each one's values, then in the model's order.
	s.i++
	got := make([][]float32, len(inputs))
	for n := 0; s.skip() != '}'; n++ {
		if n > 0 {
			s.i++ // the comma
			s.skip()
		}
		name, err := s.key()
		if err != nil {
			return nil, err
		}
		k := -1
		for i, in := range inputs {
			if in.Name == name {
				k = i
			}
		}
		switch {
		case k < 0:
			return nil, fmt.Errorf("%s is not an input of the model (%s)", quote(name), inputNames(inputs))
		case got[k] != nil:
			return nil, fmt.Errorf("input %s given twice", quote(name))
		}
		if got[k], err = s.values(make([]float32, 0, inputs[k].Size()), inputs[k]); err != nil {
			return nil, fmt.Errorf("input %s: %v", quote(name), err)
		}
	}
	s.i++
	for k, in := range inputs {
		if got[k] == nil {
			return nil, fmt.Errorf("input %s is missing (the model takes %s)", quote(in.Name), inputNames(inputs))
		}
		x = append(x, got[k]...)
	}
	return x, nil
}

// key reads an object's key and the colon after it.
func (s *scanner) key() (string, error) {
	start := s.i
	s.i++
	for s.b[s.i] != '"' {
		if s.b[s.i] == '\\' {
			s.i++
		}
		s.i++
	}
	s.i++
	var name string
	if err := json.Unmarshal(s.b[start:s.i], &name); err != nil {
		return "", err
	}
	s.skip()
	s.i++ // the colon
	return name, nil
}

// values appends one input's values for one sample to x: an array nested
// to the input's shape, a flat array of its size, or a bare number when it
// takes one value.
func (s *scanner) values(x []float32, in Tensor) ([]float32, error) {
	size := in.Size()
	start := len(x)
	var dims []int
	leaf := -1
	var walk func(depth int) error
	walk = func(depth int) error {
		c := s.skip()
		if c != '[' {
			if c == '{' || c == '"' || c == 't' || c == 'f' || c == 'n' {
				return fmt.Errorf("want numbers, found %s", kindOf(c))
			}
			if leaf < 0 {
				leaf = depth
			} else if leaf != depth {
				return fmt.Errorf("ragged nesting: numbers at depths %d and %d", leaf, depth)
			}
			if len(x)-start == size {
				return fmt.Errorf("more than the %d values of input shape %v", size, in.Shape)
			}
			v, err := s.number()
			if err != nil {
				return err
			}
			x = append(x, v)
			return nil
		}
		if leaf >= 0 && depth >= leaf || depth >= len(in.Shape) {
			return fmt.Errorf("nested deeper than input shape %v", in.Shape)
		}
		s.i++
		n := 0
		for s.skip() != ']' {
			if n > 0 {
				s.i++ // the comma
			}
			if err := walk(depth + 1); err != nil {
				return err
			}
			n++
		}
		s.i++
		for len(dims) <= depth {
			dims = append(dims, -1) // an inner array ends first
		}
		if dims[depth] < 0 {
			dims[depth] = n
		} else if dims[depth] != n {
			return fmt.Errorf("ragged nesting: arrays of %d and %d at depth %d", dims[depth], n, depth)
		}
		return nil
	}
	if err := walk(0); err != nil {
		return nil, err
	}
	got := len(x) - start
	switch {
	case len(dims) == 0 && size == 1: // a bare number
	case len(dims) == 1 && dims[0] == size: // flat
	case leaf == len(in.Shape) && equalInts(dims, in.Shape):
	default:
		return nil, fmt.Errorf("shape %v (%d values) does not fit input shape %v: send it nested to that shape or flat, %d values", dims, got, in.Shape, size)
	}
	return x, nil
}

// number reads a JSON number as the nearest float32 and refuses one
// beyond float32's range (JSON has no NaN or infinity).
func (s *scanner) number() (float32, error) {
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		if c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		s.i++
	}
	tok := s.b[start:s.i]
	v, err := strconv.ParseFloat(string(tok), 32)
	if err != nil {
		return 0, fmt.Errorf("value %s is not a finite float32", clip(string(tok)))
	}
	return float32(v), nil
}

func kindOf(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '"':
		return "a string"
	case 'n':
		return "null"
	default:
		return "a boolean"
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func inputNames(ins []Tensor) string {
	var b bytes.Buffer
	for i, in := range ins {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(in.Name))
	}
	return b.String()
}

// quote quotes a name for a message, cut to a sane length.
func quote(s string) string { return strconv.Quote(clip(s)) }

func clip(s string) string {
	const most = 64
	if len(s) > most {
		return s[:most] + "…"
	}
	return s
}
