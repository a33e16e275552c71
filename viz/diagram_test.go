package viz

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestModelDiagramGolden(t *testing.T) {
	boxes := []DiagramBox{
		{Title: "dense (Dense)", Input: "(None, 4)", Output: "(None, 64)"},
		{Title: "batch_normalization (BatchNormalization)", Input: "(None, 64)", Output: "(None, 64)"},
		{Title: "dropout (Dropout)", Input: "(None, 64)", Output: "(None, 64)"},
		{Title: "dense_1 (Dense)", Input: "(None, 64)", Output: "(None, 3)"},
	}
	checkGolden(t, "diagram", 440, 44+4*92-28+16, func(path string) error {
		return ModelDiagram(path, `Model "iris"`, boxes)
	})
}

func TestModelDiagramNoLayers(t *testing.T) {
	if err := ModelDiagram(t.TempDir()+"/d.png", "empty", nil); err == nil {
		t.Error("a diagram of no layers gave no error")
	}
}

// residualBoxes is a residual block as a functional model's Describe gives
// it: input → conv → bn → relu → conv → bn → add(with the input) → relu →
// global average pooling → dense.
func residualBoxes() []DiagramBox {
	const fm = "(None, 14, 14, 32)"
	box := func(name, typ, in, out string, inbound ...string) DiagramBox {
		return DiagramBox{Title: name + " (" + typ + ")", Input: in, Output: out, Name: name, Inbound: inbound}
	}
	return []DiagramBox{
		box("input_layer", "InputLayer", "["+fm+"]", "["+fm+"]"),
		box("conv2d", "Conv2D", fm, fm, "input_layer"),
		box("batch_normalization", "BatchNormalization", fm, fm, "conv2d"),
		box("re_lu", "ReLU", fm, fm, "batch_normalization"),
		box("conv2d_1", "Conv2D", fm, fm, "re_lu"),
		box("batch_normalization_1", "BatchNormalization", fm, fm, "conv2d_1"),
		box("add", "Add", "["+fm+", "+fm+"]", fm, "batch_normalization_1", "input_layer"),
		box("re_lu_1", "ReLU", fm, fm, "add"),
		box("global_average_pooling2d", "GlobalAveragePooling2D", fm, "(None, 32)", "re_lu_1"),
		box("dense", "Dense", "(None, 32)", "(None, 10)", "global_average_pooling2d"),
	}
}

// twoInputBoxes is a model of two inputs: a layer shared by both, a dense
// layer after it, and a Concatenate of the dense layer, the shared layer
// and the second input, two and three rows down.
func twoInputBoxes() []DiagramBox {
	return []DiagramBox{
		{Title: "main (InputLayer)", Input: "[(None, 32)]", Output: "[(None, 32)]", Name: "main"},
		{Title: "aux (InputLayer)", Input: "[(None, 32)]", Output: "[(None, 32)]", Name: "aux"},
		{Title: "shared (Dense)", Input: "(None, 32)", Output: "(None, 16)", Name: "shared", Inbound: []string{"main", "aux"}},
		{Title: "dense (Dense)", Input: "(None, 16)", Output: "(None, 8)", Name: "dense", Inbound: []string{"shared"}},
		{Title: "concatenate (Concatenate)", Input: "[(None, 8), (None, 16), (None, 32)]", Output: "(None, 56)", Name: "concatenate",
			Inbound: []string{"dense", "shared", "aux"}},
		{Title: "predictions (Dense)", Input: "(None, 56)", Output: "(None, 1)", Name: "predictions", Inbound: []string{"concatenate"}},
	}
}

func TestModelDiagramResidualGolden(t *testing.T) {
	// Ten rows. The add's two input shapes widen its box to 532 pixels,
	// the widest row (+ 2·30); the skip arrow passes right of the five
	// 380-pixel boxes between, within that width.
	checkGolden(t, "diagram_residual", 592, 44+10*92-28+16, func(path string) error {
		return ModelDiagram(path, `Model "residual"`, residualBoxes())
	})
}

func TestModelDiagramTwoInputsGolden(t *testing.T) {
	// The widest row is the two inputs side by side: 2·380 + 20 + 2·30.
	checkGolden(t, "diagram_two_inputs", 840, 44+5*92-28+16, func(path string) error {
		return ModelDiagram(path, `Model "two_inputs"`, twoInputBoxes())
	})
}

// realRows lists the titles of the boxes of each row of l, left to right,
// and the number of waypoints in each row.
func realRows(boxes []DiagramBox, l *diagramLayout) (rows [][]string, lanes []int) {
	for _, row := range l.ranks {
		var names []string
		n := 0
		for _, i := range row {
			if b := l.nodes[i].box; b >= 0 {
				names = append(names, boxLabel(boxes[b]))
			} else {
				n++
			}
		}
		rows = append(rows, names)
		lanes = append(lanes, n)
	}
	return rows, lanes
}

