package onnx

import (
	"encoding/binary"
	"math"
	"unicode/utf8"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/encoding/protowire"
)

// The field numbers read and not written by the export (see proto.go for
// the rest).
const (
	graphSparseInitializer protowire.Number = 15

	nodeDomain protowire.Number = 7

	attrS       protowire.Number = 4
	attrT       protowire.Number = 5
	attrFloats  protowire.Number = 7
	attrRefName protowire.Number = 21

	tensorFloatData    protowire.Number = 4
	tensorInt32Data    protowire.Number = 5
	tensorInt64Data    protowire.Number = 7
	tensorDoubleData   protowire.Number = 10
	tensorExternalData protowire.Number = 13
	tensorDataLocation protowire.Number = 14
	tensorSegment      protowire.Number = 3
)

// More TensorProto.DataType and AttributeProto.AttributeType values.
const (
	dataTypeInt32  = 6
	dataTypeDouble = 11

	attrTypeString = 3
)

// Bounds on what a file may declare, checked while it is read, before
// anything is allocated from a declared count.
const (
	// maxTensorRank is the most dimensions a tensor (an initializer, a
	// graph input) may have: a batch dimension and nn.MaxRank more.
	maxTensorRank = 9
	// maxNodes is the most nodes a graph may have; an imported model has
	// at most as many layers, and a checkpoint holds at most
	// train.MaxCheckpointLayers (1000) of them.
	maxNodes = 4096
	// maxNodeIO is the most inputs or outputs one node may list.
	maxNodeIO = 1024
	// maxNameLen is the longest name (of a tensor, node, op) accepted.
	maxNameLen = 4096
)

// pbModel is the part of a ModelProto the import uses.
type pbModel struct {
	irVersion       int64
	producer        string
	producerVersion string
	opsets          map[string]int64
	graph           pbGraph
	hasGraph        bool
	metadata        map[string]string
}

type pbGraph struct {
	name    string
	nodes   []pbNode
	inits   []*pbTensor
	inputs  []pbValueInfo
	outputs []pbValueInfo
}

type pbNode struct {
	name, op, domain string
	in, out          []string
	attrs            []pbAttr
}

type pbAttr struct {
	name   string
	typ    int64
	f      float32
	i      int64
	s      []byte
	t      *pbTensor
	floats []float32
	ints   []int64
	ref    bool // a reference to a function's attribute
}

// pbTensor is a TensorProto: its dims and its data in whichever field the
// writer used.
type pbTensor struct {
	name     string
	dims     []int64
	dataType int64
	raw      []byte
	floats   []float32
	doubles  []float64
	int64s   []int64
	int32s   []int64
	external bool
	segment  bool
}

type pbDim struct {
	value int64
	param string
	known bool // a dim_value was given
}

type pbValueInfo struct {
	name     string
	elemType int64
	dims     []pbDim
	hasShape bool
}

// reader walks one message's fields.
type reader struct {
	b   []byte
	err error
}

// next returns the next field's number and type, and false at the end or
// on a malformed field (then r.err is set).
func (r *reader) next() (protowire.Number, protowire.Type, bool) {
	if r.err != nil || len(r.b) == 0 {
		return 0, 0, false
	}
	num, typ, n := protowire.ConsumeTag(r.b)
	if n < 0 {
		r.err = errors.Wrap(protowire.ParseError(n), "field tag")
		return 0, 0, false
	}
	r.b = r.b[n:]
	return num, typ, true
}

// bytes reads a length-delimited value.
func (r *reader) bytes(num protowire.Number, typ protowire.Type) []byte {
	if typ != protowire.BytesType {
		r.fail(num, typ, "bytes")
		return nil
	}
	v, n := protowire.ConsumeBytes(r.b)
	if n < 0 {
		r.err = errors.Wrapf(protowire.ParseError(n), "field %d", num)
		return nil
	}
	r.b = r.b[n:]
	return v
}

func (r *reader) str(num protowire.Number, typ protowire.Type) string {
	b := r.bytes(num, typ)
	if r.err == nil && len(b) > maxNameLen {
		r.err = errors.Errorf("field %d: a string of %d bytes, at most %d", num, len(b), maxNameLen)
	}
	if r.err == nil && !utf8.Valid(b) {
		r.err = errors.Errorf("field %d: a string that is not UTF-8", num)
	}
	return string(b)
}

