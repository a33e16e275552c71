package onnx

import (
	"encoding/binary"
	"io"
	"math"
	"runtime/debug"
	"strconv"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/internal/atomicfile"
	"github.com/gradgraph/gradgraph/nn"
)

// Version is gradgraph's version as written in the files' producer_version
// and metadata when the build does not know a better one: gradgraph has no
// release yet. A program that imports gradgraph as a module of a tagged
// version writes that version instead (runtime/debug.ReadBuildInfo).
const Version = "0.0.0-devel"

// modulePath is gradgraph's module, looked up in the build information.
const modulePath = "github.com/gradgraph/gradgraph"

// DefaultOpset is the ai.onnx operator-set version files declare unless
// Options.Opset asks for another; MaxOpset is the newest accepted. Every op
// this package writes has the same meaning for its use from 13 through 21;
// the one layer written differently by opset is LayerNormalization (its own
// op from 17, the ops it is made of below).
const (
	DefaultOpset = 13
	MaxOpset     = 21
)

// Options tune Export.
type Options struct {
	// Opset is the ai.onnx operator-set version the file declares, from
	// DefaultOpset (13, also the meaning of 0) to MaxOpset (21). The file's
	// IR version follows it (7 for opsets 13 and 14, 8 for 15–18, 9 for 19
	// and 20, 10 for 21), so that older readers accept older opsets.
	Opset int
	// DocString is the model's doc_string; empty gives the model's Summary.
	DocString string
}

// irVersion is the IR version that goes with an opset: the one of the ONNX
// release that introduced the opset.
func irVersion(opset int) int64 {
	switch {
	case opset <= 14:
		return 7
	case opset <= 18:
		return 8
	case opset <= 20:
		return 9
	}
	return 10
}

// producerVersion is gradgraph's module version when the build knows it,
// else Version.
func producerVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Version
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" && d.Version != "(devel)" {
			return d.Version
		}
	}
	return Version
}

// ExportFile writes the model to path as Export does, atomically: a crash
// or an error leaves any previous file at path as it was.
func ExportFile(path string, m *nn.Model, opt Options) error {
	b, err := encode(m, opt)
	if err != nil {
		return err
	}
	return errors.Wrap(atomicfile.WriteBytes(path, b), "onnx")
}

// Export writes the built model as an ONNX model (a ModelProto) to w.
//
// The graph's inputs and outputs are named as the model's (InputNames,
// OutputNames) and shaped as its per-sample shapes, channels last as in
// gradgraph, after a free batch dimension named "batch". Weights are
// initializers of type float; a float64 model is converted to float32
// (each weight rounded to the nearest float32), so its file computes in
// float32. BatchNormalization is exported in inference form: its moving
// statistics. Dropout is the identity, as in inference.
//
// Convolutions and poolings run in ONNX's channels-first layout (NCHW);
// every tensor is transposed to it, or back to channels last, only where a
// consumer needs the other layout (a convolution after an input, a Flatten
// or a Dense after a convolution, an output), once per tensor.
//
// A layer outside the supported set (see the package documentation) is an
// error naming it, and nothing is written.
func Export(m *nn.Model, w io.Writer, opt Options) error {
	b, err := encode(m, opt)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return errors.Wrap(err, "onnx: write")
}

// encode returns the model as an ONNX file's bytes.
func encode(m *nn.Model, opt Options) ([]byte, error) {
	if m == nil {
		return nil, errors.New("onnx: model is nil")
	}
	opset := opt.Opset
	if opset == 0 {
		opset = DefaultOpset
	}
	if opset < DefaultOpset || opset > MaxOpset {
		return nil, errors.Errorf("onnx: model %q: opset %d, want %d..%d", m.Name, opt.Opset, DefaultOpset, MaxOpset)
	}
	if !m.Built() {
		return nil, errors.Errorf("onnx: model %q: not built", m.Name)
	}
	e := &exporter{m: m, opset: opset, taken: map[string]bool{}, inits: map[initKey]string{}}
	g, err := e.graph()
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: model %q", m.Name)
	}
	doc := opt.DocString
	if doc == "" {
		doc = m.Summary()
	}
	version := producerVersion()
	var model msg
	model.varint(modelIRVersion, irVersion(opset))
	model.str(modelProducerName, "gradgraph")
	model.str(modelProducerVersion, version)
	model.str(modelDocString, doc)
	model.message(modelGraph, g)
	var set msg
	set.str(opsetDomain, "")
	set.varint(opsetVersion, int64(opset))
	model.message(modelOpsetImport, set)
	for _, kv := range [][2]string{{"model_name", m.Name}, {"gradgraph_version", version}, {"source_dtype", m.DType().String()}, {"layout", "channels_last"}} {
		var entry msg
		entry.str(entryKey, kv[0])
		entry.str(entryValue, kv[1])
		model.message(modelMetadataProps, entry)
	}
	return model, nil
}

