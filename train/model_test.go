package train

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
)

// linear is a model written with Gorgonia directly, not with nn's layers:
// y = x·W + b for samples of in features and one output. It implements
// Model and nothing more.
type linear struct {
	w, b *graph.Param
}

func newLinear(dt tensor.Dtype, w []float64, b float64) (*linear, error) {
	pw, err := graph.NewParam("w", dt, true, len(w), 1)
	if err != nil {
		return nil, err
	}
	pb, err := graph.NewParam("b", dt, true, 1, 1)
	if err != nil {
		return nil, err
	}
	if err := pw.SetFloat64s(w); err != nil {
		return nil, err
	}
	if err := pb.SetFloat64s([]float64{b}); err != nil {
		return nil, err
	}
	return &linear{w: pw, b: pb}, nil
}

func (l *linear) ModelName() string         { return "linear" }
func (l *linear) InputNames() []string      { return []string{"x"} }
func (l *linear) InputShapes() [][]int      { return [][]int{{l.w.Shape()[0]}} }
func (l *linear) OutputNames() []string     { return []string{"y"} }
func (l *linear) OutputShapes() [][]int     { return [][]int{{1}} }
func (l *linear) DType() tensor.Dtype       { return l.w.DType() }
func (l *linear) Params() []*graph.Param    { return []*graph.Param{l.w, l.b} }
func (l *linear) Trainable() []*graph.Param { return l.Params() }

func (l *linear) ForwardInputs(b *graph.Builder, xs []*G.Node) ([]*G.Node, error) {
	w, err := b.Param(l.w)
	if err != nil {
		return nil, err
	}
	bias, err := b.Param(l.b)
	if err != nil {
		return nil, err
	}
	xw, err := G.Mul(xs[0], w)
	if err != nil {
		return nil, errors.Wrap(err, "linear: x·W")
	}
	y, err := G.BroadcastAdd(xw, bias, nil, []byte{0})
	return []*G.Node{y}, errors.Wrap(err, "linear: + b")
}

// TestCustomModelSGDStep trains a model of the user's own type (not an
// nn.Model) one full-batch SGD step and compares its weights with the
// step worked out by hand: for L = 1/N Σ (ŷ − y)², ∂L/∂W = 2/N Σ (ŷ − y)·x
// and ∂L/∂b = 2/N Σ (ŷ − y).
func TestCustomModelSGDStep(t *testing.T) {
	x := []float64{1, 2, -1, 0.5, 3, -2, 0, 1}
	y := []float64{1, -2, 0.5, 3}
	w0, b0, lr := []float64{0.5, -0.25}, 0.1, 0.05
	// By hand, in float64.
	gw, gb := []float64{0, 0}, 0.0
	for i := range y {
		r := x[2*i]*w0[0] + x[2*i+1]*w0[1] + b0 - y[i]
		gw[0] += 2 * r * x[2*i] / 4
		gw[1] += 2 * r * x[2*i+1] / 4
		gb += 2 * r / 4
	}
	want := []float64{w0[0] - lr*gw[0], w0[1] - lr*gw[1], b0 - lr*gb}
	for _, tc := range []struct {
		dt  tensor.Dtype
		tol float64
	}{{graph.Float32, 1e-6}, {graph.Float64, 1e-14}} {
		m, err := newLinear(tc.dt, w0, b0)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := Compile(m, SGD(lr), MeanSquaredError())
		if err != nil {
			t.Fatal(err)
		}
		if tr.NN() != nil {
			t.Errorf("%v: NN() = %v for a model that is not an nn.Model", tc.dt, tr.NN())
		}
		src, err := data.NewDataset("xy", f32(x), 2, f32(y), 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Fit(src, FitOptions{Epochs: 1, BatchSize: 4}); err != nil {
			t.Fatalf("%v: fit: %v", tc.dt, err)
		}
		got := append(m.w.Float64s(), m.b.Float64s()...)
		for i := range want {
			if math.Abs(got[i]-want[i]) > tc.tol {
				t.Errorf("%v: weight %d after one step = %.9g, by hand %.9g", tc.dt, i, got[i], want[i])
			}
		}
		// Predict runs the same forward pass.
		p, err := tr.Predict(src, 4)
		if err != nil {
			t.Fatal(err)
		}
		for i := range y {
			h := x[2*i]*got[0] + x[2*i+1]*got[1] + got[2]
			if math.Abs(float64(p[i][0])-h) > 1e-5 {
				t.Errorf("%v: predict[%d] = %v, want %v", tc.dt, i, p[i][0], h)
			}
		}
	}
}

// TestCustomModelOptional checks that what needs more than Model says so
// by name for a model without it, and leaves the model as it was.
func TestCustomModelOptional(t *testing.T) {
	m, err := newLinear(graph.Float32, []float64{1, 2}, 3)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, SGD(0.1), MeanSquaredError())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		what string
		err  error
		want string
	}{
		{"Save", tr.Save(t.TempDir() + "/m.ckpt"), "train.Configured"},
		{"Clone", func() error { _, err := tr.Clone(); return err }(), "train.Configured"},
		{"Activations", func() error { _, err := tr.Activations([]float32{1, 2}); return err }(), "*nn.Model"},
		{"Evaluate wrong width", func() error {
			src, _ := data.NewDataset("x3", make([]float32, 3), 3, []float32{0}, 1, nil)
			_, err := tr.Evaluate(src, 1)
			return err
		}(), `evaluate "linear": data has 3 features, model takes 2`},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s of a custom model: error %v, want one containing %q", tc.what, tc.err, tc.want)
		}
	}
	if got := append(m.w.Float64s(), m.b.Float64s()...); fmt.Sprint(got) != "[1 2 3]" {
		t.Errorf("weights changed to %v", got)
	}
}

func f32(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}

// A model need not be made of nn's layers: any type with graph.Params and a
// forward pass written in Gorgonia trains, evaluates and predicts. Here
// y = x·W + b learns y = 2x₁ − 3x₂ + 1.
func ExampleCompile_customModel() {
	m, err := newLinear(graph.Float64, []float64{0, 0}, 0)
	if err != nil {
		fmt.Println(err)
		return
	}
	var x, y []float32
	for i := 0; i < 16; i++ {
		x1, x2 := float32(i%4)-1.5, float32(i/4)-1.5
		x, y = append(x, x1, x2), append(y, 2*x1-3*x2+1)
	}
	src, err := data.NewDataset("plane", x, 2, y, 1, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	tr, err := Compile(m, SGD(0.1), MeanSquaredError())
	if err != nil {
		fmt.Println(err)
		return
	}
	if _, err := tr.Fit(src, FitOptions{Epochs: 200, BatchSize: 16}); err != nil {
		fmt.Println(err)
		return
	}
	w, b := m.w.Float64s(), m.b.Float64s()
	fmt.Printf("W = [%.4f %.4f], b = %.4f\n", w[0], w[1], b[0])
	// Output:
	// W = [2.0000 -3.0000], b = 1.0000
}
