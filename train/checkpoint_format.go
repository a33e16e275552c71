package train

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"slices"

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
// A reader checks the prefix, reads and checks the header, and only then
// reads the data section the header describes (readCheckpoint), so that no
// size it allocates is one the file merely claims.
//
// Nothing in a checkpoint is executed: the header names layer types from
// nn's layer registry (the built-ins and those the program registered with
// nn.RegisterLayer), optimisers from train's (RegisterOptimizer), and
// losses from a fixed set. Every declared size is checked against the
// file's actual size before anything is allocated for it
// (nn.ModelConfig.ParamCount; an optimiser's state has its params' shapes),
// so a hostile file cannot make the reader allocate more than the file
// holds; a registered layer that cannot count its params is the exception,
// bounded as ParamCount says.
const (
	ckptMagic   = "GRADGRPH"
	ckptVersion = 1
	ckptPrefix  = 20
	// maxHeader caps the header JSON, which is read whole and decoded
	// before anything is verified. A model of MaxCheckpointLayers layers
	// and its tensor list take well under 1 MiB; the rest is room for
	// custom layers' options.
	maxHeader = 16 << 20
)

// MaxCheckpointLayers is the most layers a checkpoint's model may have;
// Save refuses a deeper model and Load a file that declares one. Layers
// without weights cost no bytes in the file, so without this cap a small
// header could ask for any depth, and the time to build the graph grows
// with the square of its depth (Gorgonia's compilation: about a minute for
// 20,000 activation layers, a fraction of a second for 1,000). It caps a
// functional model's calls, inputs and outputs together too, and so the
// graph's size and depth.
const MaxCheckpointLayers = 1000

// MaxCheckpointElements is the most elements (weights, statistics and
// optimiser state together) a checkpoint may hold: 2^28, 1 GiB of float32
// or 2 GiB of float64 data. The data section is read into memory whole,
// so this bounds what a file can make Load allocate, whatever its size.
const MaxCheckpointElements = 1 << 28

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
	// Outputs is a model of several outputs' set-up (CompileOutputs), in
	// model order; Loss, FromLogits and Metrics then repeat the first's.
	Outputs []outputConfig `json:"outputs,omitempty"`
}

type outputConfig struct {
	Name       string   `json:"name"`
	Loss       string   `json:"loss"`
	FromLogits bool     `json:"from_logits,omitempty"`
	Weight     float64  `json:"weight"`
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
	used    map[string]bool // tensors read by float64s
}

// decodeCheckpoint verifies raw and parses its header. name is the file name
// for error messages.
func decodeCheckpoint(raw []byte, name string) (*decodedCheckpoint, error) {
	return readCheckpoint(bytes.NewReader(raw), int64(len(raw)), name)
}

// readCheckpoint reads a checkpoint of size bytes (the file's size, from
// stat) from r, verifies it and parses its header. name is the file name for
// error messages. Every failure is a *CorruptError except a format version
// this package does not read, since such a file may be sound, and errors
// reading r.
//
// Nothing is allocated that the bounds below do not cap: the prefix is
// read first, then the header (at most maxHeader bytes), which is parsed and
// checked (layers, tensors tiling the data section exactly, total elements)
// before the data section it describes is read. So a huge or sparse file
// costs no more than its header says a model needs, and only up to
// MaxCheckpointElements.
func readCheckpoint(r io.Reader, size int64, name string) (*decodedCheckpoint, error) {
	fail := func(format string, args ...any) error {
		return corrupt(name, errors.Errorf(format, args...))
	}
	read := func(b []byte, what string) error {
		_, err := io.ReadFull(r, b)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			// Shorter than stat said: truncated while we read, or a file
			// whose size stat does not know.
			return fail("the file ends inside its %s (truncated?)", what)
		}
		return errors.Wrapf(err, "checkpoint %s", name)
	}
	if size < ckptPrefix+sha256.Size {
		return nil, fail("%d bytes is too short to be a checkpoint (truncated?)", size)
	}
	prefix := make([]byte, ckptPrefix)
	if err := read(prefix, "prefix"); err != nil {
		return nil, err
	}
	if string(prefix[:8]) != ckptMagic {
		return nil, fail("not a gradgraph checkpoint (magic %q)", prefix[:8])
	}
	if v := binary.LittleEndian.Uint32(prefix[8:12]); v != ckptVersion {
		return nil, errors.Errorf("checkpoint %s: format version %d, this gradgraph reads version %d", name, v, ckptVersion)
	}
	hlen := binary.LittleEndian.Uint64(prefix[12:20])
	if hlen > uint64(size-ckptPrefix-sha256.Size) {
		return nil, fail("header of %d bytes does not fit in a %d-byte file (truncated or corrupt)", hlen, size)
	}
	if hlen > maxHeader {
		return nil, fail("header of %d bytes is too large: a checkpoint header is at most %d bytes", hlen, maxHeader)
	}
	head := make([]byte, hlen)
	if err := read(head, "header"); err != nil {
		return nil, err
	}
	dataLen := size - ckptPrefix - int64(hlen) - sha256.Size
	d := &decodedCheckpoint{tensors: map[string]tensorEntry{}, used: map[string]bool{}}
	if err := d.parseHeader(head, dataLen); err != nil {
		return nil, corrupt(name, err)
	}
	d.data = make([]byte, dataLen)
	if err := read(d.data, "tensor data"); err != nil {
		return nil, err
	}
	var sum [sha256.Size]byte
	if err := read(sum[:], "checksum"); err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(prefix)
	h.Write(head)
	h.Write(d.data)
	if !bytes.Equal(h.Sum(nil), sum[:]) {
		return nil, fail("checksum mismatch: the file is corrupt or truncated")
	}
	// A file that grew after stat: what was read as the checksum was not
	// the file's end.
	if n, _ := r.Read(make([]byte, 1)); n > 0 {
		return nil, fail("bytes after the checksum: the file is longer than its size (%d bytes) says", size)
	}
	return d, nil
}