// layout is how a tensor's per-sample axes are ordered in the ONNX graph:
// as in gradgraph (channels last) or with the channels (the last
// per-sample axis) moved to the front, as ONNX's Conv, MaxPool, the
// global poolings and BatchNormalization want them.
type layout int

const (
	channelsLast layout = iota
	channelsFirst
)

// value is a tensor of the model in the ONNX graph: its per-sample shape
// in gradgraph's order, and the ONNX names holding it in each layout made
// so far ("" for one not made yet). Below rank 2 the layouts coincide.
type value struct {
	shape  []int
	names  [2]string
	native layout // the layout it was made in
}

// node is one NodeProto.
type node struct {
	op, name string
	in, out  []string
	attrs    []attr
}

// attr is one AttributeProto: an int, a float or a list of ints.
type attr struct {
	name string
	typ  int
	i    int64
	f    float32
	ints []int64
}

func intAttr(name string, v int) attr { return attr{name: name, typ: attrTypeInt, i: int64(v)} }
func floatAttr(name string, v float32) attr {
	return attr{name: name, typ: attrTypeFloat, f: v}
}
func intsAttr(name string, vs ...int) attr {
	a := attr{name: name, typ: attrTypeInts}
	for _, v := range vs {
		a.ints = append(a.ints, int64(v))
	}
	return a
}

// initKey identifies an initializer made from a param in one form (a
// convolution kernel is stored transposed), so that a layer called twice
// stores its weights once.
type initKey struct {
	p    *graph.Param
	form string
}

// exporter builds one model's graph.
type exporter struct {
	m        *nn.Model
	opset    int // the file's ai.onnx opset: which ops a layer may use
	nodes    []node
	inits    map[initKey]string
	initMsgs []msg
	taken    map[string]bool // tensor and node names in use
	depth    int             // models being run, the outer one included
}

// fresh returns a name not used yet, base itself if free.
func (e *exporter) fresh(base string) string {
	name := base
	for k := 1; e.taken[name]; k++ {
		name = base + "_" + strconv.Itoa(k)
	}
	e.taken[name] = true
	return name
}

// add appends a node of one output named after base and returns the
// output's name.
func (e *exporter) add(op, base string, in []string, attrs ...attr) string {
	out := e.fresh(base)
	e.nodes = append(e.nodes, node{op: op, name: e.fresh(base + "/" + op), in: in, out: []string{out}, attrs: attrs})
	return out
}

// initializer stores data of shape dims as a float initializer named name
// (made unique) and returns its name; key, when its param is set, makes a
// second request for the same param and form return the first name.
func (e *exporter) initializer(key initKey, name string, dims []int, data []float32) string {
	if key.p != nil {
		if n, ok := e.inits[key]; ok {
			return n
		}
	}
	name = e.fresh(name)
	if key.p != nil {
		e.inits[key] = name
	}
	var t msg
	d := make([]int64, len(dims))
	for i, v := range dims {
		d[i] = int64(v)
	}
	t.packedInts(tensorDims, d)
	t.varint(tensorDataType, dataTypeFloat)
	t.str(tensorName, name)
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	t.bytes(tensorRawData, raw)
	e.initMsgs = append(e.initMsgs, t)
	return name
}

// int64Initializer stores a 1-D int64 initializer (a Reshape's shape).
func (e *exporter) int64Initializer(name string, data []int64) string {
	name = e.fresh(name)
	var t msg
	t.packedInts(tensorDims, []int64{int64(len(data))})
	t.varint(tensorDataType, dataTypeInt64)
	t.str(tensorName, name)
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	t.bytes(tensorRawData, raw)
	e.initMsgs = append(e.initMsgs, t)
	return name
}

// param stores a param's values, as float32, with the given dims (the
// same number of elements) and returns the initializer's name.
func (e *exporter) param(p *graph.Param, dims ...int) (string, error) {
	if p == nil || p.Value == nil {
		return "", errors.New("a param is missing (layer not built)")
	}
	if err := sameSize(p, dims); err != nil {
		return "", err
	}
	return e.initializer(initKey{p: p, form: "plain"}, p.Name, dims, float32s(p)), nil
}

func sameSize(p *graph.Param, dims []int) error {
	n := 1
	for _, d := range dims {
		n *= d
	}
	if p.Size() != n {
		return errors.Errorf("param %q has %d values, want %d (shape %v)", p.Name, p.Size(), n, dims)
	}
	return nil
}

// float32s are a param's values as float32, rounded to nearest from a
// float64 model's.
func float32s(p *graph.Param) []float32 {
	if v, ok := p.Value.Data().([]float32); ok {
		return append([]float32(nil), v...)
	}
	f := p.Float64s()
	out := make([]float32, len(f))
	for i, x := range f {
		out[i] = float32(x)
	}
	return out
}