func (r *reader) varint(num protowire.Number, typ protowire.Type) int64 {
	if typ != protowire.VarintType {
		r.fail(num, typ, "varint")
		return 0
	}
	v, n := protowire.ConsumeVarint(r.b)
	if n < 0 {
		r.err = errors.Wrapf(protowire.ParseError(n), "field %d", num)
		return 0
	}
	r.b = r.b[n:]
	return int64(v)
}

func (r *reader) float(num protowire.Number, typ protowire.Type) float32 {
	if typ != protowire.Fixed32Type {
		r.fail(num, typ, "float")
		return 0
	}
	v, n := protowire.ConsumeFixed32(r.b)
	if n < 0 {
		r.err = errors.Wrapf(protowire.ParseError(n), "field %d", num)
		return 0
	}
	r.b = r.b[n:]
	return math.Float32frombits(v)
}

// skip passes over a field this package does not read.
func (r *reader) skip(num protowire.Number, typ protowire.Type) {
	n := protowire.ConsumeFieldValue(num, typ, r.b)
	if n < 0 {
		r.err = errors.Wrapf(protowire.ParseError(n), "field %d", num)
		return
	}
	r.b = r.b[n:]
}

func (r *reader) fail(num protowire.Number, typ protowire.Type, want string) {
	r.err = errors.Errorf("field %d has wire type %d, want %s", num, typ, want)
}

// ints reads a repeated int64 field, packed or not, appending to vs; at
// most limit values in all.
func (r *reader) ints(num protowire.Number, typ protowire.Type, vs []int64, limit int) []int64 {
	if typ == protowire.VarintType {
		if len(vs) >= limit {
			r.err = errors.Errorf("field %d: more than %d values", num, limit)
			return vs
		}
		return append(vs, r.varint(num, typ))
	}
	b := r.bytes(num, typ)
	for len(b) > 0 && r.err == nil {
		v, n := protowire.ConsumeVarint(b)
		if n < 0 {
			r.err = errors.Wrapf(protowire.ParseError(n), "field %d", num)
			return vs
		}
		if len(vs) >= limit {
			r.err = errors.Errorf("field %d: more than %d values", num, limit)
			return vs
		}
		vs = append(vs, int64(v))
		b = b[n:]
	}
	return vs
}

// floats reads a repeated float field, packed or not.
func (r *reader) floats(num protowire.Number, typ protowire.Type, vs []float32) []float32 {
	if typ == protowire.Fixed32Type {
		return append(vs, r.float(num, typ))
	}
	b := r.bytes(num, typ)
	if r.err != nil {
		return vs
	}
	if len(b)%4 != 0 {
		r.err = errors.Errorf("field %d: packed floats of %d bytes", num, len(b))
		return vs
	}
	for i := 0; i < len(b); i += 4 {
		vs = append(vs, math.Float32frombits(binary.LittleEndian.Uint32(b[i:])))
	}
	return vs
}

// doubles reads a repeated double field, packed or not.
func (r *reader) doubles(num protowire.Number, typ protowire.Type, vs []float64) []float64 {
	if typ == protowire.Fixed64Type {
		v, n := protowire.ConsumeFixed64(r.b)
		if n < 0 {
			r.err = errors.Wrapf(protowire.ParseError(n), "field %d", num)
			return vs
		}
		r.b = r.b[n:]
		return append(vs, math.Float64frombits(v))
	}
	b := r.bytes(num, typ)
	if r.err != nil {
		return vs
	}
	if len(b)%8 != 0 {
		r.err = errors.Errorf("field %d: packed doubles of %d bytes", num, len(b))
		return vs
	}
	for i := 0; i < len(b); i += 8 {
		vs = append(vs, math.Float64frombits(binary.LittleEndian.Uint64(b[i:])))
	}
	return vs
}