// parseHeader decodes head into d and checks it against a data section of
// dataLen bytes: the JSON alone fills the header, the model has at most
// MaxCheckpointLayers layers, and the tensors tile the data section exactly,
// with no gap, overlap or trailing byte, holding at most
// MaxCheckpointElements elements in all.
func (d *decodedCheckpoint) parseHeader(head []byte, dataLen int64) error {
	dec := json.NewDecoder(bytes.NewReader(head))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d.header); err != nil {
		return errors.Wrap(err, "header")
	}
	if extra := int64(len(head)) - dec.InputOffset(); extra != 0 {
		return errors.Errorf("header: %d bytes after the header JSON", extra)
	}
	if d.header.Format != "gradgraph-checkpoint" {
		return errors.Errorf("header format %q", d.header.Format)
	}
	if n := len(d.header.Model.Layers); n > MaxCheckpointLayers {
		return errors.Errorf("the model has %d layers, more than the %d a checkpoint may hold", n, MaxCheckpointLayers)
	}
	layers := 0
	err := d.header.Model.Walk(func(nn.LayerConfig) error {
		if layers++; layers > MaxCheckpointLayers {
			return errors.Errorf("the model has more than the %d layers a checkpoint may hold, counting those of models called as layers", MaxCheckpointLayers)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if n := len(d.header.Model.Nodes) + len(d.header.Model.Inputs) + len(d.header.Model.Outputs); n > MaxCheckpointLayers {
		return errors.Errorf("the model's graph has %d calls, inputs and outputs, more than the %d a checkpoint may hold", n, MaxCheckpointLayers)
	}
	var elements int64
	for _, e := range d.header.Tensors {
		if _, dup := d.tensors[e.Name]; dup || e.Name == "" {
			return errors.Errorf("tensor name %q is empty or repeated", e.Name)
		}
		width := int64(4)
		switch e.DType {
		case "float32":
		case "float64":
			width = 8
		default:
			return errors.Errorf("tensor %q has dtype %q", e.Name, e.DType)
		}
		n := int64(1)
		for _, s := range e.Shape {
			if s <= 0 || n > math.MaxInt32/int64(s) {
				return errors.Errorf("tensor %q has shape %v", e.Name, e.Shape)
			}
			n *= int64(s)
		}
		if e.Size != n*width {
			return errors.Errorf("tensor %q: %d bytes do not match shape %v %s", e.Name, e.Size, e.Shape, e.DType)
		}
		if e.Offset < 0 {
			return errors.Errorf("tensor %q: negative offset %d", e.Name, e.Offset)
		}
		if e.Offset > dataLen-e.Size {
			return errors.Errorf("tensor %q ends past the %d data bytes the file holds (truncated?)", e.Name, dataLen)
		}
		if elements += n; elements > MaxCheckpointElements {
			return errors.Errorf("the tensors hold more than %d elements, the most a checkpoint may hold", int64(MaxCheckpointElements))
		}
		d.tensors[e.Name] = e
	}
	// Sorted by offset, each tensor must start where the previous ended:
	// n log n however many tensors the header lists.
	byOffset := slices.Clone(d.header.Tensors)
	slices.SortFunc(byOffset, func(a, b tensorEntry) int { return cmp.Compare(a.Offset, b.Offset) })
	var end int64
	for _, e := range byOffset {
		if e.Offset < end {
			return errors.Errorf("tensor %q overlaps another", e.Name)
		}
		if e.Offset > end {
			return errors.Errorf("%d unused bytes before tensor %q", e.Offset-end, e.Name)
		}
		end = e.Offset + e.Size
	}
	if end != dataLen {
		return errors.Errorf("%d trailing bytes after the last tensor (the tensors take %d of the %d data bytes)", dataLen-end, end, dataLen)
	}
	return nil
}

// float64s returns tensor name's values, checking its shape and that every
// value is finite: no NaN or infinite weight, statistic or optimiser state
// is loaded, since it would make every prediction NaN (or, on CPUs whose
// kernels drop NaN, plausible and wrong).
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
	// A float32 model keeps float64 values as float32 (the model's dtype
	// makes its params' and their optimiser state's), so a finite float64
	// beyond float32's range would become infinite.
	narrow := d.header.Model.DType != "float64"
	for i, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, errors.Errorf("tensor %q: element %d is %v; weights must be finite", name, i, v)
		}
		if narrow && math.IsInf(float64(float32(v)), 0) {
			return nil, errors.Errorf("tensor %q: element %d is %v, beyond float32's range for a float32 model; weights must be finite", name, i, v)
		}
	}
	d.used[name] = true
	return out, nil
}

// checkAllUsed rejects a tensor nothing read (float64s) unless keep
// allows it: a checkpoint holds its model's params and optimiser state
// and nothing else.
func (d *decodedCheckpoint) checkAllUsed(keep func(name string) bool) error {
	for _, e := range d.header.Tensors {
		if !d.used[e.Name] && (keep == nil || !keep(e.Name)) {
			return errors.Errorf("tensor %q belongs to no param of the model or its optimiser", e.Name)
		}
	}
	return nil
}
