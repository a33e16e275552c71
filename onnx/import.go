package onnx

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// DefaultMaxImportBytes is the largest file Import reads unless
// ImportOptions.MaxBytes says otherwise: 1 GiB, as a checkpoint's data
// section (train.MaxCheckpointElements float32 values). Weights live in
// the file, so their total size is bounded by it too.
const DefaultMaxImportBytes = 1 << 30

// MinImportOpset and MaxImportOpset bound the ai.onnx operator-set versions
// Import accepts: the ops it maps mean what it reads them as from opset 11
// (the first with Pad-free explicit pads everywhere and Reshape's
// allowzero absent) to 21.
const (
	MinImportOpset = 11
	MaxImportOpset = MaxOpset
)

// maxImportLayers bounds the layers an imported model may have: as many
// as a checkpoint may hold (train.MaxCheckpointLayers), so that what was
// imported can be saved.
const maxImportLayers = 1000

// maxInputElements bounds one input sample's elements (2^28, as a
// checkpoint's elements): a larger per-sample shape is refused, not left to
// fail when a batch is allocated.
const maxInputElements = 1 << 28

// ImportOptions tune Import.
type ImportOptions struct {
	// Name is the model's name; empty gives the graph's name, else "onnx".
	Name string
	// Source names the file in errors; ReadFile sets it to the path.
	Source string
	// MaxBytes is the largest file read; 0 means DefaultMaxImportBytes.
	MaxBytes int64
}

// ReadFile imports the ONNX file at path (see Import); errors name the
// file.
func ReadFile(path string) (*nn.Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errors.Wrap(err, "onnx: import")
	}
	defer f.Close()
	return Import(f, ImportOptions{Source: path})
}

// Import reads an ONNX model (a ModelProto) and returns it as a built
// gradgraph model, float32, with the file's weights: a functional model
// with the graph's inputs and outputs, the same names, per-sample shapes
// and a free batch dimension, whose layers are what the package
// documentation's table lists (a Gemm followed by a Relu becomes one
// Dense with a ReLU, a MatMul and an Add one Dense, and so on). Images are
// channels last in gradgraph: an input the file takes as (batch, C, H, W)
// becomes (H, W, C), its convolution kernels are transposed to match, and
// a Dense after a channels-first Flatten gets its rows permuted, so that
// the model computes what the file does on the same pixels.
//
// An op or attribute that cannot be mapped, a shape that does not agree,
// weights stored outside the file, a malformed or truncated protobuf and
// declared sizes beyond what the file holds are errors naming the node,
// its op and the file; reading is bounded by the file's size (at most
// MaxBytes) in time and memory.
func Import(r io.Reader, opt ImportOptions) (*nn.Model, error) {
	src := opt.Source
	if src == "" {
		src = "<reader>"
	}
	max := opt.MaxBytes
	if max <= 0 {
		max = DefaultMaxImportBytes
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, max+1))
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: import %s", src)
	}
	if n > max {
		return nil, errors.Errorf("onnx: import %s: larger than %d bytes", src, max)
	}
	pb, err := decodeModel(buf.Bytes())
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: import %s: malformed ONNX protobuf", src)
	}
	name := opt.Name
	if name == "" {
		name = sanitize(pb.graph.name)
	}
	if name == "" {
		name = "onnx"
	}
	m, err := build(pb, name)
	if err != nil {
		return nil, errors.Wrapf(err, "onnx: import %s", src)
	}
	return m, nil
}

// BaseName is a file's base name without its extension: the name a
// server gives the model in it.
func BaseName(path string) string {
	b := filepath.Base(path)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// sanitize makes s a layer or model name: letters, digits, '_', '.' and
// '-' kept, anything else '_', leading and trailing '_' dropped.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		ok := c == '_' || c == '.' || c == '-' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
		if !ok {
			b[i] = '_'
		}
	}
	return strings.Trim(string(b), "_")
}