// decodeModel reads a ModelProto. Every count is bounded by the bytes that
// hold it, so memory stays within a small multiple of len(b).
func decodeModel(b []byte) (*pbModel, error) {
	m := &pbModel{opsets: map[string]int64{}, metadata: map[string]string{}}
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case modelIRVersion:
			m.irVersion = r.varint(num, typ)
		case modelProducerName:
			m.producer = r.str(num, typ)
		case modelProducerVersion:
			m.producerVersion = r.str(num, typ)
		case modelGraph:
			sub := r.bytes(num, typ)
			if r.err == nil {
				if m.hasGraph {
					return nil, errors.New("two graphs")
				}
				m.hasGraph = true
				if err := decodeGraph(sub, &m.graph); err != nil {
					return nil, errors.Wrap(err, "graph")
				}
			}
		case modelOpsetImport:
			sub := r.bytes(num, typ)
			if r.err == nil {
				domain, version, err := decodeOpset(sub)
				if err != nil {
					return nil, errors.Wrap(err, "opset_import")
				}
				m.opsets[domain] = version
			}
		case modelMetadataProps:
			sub := r.bytes(num, typ)
			if r.err == nil {
				k, v, err := decodeEntry(sub)
				if err != nil {
					return nil, errors.Wrap(err, "metadata_props")
				}
				m.metadata[k] = v
			}
		default:
			r.skip(num, typ)
		}
	}
	if r.err != nil {
		return nil, errors.Wrap(r.err, "model")
	}
	if !m.hasGraph {
		return nil, errors.New("no graph (not an ONNX model?)")
	}
	return m, nil
}

func decodeOpset(b []byte) (string, int64, error) {
	r := &reader{b: b}
	var domain string
	var version int64
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case opsetDomain:
			domain = r.str(num, typ)
		case opsetVersion:
			version = r.varint(num, typ)
		default:
			r.skip(num, typ)
		}
	}
	return domain, version, r.err
}

func decodeEntry(b []byte) (string, string, error) {
	r := &reader{b: b}
	var k, v string
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case entryKey:
			k = r.str(num, typ)
		case entryValue:
			v = r.str(num, typ)
		default:
			r.skip(num, typ)
		}
	}
	return k, v, r.err
}

func decodeGraph(b []byte, g *pbGraph) error {
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case graphNode:
			sub := r.bytes(num, typ)
			if r.err != nil {
				break
			}
			if len(g.nodes) >= maxNodes {
				return errors.Errorf("more than %d nodes", maxNodes)
			}
			n, err := decodeNode(sub)
			if err != nil {
				return errors.Wrapf(err, "node %d", len(g.nodes))
			}
			g.nodes = append(g.nodes, n)
		case graphName:
			g.name = r.str(num, typ)
		case graphInitializer:
			sub := r.bytes(num, typ)
			if r.err != nil {
				break
			}
			t, err := decodeTensor(sub)
			if err != nil {
				return errors.Wrapf(err, "initializer %d", len(g.inits))
			}
			g.inits = append(g.inits, t)
		case graphSparseInitializer:
			return errors.New("a sparse initializer (not supported)")
		case graphInput, graphOutput:
			sub := r.bytes(num, typ)
			if r.err != nil {
				break
			}
			vi, err := decodeValueInfo(sub)
			if err != nil {
				return errors.Wrap(err, "input or output")
			}
			if num == graphInput {
				g.inputs = append(g.inputs, vi)
			} else {
				g.outputs = append(g.outputs, vi)
			}
		default:
			r.skip(num, typ)
		}
	}
	return r.err
}

func decodeNode(b []byte) (pbNode, error) {
	var n pbNode
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case nodeInput, nodeOutput:
			s := r.str(num, typ)
			if num == nodeInput {
				n.in = append(n.in, s)
			} else {
				n.out = append(n.out, s)
			}
			if len(n.in) > maxNodeIO || len(n.out) > maxNodeIO {
				return n, errors.Errorf("more than %d inputs or outputs", maxNodeIO)
			}
		case nodeName:
			n.name = r.str(num, typ)
		case nodeOpType:
			n.op = r.str(num, typ)
		case nodeDomain:
			n.domain = r.str(num, typ)
		case nodeAttribute:
			sub := r.bytes(num, typ)
			if r.err != nil {
				break
			}
			a, err := decodeAttr(sub)
			if err != nil {
				return n, errors.Wrapf(err, "attribute %d", len(n.attrs))
			}
			n.attrs = append(n.attrs, a)
		default:
			r.skip(num, typ)
		}
	}
	return n, r.err
}

