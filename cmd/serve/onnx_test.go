package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeONNXFile: -model path.onnx imports the file and serves it under
// its base name; an answer carries the classes of its softmax.
func TestServeONNXFile(t *testing.T) {
	path := filepath.Join("..", "..", "onnx", "testdata", "torch_mlp.onnx")
	url, stop := serving(t, "-model", path)
	resp, err := http.Post(url+"/v1/models/torch_mlp:predict", "application/json", strings.NewReader(`{"instances": [[0.5, -1.2, 0.3, 2.0], [1, 1, 1, 1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"predictions":[[`) || !strings.Contains(string(b), `"classes":[`) {
		t.Errorf("predict: %d %s", resp.StatusCode, b)
	}
	out := stop()
	if want := `serving model "torch_mlp" from ` + path; !strings.Contains(out, want) || !strings.Contains(out, "inputs features [4], outputs probabilities [3]") {
		t.Errorf("output %q, want %q and the shapes", out, want)
	}
}
