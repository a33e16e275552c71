package viz

import (
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
)

// functional makes a model of inputs and outputs and initialises it.
func functional(t *testing.T, name string, in, out []*nn.Tensor) *nn.Model {
	t.Helper()
	m, err := nn.NewModel(name, in, out)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return m
}

// pngSize is the size of the PNG at path.
func pngSize(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg.Width, cfg.Height
}

// rows is the height of a diagram of n rows.
func rows(n int) int { return 44 + n*92 - 28 + 16 }

func TestPlotModelSequentialIsAChain(t *testing.T) {
	m := nn.Sequential("seq", nn.Dense(8, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := m.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	boxes, err := modelBoxes(m)
	if err != nil {
		t.Fatal(err)
	}
	// No names or inbound (Describe's "input_layer" is no box): a chain,
	// drawn as before functional models came.
	want := []DiagramBox{
		{Title: "dense (Dense)", Input: "(None, 4)", Output: "(None, 8)"},
		{Title: "dense_1 (Dense)", Input: "(None, 8)", Output: "(None, 3)"},
	}
	if !reflect.DeepEqual(boxes, want) {
		t.Errorf("boxes %+v, want %+v", boxes, want)
	}
	path := filepath.Join(t.TempDir(), "model.png")
	if err := PlotModel(path, m); err != nil {
		t.Fatal(err)
	}
	if w, h := pngSize(t, path); w != 440 || h != rows(2) {
		t.Errorf("model.png is %d×%d, want 440×%d", w, h, rows(2))
	}
}

func TestPlotModelResidualBlock(t *testing.T) {
	x := nn.Input("image", 14, 14, 32)
	h := nn.Call(nn.Conv2D(32, 3, nn.Linear).WithPadding("same"), x)
	h = nn.Call(nn.Act(nn.ReLU), nn.Call(nn.BatchNorm(), h))
	h = nn.Call(nn.BatchNorm(), nn.Call(nn.Conv2D(32, 3, nn.Linear).WithPadding("same"), h))
	h = nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, x))
	out := nn.Call(nn.Dense(10, nn.Softmax), nn.Call(nn.GlobalAveragePooling2D(), h))
	m := functional(t, "residual", []*nn.Tensor{x}, []*nn.Tensor{out})
	boxes, err := modelBoxes(m)
	if err != nil {
		t.Fatal(err)
	}
	const fm = "(None, 14, 14, 32)"
	type edge struct {
		title, input string
		inbound      []string
	}
	want := []edge{
		{"image (InputLayer)", "[" + fm + "]", nil},
		{"conv2d (Conv2D)", fm, []string{"image"}},
		{"batch_normalization (BatchNormalization)", fm, []string{"conv2d"}},
		{"activation (Activation)", fm, []string{"batch_normalization"}},
		{"conv2d_1 (Conv2D)", fm, []string{"activation"}},
		{"batch_normalization_1 (BatchNormalization)", fm, []string{"conv2d_1"}},
		{"add (Add)", "[" + fm + ", " + fm + "]", []string{"batch_normalization_1", "image"}},
		{"activation_1 (Activation)", fm, []string{"add"}},
		{"global_average_pooling2d (GlobalAveragePooling2D)", fm, []string{"activation_1"}},
		{"dense (Dense)", "(None, 32)", []string{"global_average_pooling2d"}},
	}
	var got []edge
	for _, b := range boxes {
		got = append(got, edge{b.Title, b.Input, b.Inbound})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("boxes\n%q\nwant\n%q", got, want)
	}
	if boxes[0].Output != "["+fm+"]" || boxes[0].Name != "image" || boxes[9].Output != "(None, 10)" {
		t.Errorf("input box %+v, last box %+v", boxes[0], boxes[9])
	}
	path := filepath.Join(t.TempDir(), "model.png")
	if err := PlotModel(path, m); err != nil {
		t.Fatal(err)
	}
	// Ten rows, one box each; the add's two shapes widen its box past
	// the 440 pixels of a chain.
	if w, h := pngSize(t, path); w <= 440 || h != rows(10) {
		t.Errorf("model.png is %d×%d, want wider than 440 and %d high", w, h, rows(10))
	}
}

func TestPlotModelSharedLayers(t *testing.T) {
	a, b := nn.Input("a", 8), nn.Input("b", 8)
	shared := nn.Dense(8, nn.Tanh)
	cat := nn.Call(nn.Concatenate(-1), nn.Call(shared, a), nn.Call(shared, b))
	// repeat is called on its own output: the second call's arrow would
	// go from the box to itself, and is left out.
	repeat := nn.Dense(16, nn.ReLU)
	out := nn.Call(nn.Dense(1, nn.Sigmoid), nn.Call(repeat, nn.Call(repeat, cat)))
	m := functional(t, "siamese", []*nn.Tensor{a, b}, []*nn.Tensor{out})
	boxes, err := modelBoxes(m)
	if err != nil {
		t.Fatal(err)
	}
	inbound := map[string][]string{}
	for _, bx := range boxes {
		inbound[bx.Name] = bx.Inbound
	}
	want := map[string][]string{
		"a": nil, "b": nil,
		"dense":       {"a", "b"},
		"concatenate": {"dense", "dense"},
		"dense_1":     {"concatenate"},
		"dense_2":     {"dense_1"},
	}
	if !reflect.DeepEqual(inbound, want) {
		t.Errorf("inbound %q, want %q", inbound, want)
	}
	if boxes[3].Input != "[(None, 8), (None, 8)]" {
		t.Errorf("concatenate's input %q", boxes[3].Input)
	}
	path := filepath.Join(t.TempDir(), "model.png")
	if err := PlotModel(path, m); err != nil {
		t.Fatal(err)
	}
	// The two inputs side by side (2·380 + 20 + 2·30), then one row for
	// the shared layer, the concatenation and each dense layer.
	if w, h := pngSize(t, path); w != 840 || h != rows(5) {
		t.Errorf("model.png is %d×%d, want 840×%d", w, h, rows(5))
	}
}
