package train

import (
	"math"
	"math/rand"
	"reflect"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// twoHeads is a model of two inputs and two outputs: a 4-feature "a" and a
// 2-feature "b" concatenated, a shared trunk, then "kind" (3 classes,
// softmax) and "size" (one regression output).
func twoHeads(t *testing.T) *nn.Model {
	t.Helper()
	a, b := nn.Input("a", 4), nn.Input("b", 2)
	h := nn.Call(nn.Dense(8, nn.Tanh), nn.Call(nn.Concatenate(-1), a, b))
	kind := nn.Call(named(nn.Dense(3, nn.Softmax), "kind"), h)
	size := nn.Call(named(nn.Dense(1, nn.Linear), "size"), h)
	m, err := nn.NewModel("two_heads", []*nn.Tensor{a, b}, []*nn.Tensor{kind, size})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return m
}

func named(l *nn.DenseLayer, name string) *nn.DenseLayer { l.SetName(name); return l }

// twoHeadsData is n samples whose class is the largest of a's first three
// features and whose size is the sum of b: learnable by twoHeads.
func twoHeadsData(t *testing.T, n int, seed int64) (a, b, kind, size *data.Dataset) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	xa, xb := make([]float32, n*4), make([]float32, n*2)
	yk, ys := make([]float32, n), make([]float32, n)
	for i := 0; i < n; i++ {
		best := 0
		for j := 0; j < 4; j++ {
			xa[i*4+j] = float32(rng.NormFloat64())
			if j < 3 && xa[i*4+j] > xa[i*4+best] {
				best = j
			}
		}
		yk[i] = float32(best)
		xb[i*2], xb[i*2+1] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		ys[i] = xb[i*2] + xb[i*2+1]
	}
	var err error
	mk := func(name string, x []float32, f int, y []float32, classes []string) *data.Dataset {
		if err != nil {
			return nil
		}
		var d *data.Dataset
		d, err = data.NewDataset(name, x, f, y, 1, classes)
		return d
	}
	a = mk("a", xa, 4, yk, []string{"0", "1", "2"})
	b = mk("b", xb, 2, ys, nil)
	kind = a
	size = b
	if err != nil {
		t.Fatal(err)
	}
	return a, b, kind, size
}