func decodeAttr(b []byte) (pbAttr, error) {
	var a pbAttr
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case attrName:
			a.name = r.str(num, typ)
		case attrType:
			a.typ = r.varint(num, typ)
		case attrF:
			a.f = r.float(num, typ)
		case attrI:
			a.i = r.varint(num, typ)
		case attrS:
			a.s = r.bytes(num, typ)
		case attrT:
			sub := r.bytes(num, typ)
			if r.err == nil {
				t, err := decodeTensor(sub)
				if err != nil {
					return a, errors.Wrap(err, "tensor")
				}
				a.t = t
			}
		case attrFloats:
			a.floats = r.floats(num, typ, a.floats)
		case attrInts:
			a.ints = r.ints(num, typ, a.ints, len(b))
		case attrRefName:
			r.skip(num, typ)
			a.ref = true
		default:
			// Graphs (If, Loop), sparse tensors, strings: no op this
			// package maps uses them; an op that needs one is refused
			// by name when it is mapped.
			r.skip(num, typ)
		}
	}
	return a, r.err
}

func decodeTensor(b []byte) (*pbTensor, error) {
	t := &pbTensor{dataType: -1}
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case tensorDims:
			t.dims = r.ints(num, typ, t.dims, maxTensorRank)
		case tensorDataType:
			t.dataType = r.varint(num, typ)
		case tensorName:
			t.name = r.str(num, typ)
		case tensorRawData:
			t.raw = r.bytes(num, typ)
		case tensorFloatData:
			t.floats = r.floats(num, typ, t.floats)
		case tensorDoubleData:
			t.doubles = r.doubles(num, typ, t.doubles)
		case tensorInt64Data:
			t.int64s = r.ints(num, typ, t.int64s, len(b))
		case tensorInt32Data:
			t.int32s = r.ints(num, typ, t.int32s, len(b))
		case tensorDataLocation:
			t.external = r.varint(num, typ) == 1
		case tensorExternalData:
			r.skip(num, typ)
			t.external = true
		case tensorSegment:
			r.skip(num, typ)
			t.segment = true
		default:
			r.skip(num, typ)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	for i, d := range t.dims {
		if d < 0 {
			return nil, errors.Errorf("tensor %q: dimension %d is %d", t.name, i, d)
		}
	}
	return t, nil
}

func decodeValueInfo(b []byte) (pbValueInfo, error) {
	var vi pbValueInfo
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		switch num {
		case valueInfoName:
			vi.name = r.str(num, typ)
		case valueInfoType:
			sub := r.bytes(num, typ)
			if r.err == nil {
				if err := decodeType(sub, &vi); err != nil {
					return vi, errors.Wrapf(err, "%q: type", vi.name)
				}
			}
		default:
			r.skip(num, typ)
		}
	}
	return vi, r.err
}

// decodeType reads a TypeProto's tensor type (other types leave elemType
// 0, refused by the import).
func decodeType(b []byte, vi *pbValueInfo) error {
	r := &reader{b: b}
	for {
		num, typ, ok := r.next()
		if !ok {
			break
		}
		if num != typeTensorType {
			r.skip(num, typ)
			continue
		}
		tt := &reader{b: r.bytes(num, typ)}
		for {
			num, typ, ok := tt.next()
			if !ok {
				break
			}
			switch num {
			case tensorTypeElemType:
				vi.elemType = tt.varint(num, typ)
			case tensorTypeShape:
				vi.hasShape = true
				sh := &reader{b: tt.bytes(num, typ)}
				for {
					num, typ, ok := sh.next()
					if !ok {
						break
					}
					if num != shapeDim {
						sh.skip(num, typ)
						continue
					}
					if len(vi.dims) >= maxTensorRank {
						return errors.Errorf("more than %d dimensions", maxTensorRank)
					}
					var d pbDim
					dr := &reader{b: sh.bytes(num, typ)}
					for {
						num, typ, ok := dr.next()
						if !ok {
							break
						}
						switch num {
						case dimValue:
							d.value, d.known = dr.varint(num, typ), true
						case dimParam:
							d.param = dr.str(num, typ)
						default:
							dr.skip(num, typ)
						}
					}
					if dr.err != nil {
						return dr.err
					}
					vi.dims = append(vi.dims, d)
				}
				if sh.err != nil {
					return sh.err
				}
			default:
				tt.skip(num, typ)
			}
		}
		if tt.err != nil {
			return tt.err
		}
	}
	return r.err
}

