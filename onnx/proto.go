package onnx

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The field numbers of the ONNX messages this package writes, from
// onnx.proto (onnx.proto3 numbers them the same), grouped by message.
// Fields this package never writes are left out.
const (
	// ModelProto
	modelIRVersion       protowire.Number = 1
	modelProducerName    protowire.Number = 2
	modelProducerVersion protowire.Number = 3
	modelDocString       protowire.Number = 6
	modelGraph           protowire.Number = 7
	modelOpsetImport     protowire.Number = 8
	modelMetadataProps   protowire.Number = 14

	// OperatorSetIdProto
	opsetDomain  protowire.Number = 1
	opsetVersion protowire.Number = 2

	// StringStringEntryProto
	entryKey   protowire.Number = 1
	entryValue protowire.Number = 2

	// GraphProto
	graphNode        protowire.Number = 1
	graphName        protowire.Number = 2
	graphInitializer protowire.Number = 5
	graphInput       protowire.Number = 11
	graphOutput      protowire.Number = 12

	// NodeProto
	nodeInput     protowire.Number = 1
	nodeOutput    protowire.Number = 2
	nodeName      protowire.Number = 3
	nodeOpType    protowire.Number = 4
	nodeAttribute protowire.Number = 5

	// AttributeProto
	attrName protowire.Number = 1
	attrF    protowire.Number = 2
	attrI    protowire.Number = 3
	attrInts protowire.Number = 8
	attrType protowire.Number = 20

	// TensorProto
	tensorDims     protowire.Number = 1
	tensorDataType protowire.Number = 2
	tensorName     protowire.Number = 8
	tensorRawData  protowire.Number = 9

	// ValueInfoProto
	valueInfoName protowire.Number = 1
	valueInfoType protowire.Number = 2

	// TypeProto
	typeTensorType protowire.Number = 1
	// TypeProto.Tensor
	tensorTypeElemType protowire.Number = 1
	tensorTypeShape    protowire.Number = 2

	// TensorShapeProto
	shapeDim protowire.Number = 1
	// TensorShapeProto.Dimension
	dimValue protowire.Number = 1
	dimParam protowire.Number = 2
)

// TensorProto.DataType values.
const (
	dataTypeFloat = 1
	dataTypeInt64 = 7
)

// AttributeProto.AttributeType values.
const (
	attrTypeFloat = 1
	attrTypeInt   = 2
	attrTypeInts  = 7
)

// msg is a protobuf message being written: fields appended in the wire
// format, each method writing one field whatever its value (proto2
// presence: an attribute's 0 is a value).
type msg []byte

func (m *msg) varint(f protowire.Number, v int64) {
	*m = protowire.AppendTag(*m, f, protowire.VarintType)
	*m = protowire.AppendVarint(*m, uint64(v)) // int32 and int64 fields: two's complement
}

func (m *msg) str(f protowire.Number, s string) {
	*m = protowire.AppendTag(*m, f, protowire.BytesType)
	*m = protowire.AppendString(*m, s)
}

func (m *msg) bytes(f protowire.Number, b []byte) {
	*m = protowire.AppendTag(*m, f, protowire.BytesType)
	*m = protowire.AppendBytes(*m, b)
}

func (m *msg) float(f protowire.Number, v float32) {
	*m = protowire.AppendTag(*m, f, protowire.Fixed32Type)
	*m = protowire.AppendFixed32(*m, math.Float32bits(v))
}

// message writes an embedded message, even an empty one (a
// TensorShapeProto without dimensions is a scalar's shape, not an unknown
// one).
func (m *msg) message(f protowire.Number, sub msg) { m.bytes(f, sub) }

// packedInts writes a repeated int64 field packed.
func (m *msg) packedInts(f protowire.Number, vs []int64) {
	var b []byte
	for _, v := range vs {
		b = protowire.AppendVarint(b, uint64(v))
	}
	m.bytes(f, b)
}