// build maps the decoded graph to a model.
func build(pb *pbModel, name string) (*nn.Model, error) {
	opset, ok := pb.opsets[""]
	if v, ok2 := pb.opsets["ai.onnx"]; ok2 && !ok {
		opset, ok = v, true
	}
	if !ok {
		return nil, errors.New("no ai.onnx opset_import")
	}
	if opset < MinImportOpset || opset > MaxImportOpset {
		return nil, errors.Errorf("opset %d, the import reads %d to %d", opset, MinImportOpset, MaxImportOpset)
	}
	im := &importer{
		pb:      pb,
		opset:   opset,
		vals:    map[string]*val{},
		uses:    map[string]int{},
		shared:  map[string]int{},
		layerOf: map[*nn.Tensor]nn.Layer{},
		taken:   map[string]bool{},
		named:   pb.producer == "gradgraph",
	}
	return im.run(name)
}

// val is an ONNX tensor of the graph as the import holds it: a constant
// (an initializer or a Constant node's value), or a gradgraph tensor seen
// through the layout the file has it in.
type val struct {
	name string
	c    *constant

	t   *nn.Tensor
	lay layout
	// squeezed: the file's tensor is (C, 1, 1) per sample where
	// gradgraph's is (C): a global pooling's output before its Flatten.
	squeezed bool
	// perm, for a flat tensor flattened from a channels-first image:
	// the file's element j is gradgraph's element perm.at(j).
	perm *flatPerm
	// prod is the layer that made t while it can still absorb what
	// follows (an activation, a bias, an offset): nil once it cannot.
	prod *producer
	// merge is a merge not called yet, so that a chain of Adds and a
	// division by their count become one Add or Average.
	merge *pendingMerge
	// norm, for a step of a layer normalisation written out in ops (a
	// mean, a deviation...), is which step of which: such a tensor has no
	// gradgraph tensor, only the Div ending the sequence makes one.
	norm *normStep
}

// producer is a layer made by the import and the weights it gets once
// the model is built.
type producer struct {
	layer  nn.Layer
	kernel []float32 // Dense: (in, units); Conv2D: (kh, kw, cin, filters)
	bias   []float32 // nil for none (Conv2D without a bias)
	bn     [4][]float32
	gamma  []float32 // LayerNormalization's γ and β, nil for none
	beta   []float32
	shared bool // called more than once: never fused with what follows
}

type pendingMerge struct {
	kind string // Add, Average, Maximum, Multiply, Subtract
	ins  []*val
	name string     // the layer's name, when the file gives one
	t    *nn.Tensor // once called
}

type constant struct {
	dims  []int64
	f     []float32
	i     []int64
	isInt bool
}

// onnxRank is the rank the file gives v, the batch dimension included.
func (v *val) onnxRank() int {
	r := 1 + len(v.tShape())
	if v.squeezed {
		r += 2
	}
	return r
}

type importer struct {
	pb       *pbModel
	opset    int64
	vals     map[string]*val
	uses     map[string]int // how many node inputs and graph outputs read each tensor
	shared   map[string]int // how many Gemm, MatMul and Conv nodes read each weight
	prods    []*producer
	layerOf  map[*nn.Tensor]nn.Layer
	taken    map[string]bool // layer and input names given
	named    bool            // a gradgraph file: layers keep their names
	node     *pbNode         // the node being mapped
	layers   int
	sharedBy map[string]*producer // layers of weights read by several nodes, by node and weights
}

