package train

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// tinyConvnet is a 4×4×1 → Conv2D(2, 3, relu) → MaxPooling2D(2) → Flatten →
// Dense(2, softmax) model with hand-set weights: filter 0 is "centre minus
// top-left", filter 1 the sum of its 3×3 window with bias −10, the dense
// kernel the identity.
func tinyConvnet(t *testing.T, dt tensor.Dtype) *Trainer {
	t.Helper()
	m := nn.Sequential("tiny", nn.Conv2D(2, 3, nn.ReLU), nn.MaxPooling2D(2), nn.Flatten(), nn.Dense(2, nn.Softmax))
	if err := m.BuildShape([]int{4, 4, 1}, nn.BuildOptions{Seed: 1, DType: dt}); err != nil {
		t.Fatal(err)
	}
	kernel := make([]float64, 3*3*1*2) // (kh, kw, cin, filters), row-major
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			kernel[(i*3+j)*2+1] = 1 // filter 1: the window's sum
		}
	}
	kernel[(0*3+0)*2+0] = -1 // filter 0: centre − top-left
	kernel[(1*3+1)*2+0] = 1
	ps := m.Params()
	for i, v := range [][]float64{kernel, {0, -10}, {1, 0, 0, 1}, {0, 0}} {
		if err := ps[i].SetFloat64s(v); err != nil {
			t.Fatal(err)
		}
	}
	tr, err := Compile(m, RMSprop(1e-3), SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// tinyImage is the 4×4 image the hand calculation below uses.
var tinyImage = []float32{
	1, 2, 0, 1,
	0, 3, 1, 2,
	2, 0, 1, 0,
	1, 4, 0, 2,
}

// TestActivationsByHand checks every layer's output of tinyConvnet on
// tinyImage against values worked out by hand:
//
//	filter 0, centre − top-left: x11−x00 = 2, x12−x01 = −1, x21−x10 = 0, x22−x11 = −2; relu: 2 0 0 0
//	filter 1, window sums − 10: 10−10, 10−10, 12−10, 13−10; relu: 0 0 2 3
//	pool 2×2: max(2,0,0,0) = 2, max(0,0,2,3) = 3
//	softmax(2, 3) = (1/(1+e), e/(1+e))
func TestActivationsByHand(t *testing.T) {
	e := math.E
	want := []LayerActivation{
		{"conv2d", "Conv2D", []int{2, 2, 2}, []float32{2, 0, 0, 0, 0, 2, 0, 3}, 0},
		{"max_pooling2d", "MaxPooling2D", []int{1, 1, 2}, []float32{2, 3}, 0},
		{"flatten", "Flatten", []int{2}, []float32{2, 3}, 0},
		{"dense", "Dense", []int{2}, []float32{float32(1 / (1 + e)), float32(e / (1 + e))}, 0},
	}
	for _, dt := range []tensor.Dtype{graph.Float32, graph.Float64} {
		tr := tinyConvnet(t, dt)
		got, err := tr.Activations(tinyImage)
		if err != nil {
			t.Fatalf("%v: %v", dt, err)
		}
		if len(got) != len(want) {
			t.Fatalf("%v: %d activations, want %d", dt, len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.Name != w.Name || g.Type != w.Type || !reflect.DeepEqual(g.Shape, w.Shape) {
				t.Errorf("%v layer %d: %s %s %v, want %s %s %v", dt, i, g.Name, g.Type, g.Shape, w.Name, w.Type, w.Shape)
			}
			if len(g.Values) != len(w.Values) {
				t.Errorf("%v layer %s: %d values, want %d", dt, w.Name, len(g.Values), len(w.Values))
				continue
			}
			for j := range w.Values {
				if math.Abs(float64(g.Values[j]-w.Values[j])) > 1e-6 {
					t.Errorf("%v layer %s value %d: %v, want %v", dt, w.Name, j, g.Values[j], w.Values[j])
				}
			}
		}
	}
}

// TestActivationsLastIsPredict: on a seeded convnet over the 8×8 digits,
// the last layer's activation is Predict's output for the same sample, and
// the activations do not depend on how often they are asked for.
func TestActivationsLastIsPredict(t *testing.T) {
	d, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.X {
		d.X[i] /= 16
	}
	m := nn.Sequential("digits_convnet",
		nn.Conv2D(4, 3, nn.ReLU).WithPadding("same"), nn.MaxPooling2D(2),
		nn.Conv2D(8, 3, nn.ReLU), nn.Flatten(), nn.Dense(10, nn.Softmax))
	if err := m.BuildShape(data.ShapeOf(d), nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, RMSprop(1e-3), SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	sub, err := data.Slice(d, 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	pred, err := tr.Predict(sub, 3)
	if err != nil {
		t.Fatal(err)
	}
	wantShapes := [][]int{{8, 8, 4}, {4, 4, 4}, {2, 2, 8}, {32}, {10}}
	for s := 0; s < 3; s++ {
		x := make([]float32, d.Features())
		d.Fill([]int{s}, x, nil)
		acts, err := tr.Activations(x)
		if err != nil {
			t.Fatal(err)
		}
		for i, a := range acts {
			if !reflect.DeepEqual(a.Shape, wantShapes[i]) {
				t.Errorf("sample %d layer %s: shape %v, want %v", s, a.Name, a.Shape, wantShapes[i])
			}
		}
		last := acts[len(acts)-1].Values
		for k := range pred[s] {
			if math.Abs(float64(last[k]-pred[s][k])) > 1e-6 {
				t.Errorf("sample %d class %d: activation %v, Predict %v", s, k, last[k], pred[s][k])
			}
		}
		again, err := tr.Activations(x)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(again, acts) {
			t.Errorf("sample %d: a second call gave different activations", s)
		}
	}
}

func TestActivationsErrors(t *testing.T) {
	unbuilt, err := Compile(nn.Sequential("unbuilt", nn.Dense(2, nn.Softmax)), RMSprop(1e-3), SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	tiny := tinyConvnet(t, graph.Float32)
	for _, tc := range []struct {
		name string
		tr   *Trainer
		x    []float32
		want string
	}{
		{"not built", unbuilt, []float32{1, 2}, "not built"},
		{"too few features", tiny, tinyImage[:15], "15 features, model takes 16"},
		{"too many features", tiny, append(append([]float32(nil), tinyImage...), 0), "17 features"},
		{"nil sample", tiny, nil, "0 features"},
	} {
		_, err := tc.tr.Activations(tc.x)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// TestActivationsInferenceMode: on the Iris recipe (BatchNorm, Dropout),
// Activations runs in inference mode as Predict does: BatchNorm uses its
// moving statistics, Dropout passes its input through unchanged, and the
// last activation is Predict's output.
func TestActivationsInferenceMode(t *testing.T) {
	tr, iris := irisTrainer(t)
	pred, err := tr.Predict(iris, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []int{0, 60, 149} {
		x := make([]float32, iris.Features())
		iris.Fill([]int{s}, x, nil)
		acts, err := tr.Activations(x)
		if err != nil {
			t.Fatal(err)
		}
		if len(acts) != 4 || acts[2].Type != "Dropout" {
			t.Fatalf("sample %d: layers %v", s, acts)
		}
		if !reflect.DeepEqual(acts[2].Values, acts[1].Values) {
			t.Errorf("sample %d: dropout changed its input in inference: %v → %v", s, acts[1].Values, acts[2].Values)
		}
		for k, p := range pred[s] {
			if v := acts[3].Values[k]; math.Abs(float64(v-p)) > 1e-6 {
				t.Errorf("sample %d class %d: activation %v, Predict %v", s, k, v, p)
			}
		}
	}
}

// TestActivationsWhileFit calls Activations while Fit trains on another
// goroutine: under -race, a read of the weights outside the trainer's lock
// is reported.
func TestActivationsWhileFit(t *testing.T) {
	tr, iris := irisTrainer(t)
	x := make([]float32, iris.Features())
	iris.Fill([]int{0}, x, nil)
	done := make(chan error, 1)
	go func() {
		_, err := tr.Fit(iris, FitOptions{Epochs: 5, BatchSize: 16, Seed: 2})
		done <- err
	}()
	for i := 0; i < 20; i++ {
		if _, err := tr.Activations(x); err != nil {
			t.Fatal(err)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
