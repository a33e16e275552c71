package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"math"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/nn"
)

// The checkpoint file format, version 1. All integers are little-endian.
//
//	offset  size  content
//	0       8     magic "GRADGRPH"
//	8       4     format version (uint32) = 1
//	12      8     header length H (uint64), at most maxHeader
//	20      H     header: UTF-8 JSON, the checkpointHeader below
//	20+H    D     tensor data: each tensor's elements, little-endian IEEE 754,
//	              at the offset (from the start of this section) and with the
//	              byte size the header gives; sections may not overlap
//	20+H+D  32    SHA-256 of every byte before it
//
// Nothing in a checkpoint is executed: the header names layer types from
// nn's layer registry (the built-ins and those the program registered with
// nn.RegisterLayer) and losses and optimisers from fixed sets. Every declared
// size is checked against the file's actual size before anything is
// allocated for it (nn.ModelConfig.ParamCount), so a hostile file cannot make
// the reader allocate more than the file holds; a registered layer that
// cannot count its params is the exception, bounded as ParamCount says.
const (
	ckptMagic   = "GRADGRPH"
	ckptVersion = 1
	maxHeader   = 16 << 20
	ckptPrefix  = 20
)

type checkpointHeader struct {
	Format    string          `json:"format"`
	Model     nn.ModelConfig  `json:"model"`
	Compile   compileConfig   `json:"compile"`
	Optimizer optimizerConfig `json:"optimizer"`
	Epoch     int             `json:"epoch"`
	Tensors   []tensorEntry   `json:"tensors"`
}

type compileConfig struct {
	Loss       string   `json:"loss"`
	FromLogits bool     `json:"from_logits,omitempty"`
	Metrics    []string `json:"metrics"`
}

type optimizerConfig struct {
	Name       string             `json:"name"`
	Config     map[string]float64 `json:"config"`
	Iterations int                `json:"iterations"`
	Slots      int                `json:"slots"` // state tensors per trainable param
}

type tensorEntry struct {
	Name   string `json:"name"`
	DType  string `json:"dtype"`
	Shape  []int  `json:"shape"`
	Offset int64  `json:"offset"`
	Size   int64  `json:"size"`
}

// tensorData is a tensor to write: float32 or float64 values.
type tensorData struct {
	name  string
	shape []int
	f32   []float32
	f64   []float64
}

func encodeCheckpoint(h checkpointHeader, tensors []tensorData) ([]byte, error) {
	var data bytes.Buffer
	h.Format = "gradgraph-checkpoint"
	h.Tensors = h.Tensors[:0]
	for _, t := range tensors {
		e := tensorEntry{Name: t.name, Shape: t.shape, Offset: int64(data.Len())}
		if t.f64 != nil {
			e.DType = "float64"
			binary.Write(&data, binary.LittleEndian, t.f64)
		} else {
			e.DType = "float32"
			binary.Write(&data, binary.LittleEndian, t.f32)
		}
		e.Size = int64(data.Len()) - e.Offset
		h.Tensors = append(h.Tensors, e)
	}
	head, err := json.Marshal(h)
	if err != nil {
		return nil, errors.Wrap(err, "checkpoint header")
	}
	var out bytes.Buffer
	out.WriteString(ckptMagic)
	binary.Write(&out, binary.LittleEndian, uint32(ckptVersion))
	binary.Write(&out, binary.LittleEndian, uint64(len(head)))
	out.Write(head)
	out.Write(data.Bytes())
	sum := sha256.Sum256(out.Bytes())
	out.Write(sum[:])
	return out.Bytes(), nil
}

// decodedCheckpoint is a checkpoint read and verified, tensors by name.
type decodedCheckpoint struct {
	header  checkpointHeader
	tensors map[string]tensorEntry
	data    []byte
}