func (im *importer) run(name string) (*nn.Model, error) {
	g := &im.pb.graph
	for _, t := range g.inits {
		if t.name == "" {
			return nil, errors.New("an initializer has no name")
		}
		if _, dup := im.vals[t.name]; dup {
			return nil, errors.Errorf("two initializers are named %q", t.name)
		}
		c, err := constantOf(t)
		if err != nil {
			return nil, errors.Wrap(err, "initializer")
		}
		im.vals[t.name] = &val{name: t.name, c: c}
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		for _, in := range n.in {
			if in != "" {
				im.uses[in]++
			}
		}
		switch n.op {
		case "Gemm", "MatMul", "Conv":
			if len(n.in) > 1 {
				im.shared[n.in[1]]++
			}
		}
	}
	for _, o := range g.outputs {
		im.uses[o.name]++
	}
	var inputs []*nn.Tensor
	for _, vi := range g.inputs {
		if v, ok := im.vals[vi.name]; ok && v.c != nil {
			continue // an initializer listed as an input, as IR < 4 requires
		}
		t, lay, err := im.input(vi)
		if err != nil {
			return nil, errors.Wrapf(err, "input %q", vi.name)
		}
		im.vals[vi.name] = &val{name: vi.name, t: t, lay: lay}
		inputs = append(inputs, t)
	}
	if len(inputs) == 0 {
		return nil, errors.New("the graph has no inputs")
	}
	for i := range g.nodes {
		n := &g.nodes[i]
		im.node = n
		if err := im.mapNode(n); err != nil {
			return nil, errors.Wrapf(err, "node %q (%s)", n.name, n.op)
		}
		if im.layers > maxImportLayers {
			return nil, errors.Errorf("more than %d layers", maxImportLayers)
		}
	}
	im.node = nil
	if len(g.outputs) == 0 {
		return nil, errors.New("the graph has no outputs")
	}
	var outputs []*nn.Tensor
	for _, o := range g.outputs {
		v, ok := im.vals[o.name]
		if !ok {
			return nil, errors.Errorf("output %q is made by no node", o.name)
		}
		if v.c != nil {
			return nil, errors.Errorf("output %q is a constant", o.name)
		}
		if v.perm != nil {
			return nil, errors.Errorf("output %q is a channels-first image flattened, whose order gradgraph's channels-last tensors do not have", o.name)
		}
		t, err := im.tensor(v)
		if err != nil {
			return nil, errors.Wrapf(err, "output %q", o.name)
		}
		if err := checkOutput(o, v); err != nil {
			return nil, errors.Wrapf(err, "output %q", o.name)
		}
		// The layer making an output takes the output's name, so that
		// the model's output names are the file's. An output that is an
		// input passes through a linear Activation (the identity) to get
		// a name of its own, and so does one whose layer has another
		// name already (a Dense named in the file, then a linear
		// Activation layer exported as nothing).
		s := sanitize(o.name)
		if l := im.layerOf[t]; l != nil && l.Name() == "" && s != "" && !im.taken[s] {
			l.SetName(s)
			im.taken[s] = true
		} else if (l == nil || l.Name() != s) && s != "" && !im.taken[s] {
			if t, err = im.call(nn.Act(nn.Linear), s, v); err != nil {
				return nil, errors.Wrapf(err, "output %q", o.name)
			}
		}
		outputs = append(outputs, t)
	}
	m, err := nn.NewModel(name, inputs, outputs)
	if err != nil {
		return nil, err
	}
	if err := m.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return nil, err
	}
	for _, p := range im.prods {
		if err := p.setWeights(); err != nil {
			return nil, errors.Wrapf(err, "layer %q", p.layer.Name())
		}
	}
	return m, nil
}

// checkOutput compares an output's declared shape, where the file gives
// one, with the tensor's.
func checkOutput(o pbValueInfo, v *val) error {
	if !o.hasShape || len(o.dims) == 0 {
		return nil
	}
	want := v.onnxShape()
	if len(o.dims) != len(want)+1 {
		return errors.Errorf("declared with %d dimensions, computed %d (batch, %v)", len(o.dims), len(want)+1, want)
	}
	for i, d := range o.dims[1:] {
		if d.known && d.value != int64(want[i]) {
			return errors.Errorf("declared per-sample shape %v, computed %v", dimsOf(o.dims[1:]), want)
		}
	}
	return nil
}

func dimsOf(ds []pbDim) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		if d.known {
			out[i] = strconv.FormatInt(d.value, 10)
		} else {
			out[i] = "?"
		}
	}
	return out
}

// onnxShape is v's per-sample shape as the file has it.
func (v *val) onnxShape() []int {
	s := v.tShape()
	if v.squeezed {
		return append(s, 1, 1)
	}
	if v.lay == channelsFirst && len(s) >= 2 {
		r := len(s)
		return append([]int{s[r-1]}, s[:r-1]...)
	}
	return s
}

