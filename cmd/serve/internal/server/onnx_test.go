package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// onnxFixture is one of onnx/testdata's PyTorch fixtures: the file, its
// inputs and PyTorch's outputs for them.
type onnxFixture struct {
	Inputs map[string]struct {
		Dims []int
		Data []float32
	}
	Outputs map[string]struct {
		Dims []int
		Data []float32
	}
}

func readONNXFixture(t *testing.T, name string) (string, onnxFixture) {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "..", "onnx", "testdata")
	b, err := os.ReadFile(filepath.Join(dir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var f onnxFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name+".onnx"), f
}

// TestServeONNX serves PyTorch-exported ONNX files (Open imports them)
// and checks the answers against PyTorch's outputs: within 1e-5 of each
// output's largest magnitude (the float32 sums run in another order, as
// the onnx package's tests measure), classes for the softmax MLP and the
// log-softmax CNN, and images sent nested, channels last (one channel
// here, so PyTorch's NCHW values are already in that order).
func TestServeONNX(t *testing.T) {
	for _, c := range []struct {
		name, input, output string
		shape               string
	}{
		{"torch_mlp", "features", "probabilities", "[4]"},
		{"torch_cnn", "image", "log_probabilities", "[28 28 1]"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path, f := readONNXFixture(t, c.name)
			m, err := Open(path, 8)
			if err != nil {
				t.Fatal(err)
			}
			if in := m.Inputs(); len(in) != 1 || in[0].Name != c.input || fmt.Sprint(in[0].Shape) != c.shape {
				t.Fatalf("inputs %+v", in)
			}
			out := m.Outputs()
			if len(out) != 1 || out[0].Name != c.output || !out[0].Classifier {
				t.Fatalf("outputs %+v: want one classifier output %q", out, c.output)
			}
			r := start(t, m, Config{Name: c.name})
			in := f.Inputs[c.input]
			want := f.Outputs[c.output]
			n, width, classes := in.Dims[0], len(in.Data)/in.Dims[0], want.Dims[1]
			rows := make([][]float32, n)
			for i := range rows {
				rows[i] = in.Data[i*width : (i+1)*width]
			}
			resp, err := client.Post(r.url+"/v1/models/"+c.name+":predict", "application/json", bytes.NewBufferString(instances(rows...)))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			_, _ = buf.ReadFrom(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, buf.Bytes())
			}
			a, err := decodeAnswer(buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			if len(a.predictions) != n || len(a.classes) != n {
				t.Fatalf("%d predictions and %d classes for %d rows", len(a.predictions), len(a.classes), n)
			}
			var scale, worst float64
			for _, v := range want.Data {
				scale = math.Max(scale, math.Abs(float64(v)))
			}
			for i := 0; i < n; i++ {
				w := want.Data[i*classes : (i+1)*classes]
				best := 0
				for j := range w {
					worst = math.Max(worst, math.Abs(float64(a.predictions[i][j]-w[j]))/scale)
					if w[j] > w[best] {
						best = j
					}
				}
				if a.classes[i] != best {
					t.Errorf("row %d: class %d, PyTorch's %d", i, a.classes[i], best)
				}
			}
			t.Logf("%s: served answers within %.2e of PyTorch's largest output", c.name, worst)
			if worst > 1e-5 {
				t.Errorf("served answers differ from PyTorch's by %.3g of the largest output", worst)
			}
		})
	}
}

// TestOpenONNXErrors: a broken or missing ONNX file is an error naming
// it.
func TestOpenONNXErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "broken.onnx")
	if err := os.WriteFile(bad, []byte("not a model"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{bad, filepath.Join(t.TempDir(), "none.onnx")} {
		if _, err := Open(p, 8); err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "load model") {
			t.Errorf("%s: %v", p, err)
		}
	}
}
