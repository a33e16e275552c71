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
	for _, name := range []string{"torch_mlp", "torch_cnn", "torch_two_inputs", "torch_rgb"} {
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
