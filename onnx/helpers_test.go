package onnx

import (
	"fmt"
	"math"
	"math/rand"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx/onnxtest"
	"github.com/gradgraph/gradgraph/train"
)

// randomize gives every param other than the kernels (Glorot-random
// already) random values, so that biases, gamma, beta and the moving
// statistics take part: zeros and ones would hide a wrong order or axis.
func randomize(t testing.TB, m *nn.Model, seed int64) {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	for _, p := range m.Params() {
		if strings.HasSuffix(p.Name, "/kernel") {
			continue
		}
		v := make([]float64, p.Size())
		for i := range v {
			if strings.HasSuffix(p.Name, "/moving_variance") || strings.HasSuffix(p.Name, "/variance") {
				v[i] = 0.3 + 1.7*rng.Float64()
			} else {
				v[i] = 0.5 * rng.NormFloat64()
			}
		}
		if err := p.SetFloat64s(v); err != nil {
			t.Fatal(err)
		}
	}
}

// inputs are n random samples for each of the model's inputs, flat.
func randomInputs(m *nn.Model, n int, seed int64) [][]float32 {
	rng := rand.New(rand.NewSource(seed))
	var xs [][]float32
	for _, s := range m.InputShapes() {
		x := make([]float32, n*nn.Shape(s).Size())
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		xs = append(xs, x)
	}
	return xs
}

// predict is gradgraph's Predict (train.CompileOutputs, each output with a
// mean squared error that Predict does not use): one flat n×size slice per
// output.
func predict(t testing.TB, m *nn.Model, xs [][]float32, n int) [][]float32 {
	t.Helper()
	outs := map[string]train.Output{}
	for _, name := range m.OutputNames() {
		outs[name] = train.Output{Loss: train.MeanSquaredError()}
	}
	tr, err := train.CompileOutputs(m, train.SGD(0.01), outs)
	if err != nil {
		t.Fatal(err)
	}
	var src data.Source
	var named []data.Named
	for i, name := range m.InputNames() {
		d, err := data.NewDataset(name, xs[i], nn.Shape(m.InputShapes()[i]).Size(), nil, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		named = append(named, data.Named{Name: name, Source: d})
		src = d
	}
	if len(named) > 1 || len(m.OutputNames()) > 1 {
		j, err := data.Join(named, nil)
		if err != nil {
			t.Fatal(err)
		}
		src = j
	}
	rows, err := tr.Predict(src, 16)
	if err != nil {
		t.Fatal(err)
	}
	shapes := m.OutputShapes()
	res := make([][]float32, len(shapes))
	for _, row := range rows {
		off := 0
		for k, s := range shapes {
			w := nn.Shape(s).Size()
			res[k] = append(res[k], row[off:off+w]...)
			off += w
		}
	}
	return res
}

// job is the runtime's job for the model's file and inputs.
func job(m *nn.Model, path string, xs [][]float32, n int) onnxtest.Job {
	j := onnxtest.Job{Model: path, Inputs: map[string]onnxtest.Tensor{}}
	for i, name := range m.InputNames() {
		j.Inputs[name] = onnxtest.Tensor{Dims: append([]int{n}, m.InputShapes()[i]...), Data: xs[i]}
	}
	return j
}

// errs measures how far got is from want: the largest elementwise
// relative error |g − w|/|w| (over w ≠ 0), and the largest |g − w|
// relative to the output's largest |w|.
type errs struct {
	rel, norm float64
	worst     string // the element of the largest relative error
}

func measure(got, want []float32) errs {
	var scale float64
	for _, w := range want {
		scale = math.Max(scale, math.Abs(float64(w)))
	}
	var e errs
	for i := range want {
		g, w := float64(got[i]), float64(want[i])
		d := math.Abs(g - w)
		if math.IsNaN(d) {
			return errs{rel: math.Inf(1), norm: math.Inf(1), worst: fmt.Sprintf("element %d: got %v, want %v", i, g, w)}
		}
		if scale > 0 {
			e.norm = math.Max(e.norm, d/scale)
		} else {
			e.norm = math.Max(e.norm, d)
		}
		r := d
		if w != 0 {
			r = d / math.Abs(w)
		}
		if r > e.rel {
			e.rel = r
			e.worst = fmt.Sprintf("element %d: got %v, want %v", i, got[i], want[i])
		}
	}
	return e
}

// sums reports whether the model has a layer that sums products (Dense,
// Conv2D) or features (LayerNormalization's mean and variance): ONNX
// Runtime adds them up in another order than gradgraph, so an output that
// cancels to near zero (a feature near its sample's mean, or x̂·γ near −β)
// carries an error relative to its terms, not to itself.
func sums(m *nn.Model) bool {
	for _, l := range m.Layers {
		switch l.(type) {
		case *nn.DenseLayer, *nn.Conv2DLayer, *nn.LayerNormalizationLayer:
			return true
		}
	}
	return false
}

// compare checks the runtime's outputs against Predict's and returns the
// largest errors over the outputs. A model without sums of products must
// agree within tol elementwise, relative to each value; one with them
// within tol of each output's largest magnitude.
func compare(t *testing.T, m *nn.Model, res onnxtest.Result, want [][]float32, n int, tol float64) errs {
	t.Helper()
	if res.Error != "" {
		t.Fatalf("ONNX Runtime: %s", res.Error)
	}
	if fmt.Sprint(res.InputNames) != fmt.Sprint(m.InputNames()) {
		t.Errorf("runtime's inputs %v, want the model's %v", res.InputNames, m.InputNames())
	}
	if fmt.Sprint(res.OutputNames) != fmt.Sprint(m.OutputNames()) {
		t.Errorf("runtime's outputs %v, want the model's %v", res.OutputNames, m.OutputNames())
	}
	strict := !sums(m)
	var worst errs
	for k, name := range m.OutputNames() {
		got, ok := res.Outputs[name]
		if !ok {
			t.Fatalf("no output %q from the runtime", name)
		}
		wantDims := append([]int{n}, m.OutputShapes()[k]...)
		if fmt.Sprint(got.Dims) != fmt.Sprint(wantDims) {
			t.Fatalf("output %q has dims %v, want %v", name, got.Dims, wantDims)
		}
		if len(got.Data) != len(want[k]) {
			t.Fatalf("output %q: %d values, want %d", name, len(got.Data), len(want[k]))
		}
		e := measure(got.Data, want[k])
		if strict && e.rel > tol {
			t.Errorf("output %q: relative error %.3g > %.0e (%s)", name, e.rel, tol, e.worst)
		}
		if e.norm > tol {
			t.Errorf("output %q: error %.3g of the output's largest value > %.0e", name, e.norm, tol)
		}
		worst.rel, worst.norm = math.Max(worst.rel, e.rel), math.Max(worst.norm, e.norm)
	}
	return worst
}

// exportTo writes the model to dir/name.onnx.
func exportTo(t testing.TB, m *nn.Model, dir, name string, opt Options) string {
	t.Helper()
	path := filepath.Join(dir, name+".onnx")
	if err := ExportFile(path, m, opt); err != nil {
		t.Fatal(err)
	}
	return path
}