func joined(t *testing.T, a, b, kind, size data.Source) *data.Joined {
	t.Helper()
	// Given out of order: the trainer arranges by name.
	j, err := data.Join([]data.Named{{Name: "b", Source: b}, {Name: "a", Source: a}},
		[]data.Named{{Name: "size", Source: size}, {Name: "kind", Source: kind}})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func compileTwoHeads(t *testing.T, m *nn.Model) *Trainer {
	t.Helper()
	tr, err := CompileOutputs(m, Adam(0.01), map[string]Output{
		"kind": {Loss: SparseCategoricalCrossentropy(), Metrics: []Metric{Accuracy()}},
		"size": {Loss: MSE{}, Weight: 0.5},
	})
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTwoInputsTwoOutputsFit(t *testing.T) {
	a, b, kind, size := twoHeadsData(t, 600, 1)
	va, vb, vkind, vsize := twoHeadsData(t, 200, 2)
	tr := compileTwoHeads(t, twoHeads(t))
	stop := &EarlyStopping{Monitor: "val_kind_accuracy", Patience: 100}
	hist, err := tr.Fit(joined(t, a, b, kind, size), FitOptions{Epochs: 30, BatchSize: 32, Seed: 3,
		ValidationData: joined(t, va, vb, vkind, vsize), Callbacks: []Callback{stop}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"kind_accuracy", "kind_loss", "loss", "size_loss", "val_kind_accuracy", "val_kind_loss", "val_loss", "val_size_loss"}
	var keys []string
	for k := range hist.Logs {
		keys = append(keys, k)
	}
	sortStrings(keys)
	if !reflect.DeepEqual(keys, want) {
		t.Fatalf("History keys %v, want Keras's %v", keys, want)
	}
	last := func(k string) float64 { return hist.Logs[k][len(hist.Logs[k])-1] }
	// The total is the weighted sum of the outputs' losses, per batch and
	// so per epoch (to rounding: the epoch means are sums of products).
	for _, pre := range []string{"", "val_"} {
		total, k, s := last(pre+"loss"), last(pre+"kind_loss"), last(pre+"size_loss")
		if math.Abs(total-(k+0.5*s)) > 1e-6*math.Max(1, total) {
			t.Errorf("%sloss %v, want kind_loss + 0.5·size_loss = %v", pre, total, k+0.5*s)
		}
	}
	first := func(k string) float64 { return hist.Logs[k][0] }
	if !(last("val_kind_accuracy") > 0.9 && last("val_size_loss") < first("val_size_loss")/10) {
		t.Errorf("did not learn both outputs: val_kind_accuracy %v, val_size_loss %v → %v",
			last("val_kind_accuracy"), first("val_size_loss"), last("val_size_loss"))
	}
	if stop.Best != maxOf(hist.Logs["val_kind_accuracy"]) {
		t.Errorf("EarlyStopping on val_kind_accuracy saw best %v, History's max %v", stop.Best, maxOf(hist.Logs["val_kind_accuracy"]))
	}
	logs, err := tr.Evaluate(joined(t, va, vb, vkind, vsize), 32) // the batch validation used
	if err != nil {
		t.Fatal(err)
	}
	if logs["kind_accuracy"] != last("val_kind_accuracy") || logs["loss"] != last("val_loss") {
		t.Errorf("Evaluate %v differs from the last validation (%v, %v)", logs, last("val_kind_accuracy"), last("val_loss"))
	}
	pred, err := tr.Predict(joined(t, va, vb, vkind, vsize), 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(pred) != 200 || len(pred[0]) != 4 {
		t.Fatalf("Predict gave %d rows of %d, want 200 of 3 + 1", len(pred), len(pred[0]))
	}
	// Row 0: three probabilities summing to 1, then the size.
	if s := pred[0][0] + pred[0][1] + pred[0][2]; math.Abs(float64(s)-1) > 1e-5 {
		t.Errorf("kind probabilities sum to %v", s)
	}
	x := make([]float32, 2)
	vb.Fill([]int{0}, x, nil)
	if d := float64(pred[0][3] - (x[0] + x[1])); math.Abs(d) > 0.5 {
		t.Errorf("size prediction %v for a sum of %v", pred[0][3], x[0]+x[1])
	}
}

func TestTwoOutputsDeterministic(t *testing.T) {
	a, b, kind, size := twoHeadsData(t, 100, 1)
	run := func() []float64 {
		tr := compileTwoHeads(t, twoHeads(t))
		hist, err := tr.Fit(joined(t, a, b, kind, size), FitOptions{Epochs: 2, BatchSize: 16, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		return append(hist.Logs["kind_loss"], hist.Logs["size_loss"]...)
	}
	if x, y := run(), run(); !reflect.DeepEqual(x, y) {
		t.Errorf("same seed, different figures: %v and %v", x, y)
	}
}

func TestMultiOutputErrors(t *testing.T) {
	a, b, kind, size := twoHeadsData(t, 20, 1)
	m := twoHeads(t)
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"missing output", func() error {
			_, err := CompileOutputs(m, SGD(0.1), map[string]Output{"kind": {Loss: MSE{}}})
			return err
		}, `output "size" has no loss`},
		{"extra output", func() error {
			_, err := CompileOutputs(m, SGD(0.1), map[string]Output{"kind": {Loss: MSE{}}, "size": {Loss: MSE{}}, "colour": {Loss: MSE{}}})
			return err
		}, "[colour] are not outputs"},
		{"negative weight", func() error {
			_, err := CompileOutputs(m, SGD(0.1), map[string]Output{"kind": {Loss: MSE{}}, "size": {Loss: MSE{}, Weight: -1}})
			return err
		}, "must not be negative"},
		{"shared metric", func() error {
			acc := Accuracy()
			_, err := CompileOutputs(m, SGD(0.1), map[string]Output{"kind": {Loss: MSE{}, Metrics: []Metric{acc}}, "size": {Loss: MSE{}, Metrics: []Metric{acc}}})
			return err
		}, "shared metric"},
		{"plain source", func() error {
			_, err := compileTwoHeads(t, m).Fit(a, FitOptions{Epochs: 1, BatchSize: 4})
			return err
		}, "takes a *data.Joined"},
		{"unknown input name", func() error {
			j, err := data.Join([]data.Named{{Name: "a", Source: a}, {Name: "c", Source: b}}, []data.Named{{Name: "kind", Source: kind}, {Name: "size", Source: size}})
			if err != nil {
				return err
			}
			_, err = compileTwoHeads(t, m).Evaluate(j, 4)
			return err
		}, `input "b" has no data`},
		{"wrong input width", func() error {
			j, err := data.Join([]data.Named{{Name: "a", Source: b}, {Name: "b", Source: a}}, []data.Named{{Name: "kind", Source: kind}, {Name: "size", Source: size}})
			if err != nil {
				return err
			}
			_, err = compileTwoHeads(t, m).Evaluate(j, 4)
			return err
		}, `input "a" has 2 features, the model takes 4`},
		{"wrong target for a loss", func() error {
			// size's targets are sums, not class indices.
			j, err := data.Join([]data.Named{{Name: "a", Source: a}, {Name: "b", Source: b}}, []data.Named{{Name: "kind", Source: size}, {Name: "size", Source: size}})
			if err != nil {
				return err
			}
			_, err = compileTwoHeads(t, m).Fit(j, FitOptions{Epochs: 1, BatchSize: 4})
			return err
		}, `output "kind"`},
	} {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if _, err := data.Join([]data.Named{{Name: "a", Source: a}}, []data.Named{{Name: "kind", Source: kind}, {Name: "kind", Source: size}}); err == nil || !strings.Contains(err.Error(), `two targets are named "kind"`) {
		t.Errorf("Join with a duplicate name: %v", err)
	}
}

func maxOf(v []float64) float64 {
	m := math.Inf(-1)
	for _, x := range v {
		m = math.Max(m, x)
	}
	return m
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestFunctionalCheckpointResumesBitForBit(t *testing.T) {
	a, b, kind, size := twoHeadsData(t, 120, 1)
	src := joined(t, a, b, kind, size)
	fit := func(tr *Trainer, from, to int) *History {
		hist, err := tr.Fit(src, FitOptions{Epochs: to, InitialEpoch: from, BatchSize: 16, Seed: 7})
		if err != nil {
			t.Fatal(err)
		}
		return hist
	}
	whole := compileTwoHeads(t, twoHeads(t))
	fit(whole, 0, 4)
	half := compileTwoHeads(t, twoHeads(t))
	fit(half, 0, 2)
	path := t.TempDir() + "/two_heads.ckpt"
	if err := half.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := back.Model.OutputNames(); !reflect.DeepEqual(got, []string{"kind", "size"}) || !back.NN().Functional() {
		t.Fatalf("loaded model: functional %v, outputs %v", back.NN().Functional(), got)
	}
	if back.outputs == nil || back.outputs[1].Weight != 0.5 || len(back.outputs[0].Metrics) != 1 {
		t.Fatalf("loaded outputs' set-up %+v", back.outputs)
	}
	hist := fit(back, 2, 4)
	if _, ok := hist.Logs["kind_accuracy"]; !ok {
		t.Errorf("resumed History lacks kind_accuracy: %v", hist.Logs)
	}
	for i, p := range whole.Model.Params() {
		if !reflect.DeepEqual(p.Value.Data(), back.Model.Params()[i].Value.Data()) {
			t.Fatalf("param %s differs after resuming from the checkpoint", p.Name)
		}
	}
	// Another graph over the same layers is another architecture.
	x, y := nn.Input("a", 4), nn.Input("b", 2)
	h := nn.Call(nn.Dense(8, nn.Tanh), nn.Call(nn.Concatenate(-1), y, x)) // b before a
	other, err := nn.NewModel("two_heads", []*nn.Tensor{x, y}, []*nn.Tensor{nn.Call(named(nn.Dense(3, nn.Softmax), "kind"), h), nn.Call(named(nn.Dense(1, nn.Linear), "size"), h)})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Init(nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := compileTwoHeads(t, other).LoadWeights(path); err == nil || !strings.Contains(err.Error(), "graph") {
		t.Errorf("LoadWeights into a rewired graph: %v", err)
	}
}

func TestActivationsCoverEveryCall(t *testing.T) {
	// A shared layer called on both inputs: one activation per call, in
	// call order, for a sample given as a's features then b's.
	a, b := nn.Input("a", 2), nn.Input("b", 2)
	shared := nn.Dense(2, nn.ReLU)
	out := nn.Call(nn.Add(), nn.Call(shared, a), nn.Call(shared, b))
	m, err := nn.NewModel("shared", []*nn.Tensor{a, b}, []*nn.Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	// Kernel (1 0; 0 −1) and bias (0, 1): relu(x0, 1 − x1).
	if err := shared.Kernel.SetFloat64s([]float64{1, 0, 0, -1}); err != nil {
		t.Fatal(err)
	}
	if err := shared.Bias.SetFloat64s([]float64{0, 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, SGD(0.1), MSE{})
	if err != nil {
		t.Fatal(err)
	}
	acts, err := tr.Activations([]float32{3, 0.5, -1, -2})
	if err != nil {
		t.Fatal(err)
	}
	want := []LayerActivation{
		{Name: "dense", Type: "Dense", Shape: []int{2}, Values: []float32{3, 0.5}},
		{Name: "dense", Type: "Dense", Shape: []int{2}, Values: []float32{0, 3}, Call: 1},
		{Name: "add", Type: "Add", Shape: []int{2}, Values: []float32{3, 3.5}},
	}
	if !reflect.DeepEqual(acts, want) {
		t.Errorf("activations\n got %+v\nwant %+v", acts, want)
	}
}

func TestGraphDOTOfTwoInputsTwoOutputs(t *testing.T) {
	dot, err := compileTwoHeads(t, twoHeads(t)).GraphDOT(4)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"x:a", "x:b", "y:kind", "y:size", "Concat"} {
		if !strings.Contains(string(dot), want) {
			t.Errorf("the training graph's DOT lacks %q", want)
		}
	}
}

func TestNestedModelCheckpoint(t *testing.T) {
	a, _, kind, _ := twoHeadsData(t, 60, 1)
	in := nn.Input("features", 4)
	enc, err := nn.NewModel("encoder", []*nn.Tensor{in}, []*nn.Tensor{nn.Call(nn.Dense(5, nn.Tanh), in)})
	if err != nil {
		t.Fatal(err)
	}
	x := nn.Input("a", 4)
	out := nn.Call(named(nn.Dense(3, nn.Softmax), "kind"), nn.Call(enc.AsLayer(), x))
	m, err := nn.NewModel("outer", []*nn.Tensor{x}, []*nn.Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 4}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, Adam(0.01), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	src, err := data.Join([]data.Named{{Name: "a", Source: a}}, []data.Named{{Name: "kind", Source: kind}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(src, FitOptions{Epochs: 2, BatchSize: 16, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/outer.ckpt"
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tr.Predict(src, 32)
	if err != nil {
		t.Fatal(err)
	}
	got, err := back.Predict(src, 32)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the loaded nested model predicts differently")
	}
	if !strings.Contains(back.NN().Summary(), "encoder (Functional)") {
		t.Errorf("loaded summary:\n%s", back.NN().Summary())
	}
}