// input makes a graph input's tensor. A 4-D input is an image: channels
// first, as ONNX's Conv takes it, unless every node reading it is a
// Transpose to channels first or the file's metadata says its layout is
// channels_last (as gradgraph's own files have it).
func (im *importer) input(vi pbValueInfo) (*nn.Tensor, layout, error) {
	if vi.elemType != dataTypeFloat {
		return nil, 0, errors.Errorf("element type %d, want float (1)", vi.elemType)
	}
	if !vi.hasShape || len(vi.dims) < 2 {
		return nil, 0, errors.Errorf("shape of %d dimensions, want a batch and at least one more", len(vi.dims))
	}
	shape := make([]int, 0, len(vi.dims)-1)
	for i, d := range vi.dims[1:] {
		if !d.known || d.value <= 0 {
			return nil, 0, errors.Errorf("dimension %d is not a fixed positive size (only the batch may be free)", i+1)
		}
		if d.value > maxInputElements {
			return nil, 0, errors.Errorf("dimension %d is %d, more than %d", i+1, d.value, maxInputElements)
		}
		shape = append(shape, int(d.value))
	}
	if _, err := elements(toInt64(shape), maxInputElements); err != nil {
		return nil, 0, err
	}
	lay := channelsLast
	if len(shape) == 3 && im.pb.metadata["layout"] != "channels_last" && !im.allTransposedFirst(vi.name) {
		lay = channelsFirst
		shape = []int{shape[1], shape[2], shape[0]}
	}
	name := vi.name
	if im.taken[name] {
		return nil, 0, errors.New("two inputs of that name")
	}
	im.taken[name] = true
	return nn.Input(name, shape...), lay, nil
}

// allTransposedFirst reports whether every node reading the tensor is a
// Transpose with perm (0, 3, 1, 2): channels last to channels first.
func (im *importer) allTransposedFirst(name string) bool {
	any := false
	for i := range im.pb.graph.nodes {
		n := &im.pb.graph.nodes[i]
		for _, in := range n.in {
			if in != name {
				continue
			}
			p, ok := n.attr("perm")
			if n.op != "Transpose" || !ok || !equal64(p.ints, 0, 3, 1, 2) {
				return false
			}
			any = true
		}
	}
	return any
}

func toInt64(s []int) []int64 {
	out := make([]int64, len(s))
	for i, v := range s {
		out[i] = int64(v)
	}
	return out
}

func equal64(a []int64, b ...int64) bool { return slices.Equal(a, b) }

// constantOf reads an initializer or a Constant's tensor.
func constantOf(t *pbTensor) (*constant, error) {
	switch t.dataType {
	case dataTypeFloat, dataTypeDouble:
		f, err := t.floatData()
		if err != nil {
			return nil, err
		}
		return &constant{dims: t.dims, f: f}, nil
	case dataTypeInt64, dataTypeInt32:
		i, err := t.intData()
		if err != nil {
			return nil, err
		}
		return &constant{dims: t.dims, i: i, isInt: true}, nil
	}
	if t.external {
		return nil, errors.Errorf("tensor %q: its data is stored outside the file (data_location EXTERNAL), which the import does not read", t.name)
	}
	return nil, errors.Errorf("tensor %q: data type %d, want float, double, int64 or int32", t.name, t.dataType)
}

// setWeights copies the file's weights into the built layer's params.
func (p *producer) setWeights() error {
	set := func(q *graph.Param, v []float32) error {
		if q == nil || q.Value == nil {
			return errors.New("a param is missing")
		}
		d, ok := q.Value.Data().([]float32)
		if !ok {
			return errors.Errorf("param %q is not float32", q.Name)
		}
		if len(d) != len(v) {
			return errors.Errorf("param %q has %d values, the file %d", q.Name, len(d), len(v))
		}
		copy(d, v)
		return nil
	}
	switch l := p.layer.(type) {
	case *nn.DenseLayer:
		if err := set(l.Kernel, p.kernel); err != nil {
			return err
		}
		return set(l.Bias, p.bias)
	case *nn.Conv2DLayer:
		if err := set(l.Kernel, p.kernel); err != nil {
			return err
		}
		if p.bias != nil {
			return set(l.Bias, p.bias)
		}
	case *nn.BatchNormLayer:
		for i, q := range []*graph.Param{l.Gamma, l.Beta, l.MovingMean, l.MovingVariance} {
			if err := set(q, p.bn[i]); err != nil {
				return err
			}
		}
	case *nn.LayerNormalizationLayer:
		if l.Scale {
			if err := set(l.Gamma, p.gamma); err != nil {
				return err
			}
		}
		if l.Center {
			return set(l.Beta, p.beta)
		}
	}
	return nil
}

// attr returns the node's attribute called name.
func (n *pbNode) attr(name string) (*pbAttr, bool) {
	for i := range n.attrs {
		if n.attrs[i].name == name {
			return &n.attrs[i], true
		}
	}
	return nil, false
}