// get returns v's name in layout l, adding a Transpose from the layout it
// has when it has not been made in l yet.
func (e *exporter) get(v *value, l layout) string {
	if len(v.shape) < 2 {
		return v.names[channelsLast]
	}
	if v.names[l] != "" {
		return v.names[l]
	}
	from := v.names[1-l]
	r := len(v.shape)
	perm := make([]int, r+1)
	base := from
	if l == channelsFirst {
		// (batch, d1.., c) → (batch, c, d1..)
		perm[1] = r
		for i := 2; i <= r; i++ {
			perm[i] = i - 1
		}
		base += "/nchw"
	} else {
		// (batch, c, d1..) → (batch, d1.., c)
		for i := 1; i < r; i++ {
			perm[i] = i + 1
		}
		perm[r] = 1
		base += "/nhwc"
	}
	v.names[l] = e.add("Transpose", base, []string{from}, intsAttr("perm", perm...))
	return v.names[l]
}

// newValue is a value made in layout l under name.
func newValue(shape []int, l layout, name string) *value {
	v := &value{shape: append([]int(nil), shape...), native: l}
	if len(shape) < 2 {
		v.names = [2]string{name, name}
		v.native = channelsLast
	} else {
		v.names[l] = name
	}
	return v
}

// graph builds the GraphProto.
func (e *exporter) graph() (msg, error) {
	m := e.m
	inNames, inShapes := m.InputNames(), m.InputShapes()
	outNames, outShapes := m.OutputNames(), m.OutputShapes()
	// The inputs' and outputs' names are the model's: reserved before any
	// tensor inside the graph is named.
	for i, name := range outNames {
		if name == "" {
			return nil, errors.Errorf("output %d has no name", i)
		}
		if e.taken[name] {
			return nil, errors.Errorf("two outputs are named %q", name)
		}
		e.taken[name] = true
	}
	var g msg
	ins := make([]*value, len(inNames))
	for i, name := range inNames {
		switch {
		case name == "":
			return nil, errors.Errorf("input %d has no name", i)
		case e.taken[name]:
			return nil, errors.Errorf("input %d is named %q, as another input or an output", i, name)
		}
		e.taken[name] = true
		ins[i] = newValue(inShapes[i], channelsLast, name)
		g.message(graphInput, valueInfo(name, inShapes[i]))
	}
	outs, err := e.run(m, ins)
	if err != nil {
		return nil, err
	}
	if len(outNames) != len(outs) {
		return nil, errors.Errorf("%d output names for %d outputs", len(outNames), len(outs))
	}
	isInput := map[string]bool{}
	for _, n := range inNames {
		isInput[n] = true
	}
	// Each output's tensor is renamed to the output's name, or copied to
	// it by an Identity when it is an input or another output already.
	rename := map[string]string{}
	for i, v := range outs {
		name := outNames[i]
		src := e.get(v, channelsLast)
		if _, renamed := rename[src]; renamed || isInput[src] {
			e.nodes = append(e.nodes, node{op: "Identity", name: e.fresh(name + "/Identity"), in: []string{src}, out: []string{name}})
		} else {
			rename[src] = name
		}
		g.message(graphOutput, valueInfo(name, outShapes[i]))
	}
	for i := range e.nodes {
		n := &e.nodes[i]
		for j, s := range n.in {
			if r, ok := rename[s]; ok {
				n.in[j] = r
			}
		}
		for j, s := range n.out {
			if r, ok := rename[s]; ok {
				n.out[j] = r
			}
		}
	}
	var out msg
	for _, n := range e.nodes {
		out.message(graphNode, encodeNode(n))
	}
	out.str(graphName, m.Name)
	for _, t := range e.initMsgs {
		out.message(graphInitializer, t)
	}
	return append(out, g...), nil
}

// maxNesting bounds how deep models called as layers may nest.
const maxNesting = 16

