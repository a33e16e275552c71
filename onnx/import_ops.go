package onnx

import (
	"math"
	"strconv"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/nn"
)

// attrsAllowed lists, per op, the attributes the import reads; any other
// attribute on a node is an error naming it, not something ignored.
var attrsAllowed = map[string][]string{
	"Identity":           nil,
	"Dropout":            {"seed", "ratio", "is_test"},
	"Constant":           {"value", "value_float", "value_floats", "value_int", "value_ints"},
	"Gemm":               {"alpha", "beta", "transA", "transB"},
	"MatMul":             nil,
	"Add":                nil,
	"Sub":                nil,
	"Mul":                nil,
	"Div":                nil,
	"Sum":                nil,
	"Mean":               nil,
	"Max":                nil,
	"Concat":             {"axis"},
	"Relu":               nil,
	"Sigmoid":            nil,
	"Tanh":               nil,
	"Elu":                {"alpha"},
	"LeakyRelu":          {"alpha"},
	"Softmax":            {"axis"},
	"LogSoftmax":         {"axis"},
	"Conv":               {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"},
	"MaxPool":            {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"},
	"GlobalAveragePool":  nil,
	"GlobalMaxPool":      nil,
	"Flatten":            {"axis"},
	"Reshape":            {"allowzero"},
	"Transpose":          {"perm"},
	"BatchNormalization": {"epsilon", "momentum", "training_mode", "spatial"},
	"LayerNormalization": {"axis", "epsilon", "stash_type"},
	// Only as the steps of a layer normalisation written out in ops.
	"ReduceMean": {"axes", "keepdims", "noop_with_empty_axes"},
	"Pow":        nil,
	"Sqrt":       nil,
}

// mapNode adds the layers (or none) that compute node n.
func (im *importer) mapNode(n *pbNode) error {
	if n.domain != "" && n.domain != "ai.onnx" {
		return errors.Errorf("domain %q: only ai.onnx ops are imported", n.domain)
	}
	allowed, ok := attrsAllowed[n.op]
	if !ok {
		return errors.Errorf("op %s is not supported by the ONNX import (supported: see the onnx package documentation)", n.op)
	}
	for _, a := range n.attrs {
		if a.ref {
			return errors.Errorf("attribute %q refers to a function's attribute", a.name)
		}
		known := false
		for _, k := range allowed {
			known = known || k == a.name
		}
		if !known {
			return errors.Errorf("attribute %q is not supported", a.name)
		}
	}
	if len(n.out) == 0 || n.out[0] == "" {
		return errors.New("no output")
	}
	for _, o := range n.out[1:] {
		if o != "" && im.uses[o] > 0 {
			return errors.Errorf("output %q (beyond the first) is read, which the import does not support", o)
		}
	}
	switch n.op {
	case "Identity":
		return im.alias(n, 1)
	case "Dropout":
		if len(n.in) > 2 && n.in[2] != "" {
			c, err := im.constIn(n, 2)
			if err != nil {
				return err
			}
			if len(c.i) != 1 && len(c.f) != 1 || (len(c.i) == 1 && c.i[0] != 0) || (len(c.f) == 1 && c.f[0] != 0) {
				return errors.New("training_mode is not a constant false")
			}
		}
		return im.alias(n, 3)
	case "Constant":
		return im.constantNode(n)
	case "Gemm":
		return im.gemm(n)
	case "MatMul":
		return im.matmul(n)
	case "Add", "Sub", "Mul", "Div":
		return im.binary(n)
	case "Sum", "Mean", "Max":
		return im.nary(n)
	case "Concat":
		return im.concat(n)
	case "Relu", "Sigmoid", "Tanh", "Elu", "Softmax", "LogSoftmax":
		return im.activation(n)
	case "LeakyRelu":
		return im.leakyRelu(n)
	case "Conv":
		return im.conv(n)
	case "MaxPool":
		return im.maxPool(n)
	case "GlobalAveragePool", "GlobalMaxPool":
		return im.globalPool(n)
	case "Flatten":
		return im.flatten(n)
	case "Reshape":
		return im.reshape(n)
	case "Transpose":
		return im.transpose(n)
	case "BatchNormalization":
		return im.batchNorm(n)
	case "LayerNormalization":
		return im.layerNorm(n)
	case "ReduceMean":
		return im.reduceMean(n)
	case "Pow":
		return im.pow(n)
	case "Sqrt":
		return im.sqrt(n)
	}
	return errors.Errorf("op %s is not supported by the ONNX import", n.op)
}

// in returns the node's i-th input, which must be present.
func (im *importer) in(n *pbNode, i int) (*val, error) {
	if i >= len(n.in) || n.in[i] == "" {
		return nil, errors.Errorf("input %d is missing", i)
	}
	v, ok := im.vals[n.in[i]]
	if !ok {
		return nil, errors.Errorf("input %q is made by no node before it (not in topological order, or undefined)", n.in[i])
	}
	return v, nil
}

// tensorIn is input i, which must be computed from the graph's inputs.
func (im *importer) tensorIn(n *pbNode, i int) (*val, error) {
	v, err := im.in(n, i)
	if err != nil {
		return nil, err
	}
	if v.c != nil {
		return nil, errors.Errorf("input %d (%q) is a constant, where the import maps only a computed tensor", i, v.name)
	}
	_, err = im.tensor(v)
	return v, err
}

// only is the node's one input, a computed tensor.
func (im *importer) only(n *pbNode) (*val, error) {
	if len(n.in) != 1 {
		return nil, errors.Errorf("%d inputs, want 1", len(n.in))
	}
	return im.tensorIn(n, 0)
}

// constIn is input i, which must be a constant.
func (im *importer) constIn(n *pbNode, i int) (*constant, error) {
	v, err := im.in(n, i)
	if err != nil {
		return nil, err
	}
	if v.c == nil {
		return nil, errors.Errorf("input %d (%q) is computed, where the import maps only a constant (an initializer)", i, v.name)
	}
	return v.c, nil
}

func (im *importer) floatConst(n *pbNode, i int) (*constant, error) {
	c, err := im.constIn(n, i)
	if err == nil && c.isInt {
		err = errors.Errorf("input %d (%q) is an integer tensor, want float", i, n.in[i])
	}
	return c, err
}

// define names the node's first output v.
func (im *importer) define(name string, v *val) error {
	if _, dup := im.vals[name]; dup {
		return errors.Errorf("output %q is defined twice", name)
	}
	v.name = name
	im.vals[name] = v
	return nil
}

// alias makes the node's output the same tensor as its first input; the
// node may take at most maxIn inputs.
func (im *importer) alias(n *pbNode, maxIn int) error {
	if len(n.in) > maxIn {
		return errors.Errorf("%d inputs, at most %d", len(n.in), maxIn)
	}
	v, err := im.in(n, 0)
	if err != nil {
		return err
	}
	c := *v
	return im.define(n.out[0], &c)
}

// intAttr, floatAttr and intsAttr read attributes, checking their type.
func (n *pbNode) intAttr(name string, def int64) (int64, error) {
	a, ok := n.attr(name)
	if !ok {
		return def, nil
	}
	if a.typ != 0 && a.typ != attrTypeInt {
		return 0, errors.Errorf("attribute %q has type %d, want INT", name, a.typ)
	}
	return a.i, nil
}

func (n *pbNode) floatAttr(name string, def float32) (float32, error) {
	a, ok := n.attr(name)
	if !ok {
		return def, nil
	}
	if a.typ != 0 && a.typ != attrTypeFloat {
		return 0, errors.Errorf("attribute %q has type %d, want FLOAT", name, a.typ)
	}
	return a.f, nil
}

func (n *pbNode) intsAttr(name string, def ...int64) ([]int64, error) {
	a, ok := n.attr(name)
	if !ok {
		return def, nil
	}
	if a.typ != 0 && a.typ != attrTypeInts {
		return nil, errors.Errorf("attribute %q has type %d, want INTS", name, a.typ)
	}
	return a.ints, nil
}

func (n *pbNode) stringAttr(name, def string) (string, error) {
	a, ok := n.attr(name)
	if !ok {
		return def, nil
	}
	if a.typ != 0 && a.typ != attrTypeString {
		return "", errors.Errorf("attribute %q has type %d, want STRING", name, a.typ)
	}
	return string(a.s), nil
}

// layerName is the name a layer made for node n gets: in gradgraph's own
// files the layer's name, which starts the node's name; otherwise none
// (Keras's names are given when the model is made).
func (im *importer) layerName(n *pbNode) string {
	if !im.named || n == nil {
		return ""
	}
	prefix, _, _ := strings.Cut(n.name, "/")
	s := sanitize(prefix)
	if s == "" || im.taken[s] {
		return ""
	}
	return s
}

// call calls l (named name when not empty) on the tensors of ins.
func (im *importer) call(l nn.Layer, name string, ins ...*val) (*nn.Tensor, error) {
	ts := make([]*nn.Tensor, len(ins))
	for i, v := range ins {
		t, err := im.tensor(v)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	if l.Name() == "" && name != "" && !im.taken[name] {
		l.SetName(name)
		im.taken[name] = true
	}
	t := nn.Call(l, ts...)
	if err := t.Err(); err != nil {
		return nil, err
	}
	im.layerOf[t] = l
	im.layers++
	return t, nil
}

// tensor is v's gradgraph tensor, calling a pending merge's layer now.
func (im *importer) tensor(v *val) (*nn.Tensor, error) {
	if v.c != nil {
		return nil, errors.Errorf("%q is a constant, where the import maps only a computed tensor", v.name)
	}
	if v.norm != nil {
		return nil, v.norm.unfinished(v.name)
	}
	if v.t != nil {
		return v.t, nil
	}
	pm := v.merge
	if pm == nil {
		return nil, errors.Errorf("%q has no tensor", v.name)
	}
	if pm.t == nil {
		var l *nn.MergeLayer
		switch pm.kind {
		case "Add":
			l = nn.Add()
		case "Average":
			l = nn.Average()
		case "Maximum":
			l = nn.Maximum()
		case "Multiply":
			l = nn.Multiply()
		case "Subtract":
			l = nn.Subtract()
		default:
			return nil, errors.Errorf("merge %s", pm.kind)
		}
		t, err := im.call(l, pm.name, pm.ins...)
		if err != nil {
			return nil, errors.Wrapf(err, "%s of %d inputs", pm.kind, len(pm.ins))
		}
		pm.t = t
	}
	v.t = pm.t
	return v.t, nil
}

// fusable is v's producer when the layer that made v can absorb the op
// reading it: v is read once, by that op, and the layer is not shared.
//
// In gradgraph's own files, a node is fused only into the layer its name
// says it belongs to: a Dense followed by an Activation layer stays two
// layers.
func (im *importer) fusable(v *val) *producer {
	if v.prod == nil || v.prod.shared || im.uses[v.name] != 1 || v.t == nil {
		return nil
	}
	if im.named && im.node != nil {
		prefix, _, _ := strings.Cut(im.node.name, "/")
		if sanitize(prefix) != v.prod.layer.Name() {
			return nil
		}
	}
	return v.prod
}

// result is a new computed value shaped as like (layout, squeezing,
// permutation), made by layer p's call t.
func result(t *nn.Tensor, like *val, p *producer) *val {
	return &val{t: t, lay: like.lay, squeezed: like.squeezed, perm: like.perm, prod: p}
}

func (im *importer) constantNode(n *pbNode) error {
	if len(n.in) > 0 {
		return errors.New("a Constant takes no inputs")
	}
	if len(n.attrs) != 1 {
		return errors.Errorf("%d attributes, want one value", len(n.attrs))
	}
	a := n.attrs[0]
	var c *constant
	switch a.name {
	case "value":
		if a.t == nil {
			return errors.New("value holds no tensor")
		}
		var err error
		if c, err = constantOf(a.t); err != nil {
			return err
		}
	case "value_float":
		c = &constant{f: []float32{a.f}}
	case "value_floats":
		c = &constant{dims: []int64{int64(len(a.floats))}, f: a.floats}
	case "value_int":
		c = &constant{i: []int64{a.i}, isInt: true}
	case "value_ints":
		c = &constant{dims: []int64{int64(len(a.ints))}, i: a.ints, isInt: true}
	}
	return im.define(n.out[0], &val{c: c})
}

// flat checks that x is a batch of vectors as the file has it: (batch, n).
func flat(x *val) (int, error) {
	if x.onnxRank() != 2 {
		return 0, errors.Errorf("input of shape (batch, %v), want (batch, features)", x.onnxShape())
	}
	return x.t.Shape()[0], nil
}

// denseKernel is (in, units) from the file's matrix b, transposed when
// transB, scaled by alpha, its rows permuted by perm.
func denseKernel(b *constant, in int, transB bool, alpha float32, perm *flatPerm) ([]float32, int, error) {
	if len(b.dims) != 2 {
		return nil, 0, errors.Errorf("weight of dims %v, want a matrix", b.dims)
	}
	rows, cols := int(b.dims[0]), int(b.dims[1])
	units := cols
	if transB {
		rows, units = cols, rows
	}
	if rows != in {
		return nil, 0, errors.Errorf("weight of dims %v for %d input features", b.dims, in)
	}
	if units == 0 {
		return nil, 0, errors.Errorf("weight of dims %v: no units", b.dims)
	}
	k := make([]float32, in*units)
	for j := 0; j < in; j++ {
		row := j
		if perm != nil {
			row = perm.at(j)
		}
		for u := 0; u < units; u++ {
			var w float32
			if transB {
				w = b.f[u*in+j]
			} else {
				w = b.f[j*units+u]
			}
			if alpha != 1 {
				w *= alpha
			}
			k[row*units+u] = w
		}
	}
	return k, units, nil
}

// vector returns c as n values when it broadcasts along the last axis of
// a tensor of rank rank as (n), (1, n), (1, 1, n)...: a per-feature
// constant; a single value is repeated when scalarOK.
func vector(c *constant, n, rank int, scalarOK bool) ([]float32, bool) {
	if c.isInt {
		return nil, false
	}
	if len(c.f) == 1 && scalarOK && len(c.dims) <= rank {
		out := make([]float32, n)
		for i := range out {
			out[i] = c.f[0]
		}
		return out, true
	}
	if len(c.f) != n || len(c.dims) == 0 || len(c.dims) > rank || c.dims[len(c.dims)-1] != int64(n) {
		return nil, false
	}
	return append([]float32(nil), c.f...), true
}

func (im *importer) gemm(n *pbNode) error {
	if len(n.in) < 2 || len(n.in) > 3 {
		return errors.Errorf("%d inputs, want 2 or 3", len(n.in))
	}
	x, err := im.tensorIn(n, 0)
	if err != nil {
		return err
	}
	b, err := im.floatConst(n, 1)
	if err != nil {
		return err
	}
	transA, err := n.intAttr("transA", 0)
	if err != nil {
		return err
	}
	if transA != 0 {
		return errors.New("transA: the batch must be the first axis of A")
	}
	transB, err := n.intAttr("transB", 0)
	if err != nil {
		return err
	}
	alpha, err := n.floatAttr("alpha", 1)
	if err != nil {
		return err
	}
	beta, err := n.floatAttr("beta", 1)
	if err != nil {
		return err
	}
	in, err := flat(x)
	if err != nil {
		return err
	}
	var c *constant
	if len(n.in) == 3 && n.in[2] != "" {
		if c, err = im.floatConst(n, 2); err != nil {
			return err
		}
	}
	return im.dense(n, x, in, b, transB != 0, alpha, c, beta)
}

func (im *importer) matmul(n *pbNode) error {
	if len(n.in) != 2 {
		return errors.Errorf("%d inputs, want 2", len(n.in))
	}
	x, err := im.tensorIn(n, 0)
	if err != nil {
		return err
	}
	b, err := im.floatConst(n, 1)
	if err != nil {
		return err
	}
	in, err := flat(x)
	if err != nil {
		return err
	}
	return im.dense(n, x, in, b, false, 1, nil, 1)
}

// dense makes (or, for weights read by several nodes, shares) the Dense of
// x·alpha·B + beta·C.
func (im *importer) dense(n *pbNode, x *val, in int, b *constant, transB bool, alpha float32, c *constant, beta float32) error {
	kernel, units, err := denseKernel(b, in, transB, alpha, x.perm)
	if err != nil {
		return err
	}
	bias := make([]float32, units)
	if c != nil {
		v, ok := vector(c, units, 2, true)
		if !ok {
			return errors.Errorf("C of dims %v does not broadcast to (batch, %d)", c.dims, units)
		}
		for i := range bias {
			bias[i] = beta * v[i]
		}
	}
	key := ""
	if im.shared[n.in[1]] > 1 && x.perm == nil {
		key = n.op + "|" + strings.Join(n.in[1:], "|")
		if p := im.sharedLayers()[key]; p != nil {
			if p.layer.(*nn.DenseLayer).Units != units || !equalF(p.kernel, kernel) || !equalF(p.bias, bias) {
				return errors.New("a weight shared with another node, used differently")
			}
			t, err := im.call(p.layer, "", x)
			if err != nil {
				return err
			}
			return im.define(n.out[0], &val{t: t, prod: p})
		}
	}
	l := nn.Dense(units, nn.Linear)
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	p := &producer{layer: l, kernel: kernel, bias: bias, shared: key != ""}
	im.prods = append(im.prods, p)
	if key != "" {
		im.sharedLayers()[key] = p
	}
	return im.define(n.out[0], &val{t: t, prod: p})
}

func (im *importer) sharedLayers() map[string]*producer {
	if im.sharedBy == nil {
		im.sharedBy = map[string]*producer{}
	}
	return im.sharedBy
}

func equalF(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func samePerm(a, b *flatPerm) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

// sameLayout checks that elementwise operands are the same tensors of
// the file's and gradgraph's shapes alike.
func sameLayout(vs []*val) error {
	for i, v := range vs[1:] {
		a, b := vs[0], v
		if !equal(a.onnxShape(), b.onnxShape()) || !equal(a.tShape(), b.tShape()) || a.squeezed != b.squeezed || !samePerm(a.perm, b.perm) {
			return errors.Errorf("inputs 0 and %d: per-sample shapes %v and %v (broadcasting between computed tensors, or a mix of layouts, is not supported)", i+1, a.onnxShape(), b.onnxShape())
		}
		if len(a.tShape()) >= 2 && a.lay != b.lay {
			return errors.Errorf("inputs 0 and %d are in different layouts", i+1)
		}
	}
	return nil
}

// tShape is v's gradgraph per-sample shape (the pending merge's inputs').
func (v *val) tShape() []int {
	if v.t != nil {
		return v.t.Shape()
	}
	if v.merge != nil && len(v.merge.ins) > 0 {
		return v.merge.ins[0].tShape()
	}
	return nil
}

// merged is a pending merge of ins of the given kind.
func merged(kind, name string, ins []*val) *val {
	v := &val{merge: &pendingMerge{kind: kind, ins: ins, name: name}, lay: ins[0].lay, squeezed: ins[0].squeezed, perm: ins[0].perm}
	return v
}

func (im *importer) binary(n *pbNode) error {
	if len(n.in) != 2 {
		return errors.Errorf("%d inputs, want 2", len(n.in))
	}
	a, err := im.in(n, 0)
	if err != nil {
		return err
	}
	b, err := im.in(n, 1)
	if err != nil {
		return err
	}
	if a.norm != nil || b.norm != nil {
		return im.normBinary(n, a, b)
	}
	switch {
	case a.c != nil && b.c != nil:
		return errors.New("both inputs are constants (fold them before exporting)")
	case a.c == nil && b.c == nil:
		kind := map[string]string{"Add": "Add", "Sub": "Subtract", "Mul": "Multiply"}[n.op]
		if kind == "" {
			return errors.New("a division of two computed tensors has no gradgraph layer")
		}
		if err := sameLayout([]*val{a, b}); err != nil {
			return err
		}
		ins := []*val{a, b}
		// A chain (a + b) + c whose intermediate nothing else reads is
		// one merge of three inputs, as gradgraph's own files have it.
		if kind != "Subtract" && a.merge != nil && a.merge.t == nil && a.merge.kind == kind && im.uses[a.name] == 1 {
			ins = append(append([]*val(nil), a.merge.ins...), b)
			return im.define(n.out[0], merged(kind, a.merge.name, ins))
		}
		return im.define(n.out[0], merged(kind, im.layerName(n), ins))
	}
	x, c, constFirst := a, b.c, false
	if a.c != nil {
		x, c, constFirst = b, a.c, true
	}
	if c.isInt {
		return errors.New("an integer constant")
	}
	// An Add of k inputs divided by k, the Add read by nothing else, is
	// an Average, as gradgraph's own files write it.
	if n.op == "Div" && !constFirst && len(c.f) == 1 && x.merge != nil && x.merge.t == nil && x.merge.kind == "Add" &&
		im.uses[x.name] == 1 && float32(len(x.merge.ins)) == c.f[0] {
		return im.define(n.out[0], merged("Average", x.merge.name, x.merge.ins))
	}
	if _, err := im.tensor(x); err != nil {
		return err
	}
	shape := x.tShape()
	last := shape[len(shape)-1]
	rank := x.onnxRank()
	if len(c.f) == 1 && len(c.dims) <= rank {
		return im.scalar(n, x, c.f[0], constFirst)
	}
	if constFirst && n.op != "Add" && n.op != "Mul" {
		return errors.Errorf("%s of a constant of dims %v by a computed tensor has no gradgraph layer", n.op, c.dims)
	}
	// γ (Mul) and β (Add) after a layer normalisation written out in ops,
	// in that order, become the layer's.
	if p := im.fusable(x); p != nil {
		if l, ok := p.layer.(*nn.LayerNormalizationLayer); ok && (n.op == "Mul" && !l.Scale && !l.Center || n.op == "Add" && !l.Center) {
			if v, ok := vector(c, last, rank, false); ok {
				v = x.perm.toGradgraph(v)
				if n.op == "Mul" {
					l.Scale, p.gamma = true, v
					return im.define(n.out[0], result(x.t, x, p))
				}
				l.Center, p.beta = true, v
				return im.define(n.out[0], result(x.t, x, nil))
			}
		}
	}
	// A per-feature constant: a Dense's bias, or a Normalization's mean and
	// scale over the last axis of a channels-last tensor.
	if x.perm == nil && !x.squeezed && (len(shape) == 1 || x.lay == channelsLast) {
		if v, ok := vector(c, last, rank, false); ok {
			if p := im.fusable(x); p != nil {
				if l, ok := p.layer.(*nn.DenseLayer); ok && n.op == "Add" && l.Act.Name() == "linear" {
					for i := range p.bias {
						p.bias[i] += v[i]
					}
					return im.define(n.out[0], &val{t: x.t, prod: p})
				}
				if l, ok := p.layer.(*nn.NormalizationLayer); ok && n.op == "Div" && p.bias == nil {
					// gradgraph divides by max(√variance, 1e-7): a
					// scale below that, negative or not finite would
					// not come back from its square.
					for i, s := range v {
						if !(float64(s) >= nn.NormalizationEpsilon) || math.IsInf(float64(s), 0) {
							return errors.Errorf("a division by %v (feature %d) after a per-feature Sub: a Normalization divides by a standard deviation of at least %g", s, i, nn.NormalizationEpsilon)
						}
					}
					for i, s := range v {
						l.InitVariance[i] = float64(s) * float64(s)
					}
					p.bias = v // marks the scale as set
					return im.define(n.out[0], &val{t: x.t})
				}
			}
			if n.op == "Sub" {
				l := nn.Normalization()
				l.InitMean, l.InitVariance = make([]float64, last), make([]float64, last)
				for i := range v {
					l.InitMean[i], l.InitVariance[i] = float64(v[i]), 1
				}
				t, err := im.call(l, im.layerName(n), x)
				if err != nil {
					return err
				}
				return im.define(n.out[0], result(t, x, &producer{layer: l}))
			}
		}
	}
	return errors.Errorf("%s with a constant of dims %v: only a scalar, a Dense's bias (Add), or a per-feature mean (Sub) and scale (Div) over the last axis map to gradgraph layers", n.op, c.dims)
}

// scalar maps x op s (or s op x when constFirst) to a Rescaling, fused
// with a Rescaling before it.
func (im *importer) scalar(n *pbNode, x *val, s float32, constFirst bool) error {
	scale, offset := 1.0, 0.0
	switch {
	case n.op == "Add":
		offset = float64(s)
	case n.op == "Sub" && !constFirst:
		offset = -float64(s)
	case n.op == "Sub":
		scale, offset = -1, float64(s)
	case n.op == "Mul":
		scale = float64(s)
	case n.op == "Div" && !constFirst:
		if s == 0 {
			return errors.New("a division by 0")
		}
		scale = 1 / float64(s)
	default:
		return errors.New("a constant divided by a computed tensor has no gradgraph layer")
	}
	if p := im.fusable(x); p != nil && n.op == "Add" {
		if l, ok := p.layer.(*nn.RescalingLayer); ok && l.Offset == 0 {
			l.Offset = offset
			return im.define(n.out[0], result(x.t, x, nil))
		}
	}
	l := nn.Rescaling(scale, offset)
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	return im.define(n.out[0], result(t, x, &producer{layer: l}))
}

func (im *importer) nary(n *pbNode) error {
	if len(n.in) == 0 {
		return errors.New("no inputs")
	}
	var ins []*val
	for i := range n.in {
		v, err := im.in(n, i)
		if err != nil {
			return err
		}
		if v.c != nil {
			return errors.Errorf("input %d (%q) is a constant, where the import maps only a computed tensor", i, v.name)
		}
		if v.norm != nil {
			return v.norm.unfinished(v.name)
		}
		ins = append(ins, v)
	}
	if len(ins) == 1 {
		return im.alias(n, 1)
	}
	if err := sameLayout(ins); err != nil {
		return err
	}
	kind := map[string]string{"Sum": "Add", "Mean": "Average", "Max": "Maximum"}[n.op]
	if a := ins[0]; kind != "Average" && a.merge != nil && a.merge.t == nil && a.merge.kind == kind && im.uses[a.name] == 1 {
		return im.define(n.out[0], merged(kind, a.merge.name, append(append([]*val(nil), a.merge.ins...), ins[1:]...)))
	}
	return im.define(n.out[0], merged(kind, im.layerName(n), ins))
}

func (im *importer) concat(n *pbNode) error {
	if len(n.in) == 0 {
		return errors.New("no inputs")
	}
	var ins []*val
	for i := range n.in {
		v, err := im.tensorIn(n, i)
		if err != nil {
			return err
		}
		if _, err := im.tensor(v); err != nil {
			return err
		}
		if v.perm != nil || v.squeezed {
			return errors.Errorf("input %d is a flattened or pooled channels-first tensor, whose layout gradgraph does not have", i)
		}
		if i > 0 && (v.onnxRank() != ins[0].onnxRank() || (len(v.tShape()) >= 2 && v.lay != ins[0].lay)) {
			return errors.Errorf("inputs 0 and %d differ in rank or layout", i)
		}
		ins = append(ins, v)
	}
	if len(ins) == 1 {
		return im.alias(n, 1)
	}
	axis, err := n.intAttr("axis", math.MinInt64)
	if err != nil {
		return err
	}
	if axis == math.MinInt64 {
		return errors.New("no axis")
	}
	r := int64(ins[0].onnxRank())
	if axis < 0 {
		axis += r
	}
	if axis <= 0 || axis >= r {
		return errors.Errorf("axis %d: only a per-sample axis of rank %d can be concatenated", axis, r)
	}
	gr := int64(len(ins[0].tShape()))
	p := axis - 1
	if ins[0].lay == channelsFirst && gr >= 2 {
		if axis == 1 {
			p = gr - 1
		} else {
			p = axis - 2
		}
	}
	l := nn.Concatenate(int(p + 1))
	t, err := im.call(l, im.layerName(n), ins...)
	if err != nil {
		return err
	}
	return im.define(n.out[0], &val{t: t, lay: ins[0].lay})
}

func (im *importer) activation(n *pbNode) error {
	x, err := im.only(n)
	if err != nil {
		return err
	}
	if _, err := im.tensor(x); err != nil {
		return err
	}
	var a nn.Activation
	switch n.op {
	case "Relu":
		a = nn.ReLU
	case "Sigmoid":
		a = nn.Sigmoid
	case "Tanh":
		a = nn.Tanh
	case "Elu":
		alpha, err := n.floatAttr("alpha", 1)
		if err != nil {
			return err
		}
		if alpha != 1 {
			return errors.Errorf("alpha %v: gradgraph's elu has alpha 1", alpha)
		}
		a = nn.ELU
	case "Softmax", "LogSoftmax":
		a = nn.Softmax
		if n.op == "LogSoftmax" {
			a = nn.LogSoftmaxActivation
		}
		def := int64(-1)
		if im.opset < 13 {
			def = 1
		}
		axis, err := n.intAttr("axis", def)
		if err != nil {
			return err
		}
		r := int64(x.onnxRank())
		if axis < 0 {
			axis += r
		}
		gr := len(x.tShape())
		ok := false
		switch {
		case gr == 1 && !x.squeezed:
			ok = axis == 1
		case x.squeezed:
			ok = axis == 1
		case x.lay == channelsLast:
			ok = axis == r-1 && (im.opset >= 13 || r == 2)
		default:
			ok = axis == 1 && im.opset >= 13
		}
		if !ok {
			return errors.Errorf("axis %d of a tensor of rank %d: gradgraph's %s normalises the channels (the last axis channels last, axis 1 channels first)", axis, r, n.op)
		}
	}
	if p := im.fusable(x); p != nil {
		switch l := p.layer.(type) {
		case *nn.DenseLayer:
			if l.Act.Name() == "linear" {
				l.Act = a
				return im.define(n.out[0], &val{t: x.t})
			}
		case *nn.Conv2DLayer:
			if l.Act.Name() == "linear" {
				l.Act = a
				return im.define(n.out[0], &val{t: x.t, lay: x.lay})
			}
		}
	}
	l := nn.Act(a)
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	return im.define(n.out[0], result(t, x, nil))
}

// leakyRelu maps LeakyRelu, x above 0 and alpha·x below, for alpha in
// [0, 1] to max(x, alpha·x): a Rescaling by alpha and a Maximum of it and
// x, the same float32 product and choice as the op's.
func (im *importer) leakyRelu(n *pbNode) error {
	x, err := im.only(n)
	if err != nil {
		return err
	}
	alpha, err := n.floatAttr("alpha", 0.01)
	if err != nil {
		return err
	}
	if !(alpha >= 0 && alpha <= 1) {
		return errors.Errorf("alpha %v: only 0 to 1 (max(x, alpha·x))", alpha)
	}
	name := im.layerName(n)
	scaled, err := im.call(nn.Rescaling(float64(alpha), 0), name, x)
	if err != nil {
		return err
	}
	sv := result(scaled, x, nil)
	if name != "" {
		name += "_max"
	}
	t, err := im.call(nn.Maximum(), name, x, sv)
	if err != nil {
		return err
	}
	return im.define(n.out[0], result(t, x, nil))
}

// image is a convolution's or pooling's input: a channels-first image in
// the file, (height, width, channels) in gradgraph.
func image(x *val) ([]int, error) {
	s := x.tShape()
	if len(s) != 3 || x.squeezed || x.perm != nil {
		return nil, errors.Errorf("input of shape (batch, %v), want an image (batch, channels, height, width)", x.onnxShape())
	}
	if x.lay != channelsFirst {
		return nil, errors.Errorf("input of shape (batch, %v) is channels last, where ONNX takes images channels first", x.onnxShape())
	}
	return s, nil
}

// padding works out which of gradgraph's paddings a window's attributes
// describe, or says why neither does.
func padding(n *pbNode, in []int, kernel, strides [2]int) (string, error) {
	autoPad, err := n.stringAttr("auto_pad", "NOTSET")
	if err != nil {
		return "", err
	}
	dil, err := n.intsAttr("dilations", 1, 1)
	if err != nil {
		return "", err
	}
	if !equal64(dil, 1, 1) {
		return "", errors.Errorf("dilations %v: only 1, 1", dil)
	}
	same, err := newWindow(in, kernel, strides, "same")
	if err != nil {
		return "", err
	}
	pads, err := n.intsAttr("pads", 0, 0, 0, 0)
	if err != nil {
		return "", err
	}
	switch autoPad {
	case "VALID":
		pads = []int64{0, 0, 0, 0}
	case "SAME_UPPER":
		return "same", nil
	case "SAME_LOWER":
		pads = []int64{int64(same.bottom), int64(same.right), int64(same.top), int64(same.left)}
	case "NOTSET", "":
	default:
		return "", errors.Errorf("auto_pad %q", autoPad)
	}
	if len(pads) != 4 {
		return "", errors.Errorf("pads %v, want 4 values", pads)
	}
	if equal64(pads, 0, 0, 0, 0) {
		if _, err := newWindow(in, kernel, strides, "valid"); err != nil {
			return "", err
		}
		return "valid", nil
	}
	if equal64(pads, int64(same.top), int64(same.left), int64(same.bottom), int64(same.right)) {
		return "same", nil
	}
	return "", errors.Errorf("pads %v (top, left, bottom, right) are neither none nor gradgraph's \"same\" padding %v for a %dx%d input, window %v and strides %v",
		pads, []int{same.top, same.left, same.bottom, same.right}, in[0], in[1], kernel, strides)
}

func pair(vs []int64, what string) ([2]int, error) {
	if len(vs) != 2 || vs[0] <= 0 || vs[1] <= 0 || vs[0] > 1<<20 || vs[1] > 1<<20 {
		return [2]int{}, errors.Errorf("%s %v, want two positive sizes", what, vs)
	}
	return [2]int{int(vs[0]), int(vs[1])}, nil
}

func (im *importer) conv(n *pbNode) error {
	if len(n.in) < 2 || len(n.in) > 3 {
		return errors.Errorf("%d inputs, want 2 or 3", len(n.in))
	}
	x, err := im.tensorIn(n, 0)
	if err != nil {
		return err
	}
	in, err := image(x)
	if err != nil {
		return err
	}
	w, err := im.floatConst(n, 1)
	if err != nil {
		return err
	}
	if len(w.dims) != 4 {
		return errors.Errorf("kernel of dims %v, want (filters, channels, height, width)", w.dims)
	}
	f, c, kh, kw := int(w.dims[0]), int(w.dims[1]), int(w.dims[2]), int(w.dims[3])
	if c != in[2] || f == 0 {
		return errors.Errorf("kernel of dims %v for an input of %d channels", w.dims, in[2])
	}
	group, err := n.intAttr("group", 1)
	if err != nil {
		return err
	}
	if group != 1 {
		return errors.Errorf("group %d: only 1 (no grouped or depthwise convolutions)", group)
	}
	ks, err := n.intsAttr("kernel_shape", w.dims[2], w.dims[3])
	if err != nil {
		return err
	}
	if !equal64(ks, w.dims[2], w.dims[3]) {
		return errors.Errorf("kernel_shape %v, the kernel's %v", ks, w.dims[2:])
	}
	st, err := n.intsAttr("strides", 1, 1)
	if err != nil {
		return err
	}
	strides, err := pair(st, "strides")
	if err != nil {
		return err
	}
	kernel := [2]int{kh, kw}
	pad, err := padding(n, in, kernel, strides)
	if err != nil {
		return err
	}
	var bias []float32
	if len(n.in) == 3 && n.in[2] != "" {
		b, err := im.floatConst(n, 2)
		if err != nil {
			return err
		}
		if len(b.f) != f || len(b.dims) != 1 {
			return errors.Errorf("bias of dims %v for %d filters", b.dims, f)
		}
		bias = append([]float32(nil), b.f...)
	}
	// (filters, cin, kh, kw) → gradgraph's (kh, kw, cin, filters).
	k := make([]float32, len(w.f))
	for o := 0; o < f; o++ {
		for ci := 0; ci < c; ci++ {
			for i := 0; i < kh; i++ {
				for j := 0; j < kw; j++ {
					k[((i*kw+j)*c+ci)*f+o] = w.f[((o*c+ci)*kh+i)*kw+j]
				}
			}
		}
	}
	key := ""
	if im.shared[n.in[1]] > 1 {
		key = n.op + "|" + strings.Join(n.in[1:], "|") + "|" + pad + "|" + strconv.Itoa(strides[0]) + "," + strconv.Itoa(strides[1])
		if p := im.sharedLayers()[key]; p != nil {
			t, err := im.call(p.layer, "", x)
			if err != nil {
				return err
			}
			return im.define(n.out[0], &val{t: t, lay: channelsFirst, prod: p})
		}
	}
	l := nn.Conv2D(f, 1, nn.Linear)
	l.KernelSize, l.Strides, l.Padding, l.NoBias = kernel, strides, pad, bias == nil
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	p := &producer{layer: l, kernel: k, bias: bias, shared: key != ""}
	im.prods = append(im.prods, p)
	if key != "" {
		im.sharedLayers()[key] = p
	}
	return im.define(n.out[0], &val{t: t, lay: channelsFirst, prod: p})
}

func (im *importer) maxPool(n *pbNode) error {
	x, err := im.only(n)
	if err != nil {
		return err
	}
	in, err := image(x)
	if err != nil {
		return err
	}
	ks, err := n.intsAttr("kernel_shape")
	if err != nil {
		return err
	}
	kernel, err := pair(ks, "kernel_shape")
	if err != nil {
		return err
	}
	st, err := n.intsAttr("strides", 1, 1)
	if err != nil {
		return err
	}
	strides, err := pair(st, "strides")
	if err != nil {
		return err
	}
	pad, err := padding(n, in, kernel, strides)
	if err != nil {
		return err
	}
	ceil, err := n.intAttr("ceil_mode", 0)
	if err != nil {
		return err
	}
	if ceil != 0 {
		// Rounding up changes nothing when the windows fit exactly.
		g, _ := newWindow(in, kernel, strides, pad)
		ph, pw := g.top+g.bottom, g.left+g.right
		if (in[0]+ph-kernel[0])%strides[0] != 0 || (in[1]+pw-kernel[1])%strides[1] != 0 {
			return errors.New("ceil_mode 1 where it adds a partial window: gradgraph's pooling rounds down")
		}
	}
	l := nn.MaxPooling2D(1)
	l.PoolSize, l.Strides, l.Padding = kernel, strides, pad
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	return im.define(n.out[0], &val{t: t, lay: channelsFirst})
}

func (im *importer) globalPool(n *pbNode) error {
	x, err := im.only(n)
	if err != nil {
		return err
	}
	if _, err := image(x); err != nil {
		return err
	}
	var l nn.Layer = nn.GlobalAveragePooling2D()
	if n.op == "GlobalMaxPool" {
		l = nn.GlobalMaxPooling2D()
	}
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	return im.define(n.out[0], &val{t: t, squeezed: true})
}

// flatPerm is the order of a channels-first image of c channels of sp
// positions each, flattened: the file's element j (channel j/sp, position
// j%sp) is gradgraph's channels-last element at(j). It is worked out per
// element rather than held, so that a large image costs no memory until
// a Dense's weights, which the file holds, are permuted by it.
type flatPerm struct{ c, sp int }

func (p *flatPerm) at(j int) int { return (j%p.sp)*p.c + j/p.sp }

// toGradgraph reorders per-feature values of the file's flat tensor (a
// BatchNormalization's statistics, a LayerNormalization's γ) to
// gradgraph's order; a nil p (the same order) returns v.
func (p *flatPerm) toGradgraph(v []float32) []float32 {
	if p == nil {
		return v
	}
	out := make([]float32, len(v))
	for j, x := range v {
		out[p.at(j)] = x
	}
	return out
}

// flattenTo makes the node's output x flattened to (batch, features).
func (im *importer) flattenTo(n *pbNode, x *val) error {
	if _, err := im.tensor(x); err != nil {
		return err
	}
	s := x.tShape()
	if len(s) == 1 {
		v := *x
		v.squeezed = false
		return im.define(n.out[0], &v)
	}
	var perm *flatPerm
	// With one channel or one position the two orders coincide.
	if c := s[len(s)-1]; x.lay == channelsFirst && c > 1 && size(s) > c {
		perm = &flatPerm{c: c, sp: size(s) / c}
	}
	t, err := im.call(nn.Flatten(), im.layerName(n), x)
	if err != nil {
		return err
	}
	return im.define(n.out[0], &val{t: t, perm: perm})
}

func (im *importer) flatten(n *pbNode) error {
	x, err := im.only(n)
	if err != nil {
		return err
	}
	axis, err := n.intAttr("axis", 1)
	if err != nil {
		return err
	}
	if axis < 0 {
		axis += int64(x.onnxRank())
	}
	if axis != 1 {
		return errors.Errorf("axis %d: only 1, the batch kept", axis)
	}
	return im.flattenTo(n, x)
}

func (im *importer) reshape(n *pbNode) error {
	if len(n.in) != 2 {
		return errors.Errorf("%d inputs, want 2", len(n.in))
	}
	x, err := im.tensorIn(n, 0)
	if err != nil {
		return err
	}
	c, err := im.constIn(n, 1)
	if err != nil {
		return err
	}
	if !c.isInt || len(c.dims) != 1 || len(c.i) < 2 || len(c.i) > maxTensorRank {
		return errors.Errorf("shape %v of dims %v: want an int64 vector of 2 to %d values", c.i, c.dims, maxTensorRank)
	}
	az, err := n.intAttr("allowzero", 0)
	if err != nil {
		return err
	}
	if az != 0 {
		return errors.New("allowzero 1")
	}
	if _, err := im.tensor(x); err != nil {
		return err
	}
	src := x.onnxShape()
	total := size(src)
	tgt := c.i
	per := make([]int, len(tgt)-1)
	free, known := -1, 1
	for i, d := range tgt[1:] {
		switch {
		case d == 0:
			if i+1 > len(src) {
				return errors.Errorf("shape %v: 0 copies dimension %d, which the input (batch, %v) lacks", tgt, i+1, src)
			}
			per[i] = src[i]
		case d == -1 && free < 0:
			free = i
			continue
		case d <= 0 || d > int64(total):
			return errors.Errorf("shape %v: dimension %d is %d", tgt, i+1, d)
		default:
			per[i] = int(d)
		}
		known *= per[i]
	}
	switch {
	case tgt[0] == 0:
	case tgt[0] == -1 && free < 0:
	default:
		return errors.Errorf("shape %v: the batch dimension must stay free (0 or -1 first)", tgt)
	}
	if free >= 0 {
		if known == 0 || total%known != 0 {
			return errors.Errorf("shape %v does not divide the input (batch, %v)", tgt, src)
		}
		per[free] = total / known
	}
	if size(per) != total {
		return errors.Errorf("shape %v does not fit the input (batch, %v)", tgt, src)
	}
	if len(per) == 1 {
		return im.flattenTo(n, x)
	}
	if equal(per, src) {
		return im.alias(n, 2)
	}
	if x.perm != nil || (x.lay == channelsFirst && len(x.tShape()) >= 2) {
		return errors.Errorf("a reshape of a channels-first tensor (batch, %v) to (batch, %v), whose order gradgraph's channels-last tensors do not have", src, per)
	}
	t, err := im.call(nn.Reshape(per...), im.layerName(n), x)
	if err != nil {
		return err
	}
	return im.define(n.out[0], &val{t: t})
}

func (im *importer) transpose(n *pbNode) error {
	x, err := im.only(n)
	if err != nil {
		return err
	}
	if _, err := im.tensor(x); err != nil {
		return err
	}
	perm, err := n.intsAttr("perm")
	if err != nil {
		return err
	}
	r := x.onnxRank()
	id := len(perm) == r
	for i, p := range perm {
		id = id && p == int64(i)
	}
	if id {
		return im.alias(n, 1)
	}
	// (batch, d1.., c) ↔ (batch, c, d1..): the same gradgraph tensor in
	// the other layout.
	if g := len(x.tShape()); g >= 2 && !x.squeezed && x.perm == nil && len(perm) == g+1 {
		toFirst, toLast := perm[0] == 0 && perm[1] == int64(g), perm[0] == 0 && perm[g] == 1
		for i := 2; i <= g; i++ {
			toFirst = toFirst && perm[i] == int64(i-1)
		}
		for i := 1; i < g; i++ {
			toLast = toLast && perm[i] == int64(i+1)
		}
		v := *x
		v.prod = nil
		switch {
		case x.lay == channelsLast && toFirst:
			v.lay = channelsFirst
			return im.define(n.out[0], &v)
		case x.lay == channelsFirst && toLast:
			v.lay = channelsLast
			return im.define(n.out[0], &v)
		}
	}
	return errors.Errorf("perm %v of a tensor (batch, %v): only the moves of the channels between last and first", perm, x.onnxShape())
}

func (im *importer) batchNorm(n *pbNode) error {
	if len(n.in) != 5 {
		return errors.Errorf("%d inputs, want 5", len(n.in))
	}
	x, err := im.tensorIn(n, 0)
	if err != nil {
		return err
	}
	if _, err := im.tensor(x); err != nil {
		return err
	}
	tm, err := n.intAttr("training_mode", 0)
	if err != nil {
		return err
	}
	if tm != 0 {
		return errors.New("training_mode 1: only the inference form")
	}
	eps, err := n.floatAttr("epsilon", 1e-5)
	if err != nil {
		return err
	}
	mom, err := n.floatAttr("momentum", 0.9)
	if err != nil {
		return err
	}
	if !(eps > 0) || math.IsInf(float64(eps), 0) || !(mom >= 0 && mom <= 1) {
		return errors.Errorf("epsilon %v or momentum %v out of range", eps, mom)
	}
	s := x.tShape()
	if len(s) >= 2 && !x.squeezed && x.lay == channelsLast {
		return errors.Errorf("input (batch, %v) is channels last, where ONNX normalises axis 1", x.onnxShape())
	}
	ch := s[len(s)-1]
	var stats [4][]float32
	for i := range stats {
		c, err := im.floatConst(n, i+1)
		if err != nil {
			return err
		}
		if len(c.f) != ch || len(c.dims) != 1 {
			return errors.Errorf("input %d of dims %v for %d channels", i+1, c.dims, ch)
		}
		stats[i] = x.perm.toGradgraph(append([]float32(nil), c.f...))
	}
	l := &nn.BatchNormLayer{Momentum: float64(mom), Epsilon: float64(eps)}
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	im.prods = append(im.prods, &producer{layer: l, bn: stats})
	return im.define(n.out[0], result(t, x, nil))
}

// layerNorm maps LayerNormalization (opset 17) over the last axis alone,
// which must be gradgraph's last (features, or channels of a channels-last
// tensor), to a LayerNormalization layer with the file's Scale as γ and B,
// when given, as β. stash_type (the precision of the statistics) is
// ignored: gradgraph computes them in the model's float32. Its Mean and
// InvStdDev outputs may be declared but not read (mapNode's check).
func (im *importer) layerNorm(n *pbNode) error {
	if im.opset < 17 {
		return errors.Errorf("LayerNormalization is an opset 17 op, the file declares opset %d", im.opset)
	}
	if len(n.in) < 2 || len(n.in) > 3 {
		return errors.Errorf("%d inputs, want 2 or 3", len(n.in))
	}
	x, err := im.tensorIn(n, 0)
	if err != nil {
		return err
	}
	if err := featuresLast(x); err != nil {
		return err
	}
	r := int64(x.onnxRank())
	axis, err := n.intAttr("axis", -1)
	if err != nil {
		return err
	}
	if axis < 0 {
		axis += r
	}
	if axis != r-1 {
		return errors.Errorf("axis %d of a tensor of rank %d: gradgraph's LayerNormalization normalises the last axis alone", axis, r)
	}
	eps, err := n.floatAttr("epsilon", 1e-5)
	if err != nil {
		return err
	}
	if err := checkEpsilon(eps); err != nil {
		return err
	}
	s := x.tShape()
	ch := s[len(s)-1]
	var w [2][]float32
	for i := range w {
		if i == 1 && (len(n.in) < 3 || n.in[2] == "") {
			break
		}
		c, err := im.floatConst(n, i+1)
		if err != nil {
			return err
		}
		v, ok := vector(c, ch, 1, true)
		if !ok {
			return errors.Errorf("%s of dims %v for %d features", [2]string{"Scale", "B"}[i], c.dims, ch)
		}
		w[i] = x.perm.toGradgraph(v)
	}
	l := &nn.LayerNormalizationLayer{Epsilon: epsilon64(eps), Scale: true, Center: w[1] != nil}
	t, err := im.call(l, im.layerName(n), x)
	if err != nil {
		return err
	}
	im.prods = append(im.prods, &producer{layer: l, gamma: w[0], beta: w[1]})
	return im.define(n.out[0], result(t, x, nil))
}

// featuresLast checks that the file's last axis of x is gradgraph's last
// axis, the one its LayerNormalization normalises: a flat tensor's (in
// whatever order a Flatten gave it) or a channels-last one's.
func featuresLast(x *val) error {
	switch {
	case x.squeezed:
		return errors.Errorf("input (batch, %v) is a pooled image, whose last axis in the file is of size 1", x.onnxShape())
	case x.lay == channelsFirst && len(x.tShape()) >= 2:
		return errors.Errorf("input (batch, %v) is channels first: its last axis is the width, where gradgraph's LayerNormalization normalises the channels (a Transpose to channels last before it, as PyTorch's ConvNeXt has, is read)", x.onnxShape())
	}
	return nil
}

func checkEpsilon(eps float32) error {
	if !(eps > 0) || math.IsInf(float64(eps), 0) {
		return errors.Errorf("epsilon %v: gradgraph's LayerNormalization adds a positive, finite ε", eps)
	}
	return nil
}

// epsilon64 is the float64 a file's float32 ε stands for: the shortest
// decimal that rounds to it (0.001, not 0.0010000000474974513), so that
// the layer's config reads as the model was written; a float32 model adds
// the same float32 either way.
func epsilon64(e float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(e), 'g', -1, 32), 64)
	if err != nil {
		return float64(e)
	}
	return v
}

// A layer normalisation written out in ops, as PyTorch 1.13 writes
// nn.LayerNorm below opset 17 and gradgraph its LayerNormalization:
//
//	m = ReduceMean(x, axes [-1], keepdims 1)
//	d = Sub(x, m)
//	s = Pow(d, 2), or Mul(d, d)
//	v = ReduceMean(s, axes [-1], keepdims 1)
//	e = Add(v, ε)
//	r = Sqrt(e)
//	y = Div(d, r)
//
// then, when the layer has them, Mul by γ and Add β per feature, fused as
// a Dense's bias is (binary). Each step's tensor is held, without a
// gradgraph tensor, as the step of the sequence it is (normStep), and must
// be read by the sequence's next step alone (d by the square and the
// Div); the Div makes one LayerNormalization layer of x. A step read by
// anything else, or the sequence in another order or with other
// attributes, is an error naming the node.
const normSequence = "ReduceMean, Sub, Pow 2 or Mul, ReduceMean, Add ε, Sqrt, Div, then Mul γ and Add β"

type normStage int

const (
	normMean normStage = iota
	normCentred
	normSquared
	normVariance
	normShifted
	normStd
)

var normStages = [...]string{"mean", "deviation from the mean", "squared deviation", "variance", "variance plus ε", "standard deviation"}

// normStep is a step of one layer normalisation written out in ops.
type normStep struct {
	*normChain
	stage normStage
}

// normChain is what one sequence has read so far.
type normChain struct {
	x     *val   // the tensor normalised
	start string // the first ReduceMean's node
	eps   float32
}

func (s *normStep) next(stage normStage) *val {
	return &val{norm: &normStep{normChain: s.normChain, stage: stage}}
}

// unfinished is the error for a step read by something the sequence does
// not have there.
func (s *normStep) unfinished(name string) error {
	return errors.Errorf("%q is the %s of a layer normalisation written out in ops from node %q, which the import reads only as a whole (%s), each step read by the next alone",
		name, normStages[s.stage], s.start, normSequence)
}

// readBy checks that step v is read exactly reads times (node inputs and
// graph outputs): by the sequence's next step alone.
func (im *importer) readBy(v *val, reads int) error {
	if got := im.uses[v.name]; got != reads {
		return errors.Errorf("%q, the %s of a layer normalisation written out in ops from node %q, is read %d times, where the sequence (%s) reads it %d",
			v.name, normStages[v.norm.stage], v.norm.start, got, normSequence, reads)
	}
	return nil
}

// reduceMean is a layer normalisation's mean of x or variance, over the
// last axis, kept (keepdims 1); its axes are an attribute below opset 18,
// an input from 18.
func (im *importer) reduceMean(n *pbNode) error {
	maxIn := 1
	if im.opset >= 18 {
		maxIn = 2
	}
	if len(n.in) == 0 || len(n.in) > maxIn {
		return errors.Errorf("%d inputs, want 1 to %d at opset %d", len(n.in), maxIn, im.opset)
	}
	x, err := im.in(n, 0)
	if err != nil {
		return err
	}
	var rank int
	switch {
	case x.norm == nil:
		if _, err := im.tensor(x); err != nil {
			return err
		}
		if err := featuresLast(x); err != nil {
			return err
		}
		rank = x.onnxRank()
	case x.norm.stage == normSquared:
		if err := im.readBy(x, 1); err != nil {
			return err
		}
		rank = x.norm.x.onnxRank()
	default:
		return x.norm.unfinished(x.name)
	}
	var axes []int64
	if im.opset < 18 {
		if axes, err = n.intsAttr("axes"); err != nil {
			return err
		}
	} else {
		if _, ok := n.attr("axes"); ok {
			return errors.New("attribute axes: from opset 18 the axes are an input")
		}
		if len(n.in) == 2 && n.in[1] != "" {
			c, err := im.constIn(n, 1)
			if err != nil {
				return err
			}
			if !c.isInt || len(c.dims) > 1 {
				return errors.Errorf("axes of dims %v: want an integer vector", c.dims)
			}
			axes = c.i
		}
	}
	keep, err := n.intAttr("keepdims", 1)
	if err != nil {
		return err
	}
	if len(axes) != 1 || (axes[0] != -1 && axes[0] != int64(rank-1)) || keep != 1 {
		return errors.Errorf("axes %v, keepdims %d of a tensor of rank %d: a ReduceMean is imported only as a layer normalisation's mean over the last axis, kept (%s)", axes, keep, rank, normSequence)
	}
	if x.norm == nil {
		return im.define(n.out[0], &val{norm: &normStep{normChain: &normChain{x: x, start: n.name}, stage: normMean}})
	}
	return im.define(n.out[0], x.norm.next(normVariance))
}

// pow is a layer normalisation's square of the deviations: exponent 2.
func (im *importer) pow(n *pbNode) error {
	if len(n.in) != 2 {
		return errors.Errorf("%d inputs, want 2", len(n.in))
	}
	x, err := im.in(n, 0)
	if err != nil {
		return err
	}
	c, err := im.constIn(n, 1)
	if err != nil {
		return err
	}
	two := len(c.f) == 1 && c.f[0] == 2 || len(c.i) == 1 && c.i[0] == 2
	switch {
	case x.norm != nil && x.norm.stage != normCentred:
		return x.norm.unfinished(x.name)
	case x.norm == nil || !two:
		return errors.Errorf("a Pow is imported only as the square (exponent 2) of a layer normalisation's deviations (%s)", normSequence)
	}
	if err := im.readBy(x, 2); err != nil {
		return err
	}
	return im.define(n.out[0], x.norm.next(normSquared))
}

// sqrt is a layer normalisation's standard deviation.
func (im *importer) sqrt(n *pbNode) error {
	if len(n.in) != 1 {
		return errors.Errorf("%d inputs, want 1", len(n.in))
	}
	x, err := im.in(n, 0)
	if err != nil {
		return err
	}
	switch {
	case x.norm == nil:
		return errors.Errorf("a Sqrt is imported only as a layer normalisation's standard deviation (%s)", normSequence)
	case x.norm.stage != normShifted:
		return x.norm.unfinished(x.name)
	}
	if err := im.readBy(x, 1); err != nil {
		return err
	}
	return im.define(n.out[0], x.norm.next(normStd))
}

// normBinary is a Sub, Mul, Add or Div reading a step of a layer
// normalisation: x − m, d·d, v + ε, or d / r, which ends the sequence
// with the layer.
func (im *importer) normBinary(n *pbNode, a, b *val) error {
	switch {
	case n.op == "Sub" && a.norm == nil && a.c == nil && b.norm != nil && b.norm.stage == normMean:
		x := b.norm.x
		if t, err := im.tensor(a); err != nil || t != x.t || a.lay != x.lay || a.squeezed != x.squeezed || !samePerm(a.perm, x.perm) {
			return errors.Errorf("%q is not the tensor whose mean %q is", a.name, b.name)
		}
		if err := im.readBy(b, 1); err != nil {
			return err
		}
		return im.define(n.out[0], b.norm.next(normCentred))
	case n.op == "Mul" && a.norm != nil && a.norm.stage == normCentred && a.name == b.name:
		if err := im.readBy(a, 3); err != nil {
			return err
		}
		return im.define(n.out[0], a.norm.next(normSquared))
	case n.op == "Add" && (a.norm == nil) != (b.norm == nil):
		v, c := a, b.c
		if v.norm == nil {
			v, c = b, a.c
		}
		if v.norm.stage != normVariance {
			break
		}
		if c == nil || c.isInt || len(c.f) != 1 || len(c.dims) > v.norm.x.onnxRank() {
			return errors.Errorf("%q, the variance of a layer normalisation, plus what is not a float scalar (ε)", v.name)
		}
		if err := checkEpsilon(c.f[0]); err != nil {
			return err
		}
		if err := im.readBy(v, 1); err != nil {
			return err
		}
		v.norm.eps = c.f[0]
		return im.define(n.out[0], v.norm.next(normShifted))
	case n.op == "Div" && a.norm != nil && b.norm != nil && a.norm.normChain == b.norm.normChain &&
		a.norm.stage == normCentred && b.norm.stage == normStd:
		if err := im.readBy(b, 1); err != nil {
			return err
		}
		x := a.norm.x
		l := &nn.LayerNormalizationLayer{Epsilon: epsilon64(a.norm.eps)}
		t, err := im.call(l, im.layerName(n), x)
		if err != nil {
			return err
		}
		p := &producer{layer: l}
		im.prods = append(im.prods, p)
		return im.define(n.out[0], result(t, x, p))
	}
	// The step out of place: b where a is none or a deviation (x − m,
	// d / r), else a.
	v := a
	if b.norm != nil && (a.norm == nil || a.norm.stage == normCentred) {
		v = b
	}
	return v.norm.unfinished(v.name)
}
