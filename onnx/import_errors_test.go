package onnx

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tiny is a hand-made ONNX file: input "x" float[batch, 4] (or the dims
// given), the initializers and nodes given, output "y".
type tiny struct {
	opset   int64
	inDims  []int64 // per-sample
	inits   []msg
	nodes   []node
	outputs []string
}

func floatInit(name string, dims []int64, vals ...float32) msg {
	var t msg
	t.packedInts(tensorDims, dims)
	t.varint(tensorDataType, dataTypeFloat)
	t.str(tensorName, name)
	raw := make([]byte, 4*len(vals))
	for i, v := range vals {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	t.bytes(tensorRawData, raw)
	return t
}

// int64Init is a 1-D int64 initializer, as the export writes a Reshape's
// shape.
func int64Init(name string, vals ...int64) msg {
	e := &exporter{taken: map[string]bool{}}
	e.int64Initializer(name, vals)
	return e.initMsgs[0]
}

// normFile is a layer normalisation of x (4 features) written out in ops
// as PyTorch writes nn.LayerNorm below opset 17 (without γ and β), its
// output y, after edit (when not nil) changes its nodes; the initializers
// are the exponent "two" and "eps", 0.001.
func normFile(edit func([]node) []node) tiny {
	ns := []node{
		{op: "ReduceMean", name: "rm", in: []string{"x"}, out: []string{"m"}, attrs: []attr{intsAttr("axes", -1)}},
		{op: "Sub", name: "sub", in: []string{"x", "m"}, out: []string{"d"}},
		{op: "Pow", name: "pow", in: []string{"d", "two"}, out: []string{"s"}},
		{op: "ReduceMean", name: "rm2", in: []string{"s"}, out: []string{"v"}, attrs: []attr{intsAttr("axes", -1)}},
		{op: "Add", name: "add", in: []string{"v", "eps"}, out: []string{"e"}},
		{op: "Sqrt", name: "sqrt", in: []string{"e"}, out: []string{"r"}},
		{op: "Div", name: "div", in: []string{"d", "r"}, out: []string{"y"}},
	}
	if edit != nil {
		ns = edit(ns)
	}
	return tiny{inits: []msg{floatInit("two", nil, 2), floatInit("eps", nil, 0.001)}, nodes: ns}
}

func ones(n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

func (c tiny) bytes() []byte {
	if c.opset == 0 {
		c.opset = 13
	}
	if c.inDims == nil {
		c.inDims = []int64{4}
	}
	if c.outputs == nil {
		c.outputs = []string{"y"}
	}
	var g msg
	for _, n := range c.nodes {
		g.message(graphNode, encodeNode(n))
	}
	g.str(graphName, "tiny")
	for _, t := range c.inits {
		g.message(graphInitializer, t)
	}
	dims := make([]int, len(c.inDims))
	for i, d := range c.inDims {
		dims[i] = int(d)
	}
	g.message(graphInput, valueInfo("x", dims))
	for _, o := range c.outputs {
		var vi msg
		vi.str(valueInfoName, o)
		g.message(graphOutput, vi)
	}
	var m msg
	m.varint(modelIRVersion, 7)
	m.message(modelGraph, g)
	var set msg
	set.str(opsetDomain, "")
	set.varint(opsetVersion, c.opset)
	m.message(modelOpsetImport, set)
	return m
}

// layerNormNode is LayerNormalization of x with Scale "g" over axis, its
// outputs outs.
func layerNormNode(axis int, outs ...string) node {
	return node{op: "LayerNormalization", name: "ln", in: []string{"x", "g"}, out: outs, attrs: []attr{intAttr("axis", axis), floatAttr("epsilon", 1e-3)}}
}

func gemmNode(w string, attrs ...attr) node {
	return node{op: "Gemm", name: "fc", in: []string{"x", w}, out: []string{"y"}, attrs: attrs}
}

// TestImportErrors: files the import cannot map, or that are broken, are
// errors naming the file and, where there is one, the node and its op.
func TestImportErrors(t *testing.T) {
	w43 := floatInit("W", []int64{4, 3}, ones(12)...)
	fixture, err := os.ReadFile(filepath.Join("testdata", "torch_cnn.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	external := w43
	external.varint(tensorDataLocation, 1)
	huge := floatInit("W", []int64{1 << 31, 1 << 31, 1 << 31}, ones(2)...)
	for _, c := range []struct {
		name string
		file []byte
		want []string // in the message, beside "bad.onnx"
	}{
		{"ok", tiny{inits: []msg{w43}, nodes: []node{gemmNode("W")}}.bytes(), nil},
		{"empty", nil, []string{"no graph"}},
		{"garbage", []byte("this is not a protobuf at all"), []string{"malformed"}},
		{"truncated", fixture[:len(fixture)/2], []string{"malformed"}},
		{"truncated varint", []byte{0x08, 0xff}, []string{"malformed"}},
		{"unsupported op", tiny{nodes: []node{{op: "Selu", name: "selu_1", in: []string{"x"}, out: []string{"y"}}}}.bytes(),
			[]string{`node "selu_1" (Selu)`, "op Selu is not supported"}},
		{"elu alpha", tiny{nodes: []node{{op: "Elu", name: "elu_1", in: []string{"x"}, out: []string{"y"}, attrs: []attr{floatAttr("alpha", 0.5)}}}}.bytes(),
			[]string{`node "elu_1" (Elu)`, "alpha 0.5"}},
		{"leaky relu alpha", tiny{nodes: []node{{op: "LeakyRelu", name: "lr", in: []string{"x"}, out: []string{"y"}, attrs: []attr{floatAttr("alpha", 2)}}}}.bytes(),
			[]string{`node "lr" (LeakyRelu)`, "alpha 2"}},
		{"unknown attribute", tiny{inits: []msg{w43}, nodes: []node{gemmNode("W", intAttr("foo", 1))}}.bytes(),
			[]string{`node "fc" (Gemm)`, `attribute "foo"`}},
		{"transA", tiny{inits: []msg{w43}, nodes: []node{gemmNode("W", intAttr("transA", 1))}}.bytes(),
			[]string{`node "fc" (Gemm)`, "transA"}},
		{"shape mismatch", tiny{inits: []msg{floatInit("W", []int64{5, 3}, ones(15)...)}, nodes: []node{gemmNode("W")}}.bytes(),
			[]string{`node "fc" (Gemm)`, "dims [5 3] for 4 input features"}},
		{"external data", tiny{inits: []msg{external}, nodes: []node{gemmNode("W")}}.bytes(),
			[]string{"EXTERNAL"}},
		{"absurd dims", tiny{inits: []msg{huge}, nodes: []node{gemmNode("W")}}.bytes(),
			[]string{"more elements than its data holds"}},
		{"too few values", tiny{inits: []msg{floatInit("W", []int64{4, 3}, ones(11)...)}, nodes: []node{gemmNode("W")}}.bytes(),
			[]string{"dims [4 3]: more than 11 elements"}},
		{"undefined input", tiny{inits: []msg{w43}, nodes: []node{{op: "Relu", name: "r", in: []string{"h"}, out: []string{"y"}}, {op: "Gemm", name: "fc", in: []string{"x", "W"}, out: []string{"h"}}}}.bytes(),
			[]string{`node "r" (Relu)`, "not in topological order"}},
		{"old opset", tiny{opset: 7, inits: []msg{w43}, nodes: []node{gemmNode("W")}}.bytes(), []string{"opset 7"}},
		{"no output made", tiny{inits: []msg{w43}, nodes: []node{gemmNode("W")}, outputs: []string{"z"}}.bytes(),
			[]string{`output "z" is made by no node`}},
		{"conv pads", tiny{inDims: []int64{2, 6, 6}, inits: []msg{floatInit("K", []int64{3, 2, 3, 3}, ones(54)...)},
			nodes: []node{{op: "Conv", name: "conv", in: []string{"x", "K"}, out: []string{"y"}, attrs: []attr{intsAttr("pads", 2, 2, 2, 2)}}}}.bytes(),
			[]string{`node "conv" (Conv)`, "pads [2 2 2 2]"}},
		{"grouped conv", tiny{inDims: []int64{2, 6, 6}, inits: []msg{floatInit("K", []int64{2, 1, 3, 3}, ones(18)...)},
			nodes: []node{{op: "Conv", name: "conv", in: []string{"x", "K"}, out: []string{"y"}, attrs: []attr{intAttr("group", 2)}}}}.bytes(),
			[]string{`node "conv" (Conv)`}},
		{"huge input", tiny{inDims: []int64{1 << 20, 1 << 20}, inits: []msg{w43}, nodes: []node{gemmNode("W")}}.bytes(),
			[]string{`input "x"`, "elements"}},
		{"negative normalization scale", tiny{inits: []msg{floatInit("m", []int64{4}, ones(4)...), floatInit("d", []int64{4}, 1, -2, 1, 1)},
			nodes: []node{{op: "Sub", name: "centre", in: []string{"x", "m"}, out: []string{"h"}}, {op: "Div", name: "scale", in: []string{"h", "d"}, out: []string{"y"}}}}.bytes(),
			[]string{`node "scale" (Div)`, "a division by -2 (feature 1)"}},
		{"softmax axis", tiny{inDims: []int64{2, 3, 3}, nodes: []node{{op: "Softmax", name: "sm", in: []string{"x"}, out: []string{"y"}, attrs: []attr{intAttr("axis", 2)}}}}.bytes(),
			[]string{`node "sm" (Softmax)`, "axis 2"}},
		// LayerNormalization: the last axis alone, of a tensor whose last
		// axis is gradgraph's; its Mean and InvStdDev outputs unread.
		{"layernorm ok", tiny{opset: 17, inits: []msg{floatInit("g", []int64{4}, ones(4)...)}, nodes: []node{layerNormNode(-1, "y", "mean")}, outputs: []string{"y"}}.bytes(), nil},
		{"layernorm axis", tiny{opset: 17, inDims: []int64{2, 3}, inits: []msg{floatInit("g", []int64{3}, ones(3)...)}, nodes: []node{layerNormNode(1, "y")}}.bytes(),
			[]string{`node "ln" (LayerNormalization)`, "axis 1 of a tensor of rank 3"}},
		{"layernorm mean read", tiny{opset: 17, inits: []msg{floatInit("g", []int64{4}, ones(4)...)}, nodes: []node{layerNormNode(-1, "y", "mean")}, outputs: []string{"y", "mean"}}.bytes(),
			[]string{`node "ln" (LayerNormalization)`, `output "mean"`, "is read"}},
		{"layernorm inv std dev read", tiny{opset: 17, inits: []msg{floatInit("g", []int64{4}, ones(4)...)},
			nodes: []node{layerNormNode(-1, "y", "", "isd"), {op: "Relu", name: "r", in: []string{"isd"}, out: []string{"z"}}}}.bytes(),
			[]string{`node "ln" (LayerNormalization)`, `output "isd"`, "is read"}},
		{"layernorm before opset 17", tiny{inits: []msg{floatInit("g", []int64{4}, ones(4)...)}, nodes: []node{layerNormNode(-1, "y")}}.bytes(),
			[]string{`node "ln" (LayerNormalization)`, "opset 17 op"}},
		{"layernorm channels first", tiny{opset: 17, inDims: []int64{4, 3, 3}, inits: []msg{floatInit("g", []int64{4}, ones(4)...)}, nodes: []node{layerNormNode(-1, "y")}}.bytes(),
			[]string{`node "ln" (LayerNormalization)`, "channels first"}},
		{"layernorm scale size", tiny{opset: 17, inits: []msg{floatInit("g", []int64{3}, ones(3)...)}, nodes: []node{layerNormNode(-1, "y")}}.bytes(),
			[]string{`node "ln" (LayerNormalization)`, "Scale of dims [3] for 4 features"}},
		// The same written out in ops: only the whole sequence, each step
		// read by the next alone.
		{"layernorm written out", normFile(nil).bytes(), nil},
		{"mean read by another op", normFile(func(ns []node) []node {
			return []node{ns[0], {op: "Relu", name: "relu", in: []string{"m"}, out: []string{"y"}}}
		}).bytes(), []string{`node "relu" (Relu)`, `"m" is the mean of a layer normalisation written out in ops from node "rm"`}},
		{"mean as output", normFile(func(ns []node) []node { ns[0].out[0] = "y"; return ns[:1] }).bytes(),
			[]string{`output "y"`, `the mean of a layer normalisation written out in ops from node "rm"`}},
		{"mean keepdims 0", normFile(func(ns []node) []node { ns[0].attrs = append(ns[0].attrs, intAttr("keepdims", 0)); return ns }).bytes(),
			[]string{`node "rm" (ReduceMean)`, "keepdims 0"}},
		{"mean over the batch", normFile(func(ns []node) []node { ns[0].attrs = []attr{intsAttr("axes", 0)}; return ns }).bytes(),
			[]string{`node "rm" (ReduceMean)`, "axes [0]"}},
		{"axes attribute at opset 18", func() []byte { f := normFile(nil); f.opset = 18; return f.bytes() }(),
			[]string{`node "rm" (ReduceMean)`, "from opset 18 the axes are an input"}},
		{"mean subtracted from", normFile(func(ns []node) []node { ns[1].in = []string{"m", "x"}; return ns }).bytes(),
			[]string{`node "sub" (Sub)`, `"m" is the mean`}},
		{"cube", normFile(func(ns []node) []node { ns[2].in[1] = "eps"; return ns }).bytes(),
			[]string{`node "pow" (Pow)`, "exponent 2"}},
		{"deviation read elsewhere", normFile(func(ns []node) []node {
			return append(ns, node{op: "Relu", name: "relu", in: []string{"d"}, out: []string{"z"}})
		}).bytes(), []string{`node "pow" (Pow)`, `"d", the deviation from the mean`, "read 3 times", "reads it 2"}},
		{"epsilon 0", func() []byte {
			f := normFile(func(ns []node) []node { ns[4].in[1] = "zero"; return ns })
			f.inits = append(f.inits, floatInit("zero", []int64{1}, 0))
			return f.bytes()
		}(), []string{`node "add" (Add)`, "epsilon 0"}},
		{"sqrt alone", tiny{nodes: []node{{op: "Sqrt", name: "sqrt", in: []string{"x"}, out: []string{"y"}}}}.bytes(),
			[]string{`node "sqrt" (Sqrt)`, "only as a layer normalisation's standard deviation"}},
		{"no sqrt", normFile(func(ns []node) []node { ns[6].in[1] = "e"; return append(ns[:5], ns[6]) }).bytes(),
			[]string{`node "div" (Div)`, `"e" is the variance plus ε`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Import(bytes.NewReader(c.file), ImportOptions{Source: "bad.onnx"})
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil {
				t.Fatalf("%s: no error", c.name)
			}
			msg := err.Error()
			for _, w := range append(c.want, "bad.onnx") {
				if !strings.Contains(msg, w) {
					t.Errorf("%s: error %q does not say %q", c.name, msg, w)
				}
			}
		})
	}
}

// TestImportMaxBytes: a file larger than MaxBytes is refused before it is
// parsed.
func TestImportMaxBytes(t *testing.T) {
	b := tiny{inits: []msg{floatInit("W", []int64{4, 3}, ones(12)...)}, nodes: []node{gemmNode("W")}}.bytes()
	if _, err := Import(bytes.NewReader(b), ImportOptions{MaxBytes: int64(len(b))}); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	_, err := Import(bytes.NewReader(b), ImportOptions{MaxBytes: int64(len(b) - 1)})
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("over the limit: %v", err)
	}
}

// FuzzImport: no file makes Import panic, and what it returns is either
// a built model or an error. Seeded with the fixtures, a gradgraph export
// and the hand-made files above; `go test` runs the seeds only.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"torch_mlp", "torch_cnn", "torch_two_inputs", "torch_rgb", "torch_layernorm_opset13", "torch_layernorm_opset17"} {
		b, err := os.ReadFile(filepath.Join("testdata", name+".onnx"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(tiny{inits: []msg{floatInit("W", []int64{4, 3}, ones(12)...)}, nodes: []node{gemmNode("W")}}.bytes())
	for _, c := range layerCases()[:12] {
		f.Add(exportBytes(f, c.build(f), Options{}))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Import(bytes.NewReader(b), ImportOptions{MaxBytes: 1 << 20})
		if (m == nil) == (err == nil) {
			t.Fatalf("model %v and error %v", m != nil, err)
		}
		if m != nil && !m.Built() {
			t.Fatal("an imported model that is not built")
		}
	})
}
