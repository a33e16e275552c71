package onnx

import (
	"bytes"
	"math"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pkg/errors"
	"google.golang.org/protobuf/encoding/protowire"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx/onnxtest"
	"github.com/gradgraph/gradgraph/train"
)

// fields is a decoded protobuf message: each field number's raw values
// (varints as uint64, fixed32 as uint32, bytes as []byte), in order.
type fields map[protowire.Number][]any

func parse(t testing.TB, b []byte) fields {
	t.Helper()
	f := fields{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			t.Fatalf("bad tag: %v", protowire.ParseError(n))
		}
		b = b[n:]
		var v any
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.Fixed32Type:
			v, n = protowire.ConsumeFixed32(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			t.Fatalf("field %d: unexpected wire type %d", num, typ)
		}
		if n < 0 {
			t.Fatalf("field %d: %v", num, protowire.ParseError(n))
		}
		b = b[n:]
		f[num] = append(f[num], v)
	}
	return f
}

func (f fields) str(num protowire.Number) string {
	if len(f[num]) == 0 {
		return ""
	}
	return string(f[num][0].([]byte))
}

func (f fields) strs(num protowire.Number) []string {
	var out []string
	for _, v := range f[num] {
		out = append(out, string(v.([]byte)))
	}
	return out
}

func (f fields) int(num protowire.Number) int64 {
	if len(f[num]) == 0 {
		return -1
	}
	return int64(f[num][0].(uint64))
}

func (f fields) msgs(t testing.TB, num protowire.Number) []fields {
	var out []fields
	for _, v := range f[num] {
		out = append(out, parse(t, v.([]byte)))
	}
	return out
}

// packed decodes a packed repeated int64 field.
func (f fields) packed(t testing.TB, num protowire.Number) []int64 {
	var out []int64
	for _, v := range f[num] {
		b := v.([]byte)
		for len(b) > 0 {
			x, n := protowire.ConsumeVarint(b)
			if n < 0 {
				t.Fatal("bad packed varint")
			}
			out, b = append(out, int64(x)), b[n:]
		}
	}
	return out
}