// elements is the product of dims, or an error when it passes limit.
func elements(dims []int64, limit int64) (int64, error) {
	n := int64(1)
	for _, d := range dims {
		if d < 0 {
			return 0, errors.Errorf("dims %v: a negative dimension", dims)
		}
		if d != 0 && n > limit/d {
			return 0, errors.Errorf("dims %v: more than %d elements", dims, limit)
		}
		n *= d
	}
	return n, nil
}

// floatData returns a float tensor's values (float or double data as
// float32), checking that their count matches the dims.
func (t *pbTensor) floatData() ([]float32, error) {
	if t.external {
		return nil, errors.Errorf("tensor %q: its data is stored outside the file (data_location EXTERNAL), which the import does not read", t.name)
	}
	if t.segment {
		return nil, errors.Errorf("tensor %q: segmented tensors are not supported", t.name)
	}
	var width int64
	switch t.dataType {
	case dataTypeFloat:
		width = 4
	case dataTypeDouble:
		width = 8
	default:
		return nil, errors.Errorf("tensor %q: data type %d, want float (1) or double (11)", t.name, t.dataType)
	}
	avail := int64(len(t.raw))/width + int64(len(t.floats)) + int64(len(t.doubles))
	n, err := elements(t.dims, avail)
	if err != nil {
		return nil, errors.Wrapf(err, "tensor %q: more elements than its data holds", t.name)
	}
	out := make([]float32, 0, n)
	switch {
	case len(t.raw) > 0:
		if int64(len(t.raw)) != n*width {
			return nil, errors.Errorf("tensor %q: %d bytes of raw data for %d elements of dims %v", t.name, len(t.raw), n, t.dims)
		}
		for i := int64(0); i < n; i++ {
			if width == 4 {
				out = append(out, math.Float32frombits(binary.LittleEndian.Uint32(t.raw[4*i:])))
			} else {
				out = append(out, float32(math.Float64frombits(binary.LittleEndian.Uint64(t.raw[8*i:]))))
			}
		}
	case t.dataType == dataTypeFloat:
		if int64(len(t.floats)) != n {
			return nil, errors.Errorf("tensor %q: %d values for %d elements of dims %v", t.name, len(t.floats), n, t.dims)
		}
		out = append(out, t.floats...)
	default:
		if int64(len(t.doubles)) != n {
			return nil, errors.Errorf("tensor %q: %d values for %d elements of dims %v", t.name, len(t.doubles), n, t.dims)
		}
		for _, v := range t.doubles {
			out = append(out, float32(v))
		}
	}
	return out, nil
}

// intData returns an int64 or int32 tensor's values (a Reshape's shape).
func (t *pbTensor) intData() ([]int64, error) {
	if t.external {
		return nil, errors.Errorf("tensor %q: its data is stored outside the file (data_location EXTERNAL), which the import does not read", t.name)
	}
	var width int64
	var vals []int64
	switch t.dataType {
	case dataTypeInt64:
		width, vals = 8, t.int64s
	case dataTypeInt32:
		width, vals = 4, t.int32s
	default:
		return nil, errors.Errorf("tensor %q: data type %d, want int64 (7) or int32 (6)", t.name, t.dataType)
	}
	n, err := elements(t.dims, int64(len(t.raw))/width+int64(len(vals)))
	if err != nil {
		return nil, errors.Wrapf(err, "tensor %q: more elements than its data holds", t.name)
	}
	if len(t.raw) > 0 {
		if int64(len(t.raw)) != n*width {
			return nil, errors.Errorf("tensor %q: %d bytes of raw data for %d elements", t.name, len(t.raw), n)
		}
		out := make([]int64, n)
		for i := range out {
			if width == 8 {
				out[i] = int64(binary.LittleEndian.Uint64(t.raw[8*i:]))
			} else {
				out[i] = int64(int32(binary.LittleEndian.Uint32(t.raw[4*i:])))
			}
		}
		return out, nil
	}
	if int64(len(vals)) != n {
		return nil, errors.Errorf("tensor %q: %d values for %d elements", t.name, len(vals), n)
	}
	return append([]int64(nil), vals...), nil
}