func equalWidths(n int) []int {
	w := make([]int, n)
	for i := range w {
		w[i] = 100
	}
	return w
}

func TestLayoutDiagramTwoInputs(t *testing.T) {
	boxes := twoInputBoxes()
	l, err := layoutDiagram(boxes, equalWidths(len(boxes)))
	if err != nil {
		t.Fatal(err)
	}
	rows, lanes := realRows(boxes, l)
	want := [][]string{{"main", "aux"}, {"shared"}, {"dense"}, {"concatenate"}, {"predictions"}}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	// aux's arrow to concatenate passes rows 1 and 2; shared's, row 2.
	if want := []int{0, 1, 2, 0, 0}; !reflect.DeepEqual(lanes, want) {
		t.Errorf("waypoints per row %v, want %v", lanes, want)
	}
	x := func(name string) int {
		for i, b := range boxes {
			if b.Name == name {
				return l.nodes[i].x
			}
		}
		t.Fatalf("no box %s", name)
		return 0
	}
	// The inputs are 100 + 20 apart and shared sits between them; dense
	// sits under shared, the passing arrows to its right.
	if x("aux")-x("main") != 120 || x("shared") != (x("main")+x("aux"))/2 || x("dense") != x("shared") {
		t.Errorf("centres main %d aux %d shared %d dense %d", x("main"), x("aux"), x("shared"), x("dense"))
	}
	for _, row := range l.ranks {
		for k := 1; k < len(row); k++ {
			a, b := l.nodes[row[k-1]], l.nodes[row[k]]
			if float64(b.x-a.x) < l.gap(row[k-1], row[k]) {
				t.Errorf("row %d: nodes at %d and %d overlap", a.rank, a.x, b.x)
			}
			if a.box >= 0 && b.box < 0 && b.x <= x("dense") {
				t.Errorf("a waypoint at %d is not right of dense at %d", b.x, x("dense"))
			}
		}
	}
	// Every node's predecessors are in the row above.
	for i, nd := range l.nodes {
		for _, p := range nd.preds {
			if l.nodes[p].rank != nd.rank-1 {
				t.Errorf("node %d in row %d is fed from row %d", i, nd.rank, l.nodes[p].rank)
			}
		}
	}
	// concatenate is fed by dense directly and by the waypoints of shared
	// and aux in row 2.
	c := l.nodes[4]
	if len(c.preds) != 3 || c.preds[0] != 3 || l.nodes[c.preds[1]].box >= 0 || l.nodes[c.preds[2]].box >= 0 {
		t.Errorf("concatenate's predecessors %v", c.preds)
	}
}

func TestLayoutDiagramOrder(t *testing.T) {
	// Inputs a, b, c; x takes c, y takes a: the barycentres put y left of
	// x although x comes first; z takes both and sits below; a repeated
	// inbound name makes one edge.
	boxes := []DiagramBox{
		{Name: "a"}, {Name: "b"}, {Name: "c"},
		{Name: "x", Inbound: []string{"c", "c"}},
		{Name: "y", Inbound: []string{"a"}},
		{Name: "z", Inbound: []string{"x", "y", "b"}},
	}
	l, err := layoutDiagram(boxes, equalWidths(len(boxes)))
	if err != nil {
		t.Fatal(err)
	}
	rows, lanes := realRows(boxes, l)
	if want := [][]string{{"a", "b", "c"}, {"y", "x"}, {"z"}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("rows %q, want %q", rows, want)
	}
	// b's edge to z passes row 1 between y and x (barycentre 1).
	if want := []int{0, 1, 0}; !reflect.DeepEqual(lanes, want) {
		t.Errorf("waypoints per row %v, want %v", lanes, want)
	}
	if got := l.ranks[1]; len(got) != 3 || l.nodes[got[1]].box >= 0 {
		t.Errorf("row 1 is %v, want y, the waypoint, x", got)
	}
	if len(l.nodes[3].preds) != 1 {
		t.Errorf("x has predecessors %v, want c once", l.nodes[3].preds)
	}
}

func TestLayoutDiagramChain(t *testing.T) {
	// Boxes without inbound names are a chain, one per row, all centred.
	boxes := make([]DiagramBox, 5)
	widths := []int{380, 380, 500, 380, 380}
	l, err := layoutDiagram(boxes, widths)
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ranks) != 5 || len(l.nodes) != 5 || l.width != 500 {
		t.Fatalf("%d rows, %d nodes, %d wide; want 5, 5, 500", len(l.ranks), len(l.nodes), l.width)
	}
	for i, nd := range l.nodes {
		if nd.rank != i || nd.x != 250 {
			t.Errorf("box %d in row %d at %d, want row %d at 250", i, nd.rank, nd.x, i)
		}
	}
}