// dims prints a ValueInfoProto's type as "float[batch,28,28,1]".
func dims(t testing.TB, vi fields) string {
	typ := vi.msgs(t, valueInfoType)[0].msgs(t, typeTensorType)[0]
	var s []string
	for _, d := range typ.msgs(t, tensorTypeShape)[0].msgs(t, shapeDim) {
		if p := d.str(dimParam); p != "" {
			s = append(s, p)
		} else {
			s = append(s, itoa(d.int(dimValue)))
		}
	}
	elem := "float"
	if typ.int(tensorTypeElemType) != dataTypeFloat {
		elem = "type" + itoa(typ.int(tensorTypeElemType))
	}
	return elem + "[" + strings.Join(s, ",") + "]"
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func exportBytes(t testing.TB, m *nn.Model, opt Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Export(m, &buf, opt); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// opTypes lists a file's node op types in order.
func opTypes(t testing.TB, file []byte) []string {
	g := parse(t, file).msgs(t, modelGraph)[0]
	var ops []string
	for _, n := range g.msgs(t, graphNode) {
		ops = append(ops, n.str(nodeOpType))
	}
	return ops
}

func count(ops []string, op string) int {
	k := 0
	for _, o := range ops {
		if o == op {
			k++
		}
	}
	return k
}

// TestFileStructure decodes an exported two-input, two-output model field
// by field: the model's header, the opset, the metadata, the inputs and
// outputs with their batch dimension, the initializers.
func TestFileStructure(t *testing.T) {
	var c layerCase
	for _, lc := range layerCases() {
		if lc.name == "two_inputs_two_outputs" {
			c = lc
		}
	}
	m := c.build(t)
	f := parse(t, exportBytes(t, m, Options{}))
	if got := f.int(modelIRVersion); got != 7 {
		t.Errorf("ir_version %d, want 7 (opset 13)", got)
	}
	if got := f.str(modelProducerName); got != "gradgraph" {
		t.Errorf("producer_name %q", got)
	}
	if got := f.str(modelProducerVersion); got != producerVersion() || got == "" {
		t.Errorf("producer_version %q, want %q", got, producerVersion())
	}
	if got := f.str(modelDocString); got != m.Summary() {
		t.Errorf("doc_string is not the model's summary:\n%s", got)
	}
	sets := f.msgs(t, modelOpsetImport)
	if len(sets) != 1 || sets[0].str(opsetDomain) != "" || sets[0].int(opsetVersion) != 13 {
		t.Errorf("opset_import %v, want one: ai.onnx 13", sets)
	}
	meta := map[string]string{}
	for _, e := range f.msgs(t, modelMetadataProps) {
		meta[e.str(entryKey)] = e.str(entryValue)
	}
	if meta["model_name"] != "two_inputs" || meta["gradgraph_version"] != producerVersion() || meta["source_dtype"] != "float32" {
		t.Errorf("metadata_props %v", meta)
	}
	g := f.msgs(t, modelGraph)[0]
	if got := g.str(graphName); got != "two_inputs" {
		t.Errorf("graph name %q", got)
	}
	var ins, outs []string
	for _, vi := range g.msgs(t, graphInput) {
		ins = append(ins, vi.str(valueInfoName)+":"+dims(t, vi))
	}
	for _, vi := range g.msgs(t, graphOutput) {
		outs = append(outs, vi.str(valueInfoName)+":"+dims(t, vi))
	}
	if got, want := strings.Join(ins, " "), "image:float[batch,8,8,1] meta:float[batch,3]"; got != want {
		t.Errorf("inputs %s, want %s", got, want)
	}
	if got, want := strings.Join(outs, " "), "dense:float[batch,10] dense_1:float[batch,1]"; got != want {
		t.Errorf("outputs %s, want %s", got, want)
	}
	// Every param is an initializer of its values, float32, once.
	inits := map[string]fields{}
	for _, in := range g.msgs(t, graphInitializer) {
		inits[in.str(tensorName)] = in
	}
	for _, p := range m.Params() {
		in, ok := inits[p.Name]
		if !ok {
			t.Errorf("no initializer %q", p.Name)
			continue
		}
		if in.int(tensorDataType) != dataTypeFloat {
			t.Errorf("%s: data_type %d, want float", p.Name, in.int(tensorDataType))
		}
		raw := in[tensorRawData]
		n := int64(1)
		for _, d := range in.packed(t, tensorDims) {
			n *= d
		}
		if n != int64(p.Size()) || len(raw) != 1 || len(raw[0].([]byte)) != 4*p.Size() {
			t.Errorf("%s: dims hold %d values, raw_data %d bytes; the param has %d values", p.Name, n, len(raw[0].([]byte)), p.Size())
		}
	}
	if len(inits) != len(m.Params()) {
		t.Errorf("%d initializers for %d params", len(inits), len(m.Params()))
	}
	// Node inputs are all made before they are used (graph order).
	made := map[string]bool{"image": true, "meta": true}
	for name := range inits {
		made[name] = true
	}
	for _, n := range g.msgs(t, graphNode) {
		for _, in := range n.strs(nodeInput) {
			if !made[in] {
				t.Errorf("node %s (%s) takes %q before anything makes it", n.str(nodeName), n.str(nodeOpType), in)
			}
		}
		for _, out := range n.strs(nodeOutput) {
			made[out] = true
		}
	}
}

// TestConvKernelLayout checks one kernel value in the file: gradgraph's
// (kh, kw, cin, filters) element (i, j, c, o) is ONNX's (o, c, i, j).
func TestConvKernelLayout(t *testing.T) {
	m := seq("k", []int{5, 6, 3}, conv(4, 3, nn.Linear).WithStrides(1, 2))(t)
	k := m.Layers[0].(*nn.Conv2DLayer).Kernel
	g := parse(t, exportBytes(t, m, Options{})).msgs(t, modelGraph)[0]
	for _, in := range g.msgs(t, graphInitializer) {
		if in.str(tensorName) != k.Name {
			continue
		}
		if got := in.packed(t, tensorDims); len(got) != 4 || got[0] != 4 || got[1] != 3 || got[2] != 3 || got[3] != 3 {
			t.Fatalf("kernel dims %v, want [4 3 3 3]", got)
		}
		raw := in[tensorRawData][0].([]byte)
		i, j, c, o := 2, 1, 2, 3
		want := float32(k.At(((i*3+j)*3+c)*4 + o))
		got := math.Float32frombits(uint32(raw[4*(((o*3+c)*3+i)*3+j)]) | uint32(raw[4*(((o*3+c)*3+i)*3+j)+1])<<8 |
			uint32(raw[4*(((o*3+c)*3+i)*3+j)+2])<<16 | uint32(raw[4*(((o*3+c)*3+i)*3+j)+3])<<24)
		if got != want {
			t.Errorf("kernel (o=%d, c=%d, i=%d, j=%d) = %v, want gradgraph's (%d, %d, %d, %d) = %v", o, c, i, j, got, i, j, c, o, want)
		}
		return
	}
	t.Fatal("no kernel initializer")
}

// TestTransposesOnlyWhereNeeded: the convnet recipe transposes twice (its
// input to channels first, the last convolution's output back before
// Flatten), the residual block once (its input), a Dense model never.
func TestTransposesOnlyWhereNeeded(t *testing.T) {
	for _, c := range []struct {
		name string
		m    func(testing.TB) *nn.Model
		want int
	}{
		{"convnet", seq("convnet", []int{28, 28, 1}, convnetLayers()...), 2},
		{"dense512", seq("dense512", []int{784}, dense512Layers()...), 0},
	} {
		ops := opTypes(t, exportBytes(t, c.m(t), Options{}))
		if got := count(ops, "Transpose"); got != c.want {
			t.Errorf("%s: %d Transposes, want %d: %v", c.name, got, c.want, ops)
		}
		if c.name == "convnet" {
			want := "Transpose Conv Relu MaxPool Conv Relu MaxPool Conv Relu Transpose Flatten Gemm Softmax"
			if got := strings.Join(ops, " "); got != want {
				t.Errorf("convnet's ops:\n%s\nwant\n%s", got, want)
			}
		}
	}
	for _, lc := range layerCases() {
		if lc.name != "residual_block" {
			continue
		}
		ops := opTypes(t, exportBytes(t, lc.build(t), Options{}))
		if got := count(ops, "Transpose"); got != 1 {
			t.Errorf("residual block: %d Transposes, want 1: %v", got, ops)
		}
		if want := "Transpose Conv Relu Conv Add Relu BatchNormalization GlobalAveragePool Flatten Gemm Softmax"; strings.Join(ops, " ") != want {
			t.Errorf("residual block's ops:\n%s\nwant\n%s", strings.Join(ops, " "), want)
		}
	}
}

// TestLayerNormOps: a LayerNormalization is the ops it is made of below
// opset 17 and its own op from 17, taken channels last (after a
// convolution, between two Transposes).
func TestLayerNormOps(t *testing.T) {
	cases := map[string]layerCase{}
	for _, lc := range layerCases() {
		cases[lc.name] = lc
	}
	const decomposed = "ReduceMean Sub Mul ReduceMean Add Sqrt Div"
	for _, c := range []struct{ name, want string }{
		{"layernorm_channels_opset13", "Transpose Conv Transpose " + decomposed + " Mul Add Transpose Conv Relu Transpose"},
		{"layernorm_no_gamma_opset13", decomposed + " Add"},
		{"layernorm_no_beta_opset13", decomposed + " Mul"},
		{"layernorm_input_plain_opset13", decomposed},
		{"layernorm_channels_opset17", "Transpose Conv Transpose LayerNormalization Transpose Conv Relu Transpose"},
		{"layernorm_input_plain_opset17", "LayerNormalization"},
		{"layernorm_features_opset21", "Gemm LayerNormalization Gemm"},
	} {
		lc, ok := cases[c.name]
		if !ok {
			t.Fatalf("no layer case %q", c.name)
		}
		if got := strings.Join(opTypes(t, exportBytes(t, lc.build(t), Options{Opset: lc.opset})), " "); got != c.want {
			t.Errorf("%s: ops\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

// TestSamePaddingPads: same padding of an odd total puts the extra row and
// column after (bottom, right), valid padding none.
func TestSamePaddingPads(t *testing.T) {
	for _, c := range []struct {
		in      []int
		k, s    [2]int
		padding string
		pads    []int
		out     [2]int
	}{
		{[]int{7, 9, 1}, [2]int{3, 3}, [2]int{2, 2}, "same", []int{1, 1, 1, 1}, [2]int{4, 5}},
		{[]int{6, 7, 1}, [2]int{4, 4}, [2]int{1, 2}, "same", []int{1, 1, 2, 2}, [2]int{6, 4}},
		{[]int{8, 8, 1}, [2]int{2, 2}, [2]int{2, 2}, "same", []int{0, 0, 0, 0}, [2]int{4, 4}},
		{[]int{6, 6, 1}, [2]int{1, 1}, [2]int{4, 4}, "same", []int{0, 0, 0, 0}, [2]int{2, 2}},
		{[]int{7, 9, 1}, [2]int{3, 3}, [2]int{2, 2}, "valid", []int{0, 0, 0, 0}, [2]int{3, 4}},
	} {
		g, err := newWindow(c.in, c.k, c.s, c.padding)
		if err != nil {
			t.Fatal(err)
		}
		if got := []int{g.top, g.left, g.bottom, g.right}; !equal(got, c.pads) || g.oh != c.out[0] || g.ow != c.out[1] {
			t.Errorf("%v kernel %v strides %v %s: pads %v out %dx%d, want %v %v", c.in, c.k, c.s, c.padding, got, g.oh, g.ow, c.pads, c.out)
		}
	}
}

// custom is a layer of the user's own, which Export does not know.
type custom struct{ nn.Named }

func (c *custom) Type() string { return "Custom" }
func (c *custom) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	return append([]int(nil), in...), nil
}
func (c *custom) Params() []*graph.Param                               { return nil }
func (c *custom) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) { return x, nil }

// TestUnsupportedLayers: a layer of the user's own is an error naming
// it, and ExportFile leaves the file as it was.
func TestUnsupportedLayers(t *testing.T) {
	c := &custom{}
	c.SetName("mine")
	own := nn.Sequential("own", nn.Dense(3, nn.ReLU), c)
	if err := own.Build(4, nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	x := nn.Input("x", 4)
	c2 := &custom{}
	c2.SetName("theirs")
	deep := seq("deep", []int{4}, nn.Dense(3, nn.ReLU))(t)
	dx := nn.Input("dx", 3)
	inner, err := nn.NewModel("inner", []*nn.Tensor{dx}, []*nn.Tensor{nn.Call(c2, dx)})
	if err != nil {
		t.Fatal(err)
	}
	outer, err := nn.NewModel("outer", []*nn.Tensor{x}, []*nn.Tensor{nn.Call(inner.AsLayer(), nn.Call(deep.AsLayer(), x))})
	if err != nil {
		t.Fatal(err)
	}
	if err := outer.Init(nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, c := range []struct {
		m    *nn.Model
		want []string
	}{
		{own, []string{`"own"`, `"mine"`, "Custom", "not supported"}},
		{outer, []string{`"outer"`, `"theirs"`}},
	} {
		path := filepath.Join(dir, c.m.Name+".onnx")
		if err := os.WriteFile(path, []byte("before"), 0o644); err != nil {
			t.Fatal(err)
		}
		err := ExportFile(path, c.m, Options{})
		if err == nil {
			t.Fatalf("%s: exported", c.m.Name)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %s", c.m.Name, err, w)
			}
		}
		if b, _ := os.ReadFile(path); string(b) != "before" {
			t.Errorf("%s: the file was changed to %d bytes", c.m.Name, len(b))
		}
	}
}

// TestNestedModels: a model called as a layer, twice (a siamese encoder),
// is inlined into the graph with its weights stored once, and runs in ONNX
// Runtime to Predict's outputs. Where nn cannot yet describe a model
// holding another (Model.Config), the export is an error naming the
// nested model.
func TestNestedModels(t *testing.T) {
	enc := seq("encoder", []int{4}, nn.Dense(5, nn.Tanh), nn.BatchNorm())(t)
	a, b := nn.Input("left", 4), nn.Input("right", 4)
	el := enc.AsLayer()
	d := nn.Call(nn.Subtract(), nn.Call(el, a), nn.Call(el, b))
	m, err := nn.NewModel("siamese", []*nn.Tensor{a, b}, []*nn.Tensor{nn.Call(nn.Dense(2, nn.Softmax), d)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 4}); err != nil {
		t.Fatal(err)
	}
	randomize(t, m, 6)
	if _, err := m.Config(); err != nil {
		var buf bytes.Buffer
		err := Export(m, &buf, Options{})
		if err == nil || !strings.Contains(err.Error(), `"encoder"`) {
			t.Errorf("export of a model nn cannot describe: %v, want an error naming the encoder", err)
		}
		t.Logf("nn cannot describe a model called as a layer yet (%v): export refused", err)
		return
	}
	file := exportBytes(t, m, Options{})
	g := parse(t, file).msgs(t, modelGraph)[0]
	if got, want := len(g.msgs(t, graphInitializer)), len(m.Params()); got != want {
		t.Errorf("%d initializers, want %d (the encoder's weights once)", got, want)
	}
	ops := opTypes(t, file)
	if count(ops, "Gemm") != 3 || count(ops, "BatchNormalization") != 2 {
		t.Errorf("ops %v, want the encoder's Gemm and BatchNormalization twice", ops)
	}
	rt := onnxtest.Need(t)
	const n = 6
	xs := randomInputs(m, n, 8)
	path := exportTo(t, m, t.TempDir(), "siamese", Options{})
	res, err := rt.Run([]onnxtest.Job{job(m, path, xs, n)})
	if err != nil {
		t.Fatal(err)
	}
	e := compare(t, m, res[0], predict(t, m, xs, n), n, 1e-5)
	t.Logf("nested model: relative %.2e, of the largest %.2e", e.rel, e.norm)
	checkFiles(t, []string{path})
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestExportErrors: no model, a model not built, an opset out of range, a
// failing writer, a folder that does not exist.
func TestExportErrors(t *testing.T) {
	built := seq("m", []int{3}, nn.Dense(2, nn.Linear))(t)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", Export(nil, &bytes.Buffer{}, Options{}), "model is nil"},
		{"unbuilt", Export(nn.Sequential("raw", nn.Dense(2, nn.ReLU)), &bytes.Buffer{}, Options{}), `model "raw": not built`},
		{"opset 12", Export(built, &bytes.Buffer{}, Options{Opset: 12}), "opset 12, want 13..21"},
		{"opset 22", Export(built, &bytes.Buffer{}, Options{Opset: 22}), "opset 22, want 13..21"},
		{"writer", Export(built, failWriter{}, Options{}), "disk full"},
		{"folder", ExportFile(filepath.Join(t.TempDir(), "no", "such", "m.onnx"), built, Options{}), "no such"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, c.err, c.want)
		}
	}
	// Opsets in range set the IR version that goes with them.
	for opset, ir := range map[int]int64{13: 7, 14: 7, 15: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10} {
		f := parse(t, exportBytes(t, built, Options{Opset: opset}))
		if got := f.int(modelIRVersion); got != ir {
			t.Errorf("opset %d: ir_version %d, want %d", opset, got, ir)
		}
		if got := f.msgs(t, modelOpsetImport)[0].int(opsetVersion); got != int64(opset) {
			t.Errorf("opset %d: file declares %d", opset, got)
		}
	}
}

// TestBatchNormTrainedMatchesRuntime trains BatchNorm layers (after a
// Dense and after a Conv2D, momentum 0.9) for a few epochs so that their
// moving statistics are far from 0 and 1, then compares the export with
// Predict, which uses those statistics.
func TestBatchNormTrainedMatchesRuntime(t *testing.T) {
	rt := onnxtest.Need(t)
	bn := func() *nn.BatchNormLayer { l := nn.BatchNorm(); l.Momentum = 0.9; return l }
	x := nn.Input("image", 6, 6, 2)
	h := nn.Call(bn(), nn.Call(conv(4, 3, nn.Linear).WithPadding("same"), x))
	h = nn.Call(nn.Flatten(), nn.Call(nn.Act(nn.ReLU), h))
	h = nn.Call(bn(), nn.Call(nn.Dense(8, nn.Linear), h))
	out := nn.Call(nn.Dense(3, nn.Softmax), nn.Call(nn.Act(nn.Tanh), h))
	m, err := nn.NewModel("bn_trained", []*nn.Tensor{x}, []*nn.Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	const n = 64
	xs := randomInputs(m, n, 5)
	for i := range xs[0] {
		xs[0][i] = 2*xs[0][i] + 1.5 // statistics far from 0 and 1
	}
	y := make([]float32, n)
	for i := range y {
		y[i] = float32(i % 3)
	}
	ds, err := data.NewDataset("train", xs[0], 72, y, 1, []string{"a", "b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	tr, err := train.Compile(m, train.Adam(1e-2), train.SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(ds, train.FitOptions{Epochs: 3, BatchSize: 16, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	for _, l := range m.Layers {
		b, ok := l.(*nn.BatchNormLayer)
		if !ok {
			continue
		}
		mean, v := b.MovingMean.Float64s(), b.MovingVariance.Float64s()
		if math.Abs(mean[0]) < 0.05 || math.Abs(v[0]-1) < 0.05 {
			t.Fatalf("%s: moving mean %v, variance %v: training left them near 0 and 1", b.Name(), mean[0], v[0])
		}
	}
	path := exportTo(t, m, t.TempDir(), "bn_trained", Options{})
	res, err := rt.Run([]onnxtest.Job{job(m, path, xs, n)})
	if err != nil {
		t.Fatal(err)
	}
	e := compare(t, m, res[0], predict(t, m, xs, n), n, 1e-5)
	t.Logf("trained BatchNorm: relative %.2e, of the largest %.2e", e.rel, e.norm)
	checkFiles(t, []string{path})
}

// TestFloat64Model: a float64 model is exported with its weights rounded
// to float32; ONNX Runtime's float32 outputs agree with the float64
// Predict to float32 rounding.
func TestFloat64Model(t *testing.T) {
	rt := onnxtest.Need(t)
	m := nn.Sequential("f64", nn.Dense(6, nn.Tanh), nn.BatchNorm(), nn.Dense(3, nn.Softmax))
	if err := m.BuildShape([]int{4}, nn.BuildOptions{Seed: 2, DType: graph.Float64}); err != nil {
		t.Fatal(err)
	}
	randomize(t, m, 4)
	file := exportBytes(t, m, Options{})
	g := parse(t, file).msgs(t, modelGraph)[0]
	for _, in := range g.msgs(t, graphInitializer) {
		if in.int(tensorDataType) != dataTypeFloat {
			t.Errorf("%s: data_type %d, want float", in.str(tensorName), in.int(tensorDataType))
		}
	}
	meta := map[string]string{}
	for _, e := range parse(t, file).msgs(t, modelMetadataProps) {
		meta[e.str(entryKey)] = e.str(entryValue)
	}
	if meta["source_dtype"] != "float64" {
		t.Errorf("metadata source_dtype %q, want float64", meta["source_dtype"])
	}
	const n = 8
	xs := randomInputs(m, n, 9)
	path := exportTo(t, m, t.TempDir(), "f64", Options{})
	res, err := rt.Run([]onnxtest.Job{job(m, path, xs, n)})
	if err != nil {
		t.Fatal(err)
	}
	e := compare(t, m, res[0], predict(t, m, xs, n), n, 1e-5)
	t.Logf("float64 model: relative %.2e, of the largest %.2e", e.rel, e.norm)
}

// TestCheckerRejectsBrokenFile: the checker the tests rely on does reject
// a file whose node takes a tensor nothing makes, written with this
// package's own encoder.
func TestCheckerRejectsBrokenFile(t *testing.T) {
	c := onnxtest.NeedChecker(t)
	var g msg
	g.message(graphNode, encodeNode(node{op: "Relu", name: "r", in: []string{"missing"}, out: []string{"y"}}))
	g.str(graphName, "broken")
	g.message(graphInput, valueInfo("x", []int{3}))
	g.message(graphOutput, valueInfo("y", []int{3}))
	var set msg
	set.str(opsetDomain, "")
	set.varint(opsetVersion, 13)
	var model msg
	model.varint(modelIRVersion, 7)
	model.message(modelGraph, g)
	model.message(modelOpsetImport, set)
	path := filepath.Join(t.TempDir(), "broken.onnx")
	if err := os.WriteFile(path, model, 0o644); err != nil {
		t.Fatal(err)
	}
	err := c.Check(path)
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("checker on a node taking an unknown tensor: %v", err)
	}
	good := exportTo(t, seq("good", []int{3}, nn.Dense(2, nn.ReLU))(t), t.TempDir(), "good", Options{})
	if err := c.Check(good); err != nil {
		t.Errorf("checker on an exported file: %v", err)
	}
}