// decodeCheckpoint verifies raw and parses its header. name is the file name
// for error messages. Every failure is a *CorruptError except a format
// version this package does not read: such a file may be sound.
func decodeCheckpoint(raw []byte, name string) (*decodedCheckpoint, error) {
	fail := func(format string, args ...any) error {
		return corrupt(name, errors.Errorf(format, args...))
	}
	if len(raw) < ckptPrefix+sha256.Size {
		return nil, fail("%d bytes is too short to be a checkpoint (truncated?)", len(raw))
	}
	if string(raw[:8]) != ckptMagic {
		return nil, fail("not a gradgraph checkpoint (magic %q)", raw[:8])
	}
	if v := binary.LittleEndian.Uint32(raw[8:12]); v != ckptVersion {
		return nil, errors.Errorf("checkpoint %s: format version %d, this gradgraph reads version %d", name, v, ckptVersion)
	}
	hlen := binary.LittleEndian.Uint64(raw[12:20])
	body := len(raw) - sha256.Size
	if hlen > maxHeader || hlen > uint64(body-ckptPrefix) {
		return nil, fail("header of %d bytes does not fit in a %d-byte file (truncated or corrupt)", hlen, len(raw))
	}
	if sum := sha256.Sum256(raw[:body]); !bytes.Equal(sum[:], raw[body:]) {
		return nil, fail("checksum mismatch: the file is corrupt or truncated")
	}
	d := &decodedCheckpoint{tensors: map[string]tensorEntry{}, data: raw[ckptPrefix+int(hlen) : body]}
	dec := json.NewDecoder(bytes.NewReader(raw[ckptPrefix : ckptPrefix+int(hlen)]))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d.header); err != nil {
		return nil, corrupt(name, errors.Wrap(err, "header"))
	}
	if d.header.Format != "gradgraph-checkpoint" {
		return nil, fail("header format %q", d.header.Format)
	}
	type span struct{ from, to int64 }
	var spans []span
	for _, e := range d.header.Tensors {
		if _, dup := d.tensors[e.Name]; dup || e.Name == "" {
			return nil, fail("tensor name %q is empty or repeated", e.Name)
		}
		width := int64(4)
		switch e.DType {
		case "float32":
		case "float64":
			width = 8
		default:
			return nil, fail("tensor %q has dtype %q", e.Name, e.DType)
		}
		n := int64(1)
		for _, s := range e.Shape {
			if s <= 0 || n > math.MaxInt32/int64(s) {
				return nil, fail("tensor %q has shape %v", e.Name, e.Shape)
			}
			n *= int64(s)
		}
		if e.Size != n*width || e.Offset < 0 || e.Offset > int64(len(d.data))-e.Size {
			return nil, fail("tensor %q: %d bytes at offset %d do not match shape %v %s within %d data bytes",
				e.Name, e.Size, e.Offset, e.Shape, e.DType, len(d.data))
		}
		for _, s := range spans {
			if e.Offset < s.to && s.from < e.Offset+e.Size {
				return nil, fail("tensor %q overlaps another", e.Name)
			}
		}
		spans = append(spans, span{e.Offset, e.Offset + e.Size})
		d.tensors[e.Name] = e
	}
	return d, nil
}

// float64s returns tensor name's values, checking its shape.
func (d *decodedCheckpoint) float64s(name string, shape []int) ([]float64, error) {
	e, ok := d.tensors[name]
	if !ok {
		return nil, errors.Errorf("no tensor %q", name)
	}
	if len(e.Shape) != len(shape) {
		return nil, errors.Errorf("tensor %q has shape %v, want %v", name, e.Shape, shape)
	}
	for i := range shape {
		if e.Shape[i] != shape[i] {
			return nil, errors.Errorf("tensor %q has shape %v, want %v", name, e.Shape, shape)
		}
	}
	b := d.data[e.Offset : e.Offset+e.Size]
	out := make([]float64, 0, e.Size/4)
	if e.DType == "float64" {
		for i := 0; i < len(b); i += 8 {
			out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
		}
	} else {
		for i := 0; i < len(b); i += 4 {
			out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(b[i:]))))
		}
	}
	return out, nil
}