// run adds the calls of model m on the values ins (one per input) and
// returns the values of its outputs. A model called as a layer is run
// inside the graph of the model calling it (its nodes inlined, its weights
// shared).
func (e *exporter) run(m *nn.Model, ins []*value) ([]*value, error) {
	if e.depth >= maxNesting {
		return nil, errors.Errorf("models called as layers nest deeper than %d", maxNesting)
	}
	e.depth++
	defer func() { e.depth-- }()
	for _, l := range m.Layers {
		if err := supported(l); err != nil {
			return nil, err
		}
	}
	if !m.Built() {
		return nil, errors.Errorf("model %q: not built", m.Name)
	}
	infos, err := m.Describe()
	if err != nil {
		return nil, err
	}
	outShape := map[string][]int{}
	for _, li := range infos {
		outShape[li.Name] = li.Output
	}
	byName := map[string]nn.Layer{}
	for _, l := range m.Layers {
		byName[l.Name()] = l
	}
	inNames, inShapes := m.InputNames(), m.InputShapes()
	if len(ins) != len(inNames) {
		return nil, errors.Errorf("model %q: called on %d inputs, it takes %d", m.Name, len(ins), len(inNames))
	}
	vals := map[nn.TensorRef]*value{}
	for i, name := range inNames {
		if !equal(ins[i].shape, inShapes[i]) {
			return nil, errors.Errorf("model %q: input %q has shape %v, the model takes %v", m.Name, name, ins[i].shape, inShapes[i])
		}
		vals[nn.TensorRef{Name: name}] = ins[i]
	}
	calls, outRefs, err := calls(m)
	if err != nil {
		return nil, err
	}
	count := map[string]int{}
	for i, c := range calls {
		l, ok := byName[c.Layer]
		if !ok {
			return nil, errors.Errorf("call %d is of layer %q, which the model does not list", i, c.Layer)
		}
		ins := make([]*value, len(c.Inputs))
		for j, r := range c.Inputs {
			if ins[j] = vals[r]; ins[j] == nil {
				return nil, errors.Errorf("call %d (%q) takes %s, which nothing before it makes", i, c.Layer, r)
			}
		}
		v, err := e.layer(l, ins)
		if err != nil {
			return nil, errors.Wrapf(err, "layer %q (%s)", l.Name(), l.Type())
		}
		if want, ok := outShape[l.Name()]; ok && !equal(want, v.shape) {
			return nil, errors.Errorf("layer %q (%s): exported output shape %v, the model says %v", l.Name(), l.Type(), v.shape, want)
		}
		k := count[c.Layer]
		count[c.Layer]++
		vals[nn.TensorRef{Name: c.Layer, Call: k}] = v
	}
	outShapes := m.OutputShapes()
	if len(outShapes) != len(outRefs) {
		return nil, errors.Errorf("model %q: %d output shapes for %d outputs", m.Name, len(outShapes), len(outRefs))
	}
	outs := make([]*value, len(outRefs))
	for i, r := range outRefs {
		v := vals[r]
		switch {
		case v == nil:
			return nil, errors.Errorf("model %q: output %d (%s) is made by nothing", m.Name, i, r)
		case !equal(v.shape, outShapes[i]):
			return nil, errors.Errorf("model %q: output %d: exported shape %v, the model says %v", m.Name, i, v.shape, outShapes[i])
		}
		outs[i] = v
	}
	return outs, nil
}

// calls lists the model's layer calls in order, each with the tensors it
// takes, and the model's outputs. A Sequential's are implied by its layers.
func calls(m *nn.Model) ([]nn.NodeConfig, []nn.TensorRef, error) {
	if !m.Functional() {
		prev := nn.TensorRef{Name: m.InputNames()[0]}
		var calls []nn.NodeConfig
		for _, l := range m.Layers {
			calls = append(calls, nn.NodeConfig{Layer: l.Name(), Inputs: []nn.TensorRef{prev}})
			prev = nn.TensorRef{Name: l.Name()}
		}
		return calls, []nn.TensorRef{prev}, nil
	}
	c, err := m.Config()
	if err != nil {
		return nil, nil, err
	}
	return c.Nodes, c.Outputs, nil
}

func equal(a, b []int) bool {
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

// valueInfo is a graph input's or output's ValueInfoProto: float, of shape
// (batch, shape...).
func valueInfo(name string, shape []int) msg {
	var shp msg
	var d msg
	d.str(dimParam, "batch")
	shp.message(shapeDim, d)
	for _, n := range shape {
		var d msg
		d.varint(dimValue, int64(n))
		shp.message(shapeDim, d)
	}
	var tt msg
	tt.varint(tensorTypeElemType, dataTypeFloat)
	tt.message(tensorTypeShape, shp)
	var typ msg
	typ.message(typeTensorType, tt)
	var vi msg
	vi.str(valueInfoName, name)
	vi.message(valueInfoType, typ)
	return vi
}

func encodeNode(n node) msg {
	var b msg
	for _, s := range n.in {
		b.str(nodeInput, s)
	}
	for _, s := range n.out {
		b.str(nodeOutput, s)
	}
	b.str(nodeName, n.name)
	b.str(nodeOpType, n.op)
	for _, a := range n.attrs {
		var am msg
		am.str(attrName, a.name)
		switch a.typ {
		case attrTypeInt:
			am.varint(attrI, a.i)
		case attrTypeFloat:
			am.float(attrF, a.f)
		case attrTypeInts:
			am.packedInts(attrInts, a.ints)
		}
		am.varint(attrType, int64(a.typ))
		b.message(nodeAttribute, am)
	}
	return b
}