func TestLayoutDiagramNamedBoxesWithoutEdges(t *testing.T) {
	// Named boxes are a graph even with no arrows (a model of inputs
	// only): one row, not a chain.
	boxes := []DiagramBox{{Name: "a"}, {Name: "b"}}
	l, err := layoutDiagram(boxes, equalWidths(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ranks) != 1 || l.nodes[1].x-l.nodes[0].x != 120 {
		t.Errorf("%d rows, centres %d and %d; want one row, 120 apart", len(l.ranks), l.nodes[0].x, l.nodes[1].x)
	}
}

func TestModelDiagramBadGraph(t *testing.T) {
	for _, c := range []struct {
		name  string
		boxes []DiagramBox
		want  string
	}{
		{"unknown inbound", []DiagramBox{{Name: "a"}, {Name: "b", Title: "b (Dense)", Inbound: []string{"nope"}}}, `inbound "nope" is no box's name`},
		{"duplicate name", []DiagramBox{{Name: "a"}, {Name: "a", Inbound: []string{"a"}}}, `both named "a"`},
		{"cycle", []DiagramBox{
			{Name: "in"},
			{Name: "a", Inbound: []string{"in", "c"}},
			{Name: "b", Inbound: []string{"a"}},
			{Name: "c", Inbound: []string{"b"}},
			{Name: "d", Inbound: []string{"c"}},
		}, "cycle: a → b → c → a"},
		{"self loop", []DiagramBox{{Name: "in"}, {Name: "a", Inbound: []string{"in", "a"}}}, "cycle: a → a"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := t.TempDir() + "/d.png"
			err := ModelDiagram(path, "bad", c.boxes)
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("got error %v, want one naming %s and containing %q", err, path, c.want)
			}
		})
	}
}

func TestModelDiagramTooLarge(t *testing.T) {
	// 4,000 inputs side by side would need a canvas of 1.6 million pixels
	// across: an error, before any canvas is made.
	boxes := make([]DiagramBox, 4001)
	var names []string
	for i := range 4000 {
		boxes[i] = DiagramBox{Name: fmt.Sprint("in", i)}
		names = append(names, boxes[i].Name)
	}
	boxes[4000] = DiagramBox{Name: "merge", Inbound: names}
	err := ModelDiagram(t.TempDir()+"/d.png", "wide", boxes)
	if err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("got %v, want a too-large error", err)
	}
}

func TestShorten(t *testing.T) {
	sty := textStyle(10, nil)
	long := "input: [" + strings.Repeat("(None, 14, 14, 32), ", 40) + "]"
	got := shorten(sty, long, 200)
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Fatalf("shorten gave %q", got)
	}
	if w := lengthPixels(sty.Width(got)); w > 200 {
		t.Errorf("shortened text is %d pixels, over 200", w)
	}
	// One more character would not have fitted.
	n := len([]rune(got)) - 1
	if w := lengthPixels(sty.Width(string([]rune(long)[:n+1]) + "…")); w <= 200 {
		t.Errorf("shorten stopped at %d characters; %d fit", n, n+1)
	}
	if s := "(None, 4)"; shorten(sty, s, 200) != s {
		t.Errorf("a short text was shortened")
	}
}

// chainBoxes is a graph of n boxes in a chain, by inbound names.
func chainBoxes(n int) []DiagramBox {
	boxes := make([]DiagramBox, n)
	for i := range boxes {
		boxes[i].Name = fmt.Sprint("layer_", i)
		if i > 0 {
			boxes[i].Inbound = []string{boxes[i-1].Name}
		}
	}
	return boxes
}

func TestLayoutDiagramLongChain(t *testing.T) {
	boxes := chainBoxes(1000)
	l, err := layoutDiagram(boxes, equalWidths(len(boxes)))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.ranks) != 1000 || len(l.nodes) != 1000 || l.nodes[999].rank != 999 {
		t.Errorf("%d rows, %d nodes, last in row %d", len(l.ranks), len(l.nodes), l.nodes[999].rank)
	}
}

func BenchmarkLayoutDiagramChain1000(b *testing.B) {
	boxes := chainBoxes(1000)
	widths := equalWidths(len(boxes))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := layoutDiagram(boxes, widths); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLayoutDiagramResidual1000(b *testing.B) {
	// 100 residual blocks of 10 boxes: long edges and waypoints.
	var boxes []DiagramBox
	prev := ""
	for k := range 100 {
		for _, bx := range residualBoxes() {
			bx.Name = fmt.Sprint(bx.Name, "_", k)
			for i, in := range bx.Inbound {
				bx.Inbound[i] = fmt.Sprint(in, "_", k)
			}
			if bx.Inbound == nil && prev != "" {
				bx.Inbound = []string{prev}
			}
			boxes = append(boxes, bx)
		}
		prev = boxes[len(boxes)-1].Name
	}
	widths := equalWidths(len(boxes))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := layoutDiagram(boxes, widths); err != nil {
			b.Fatal(err)
		}
	}
}
