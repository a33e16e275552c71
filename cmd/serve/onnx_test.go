package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestServeONNXFile: -model path.onnx imports the file and serves it under
// its base name; an answer carries the classes of its softmax.
func TestServeONNXFile(t *testing.T) {
	path := filepath.Join("..", "..", "onnx", "testdata", "torch_mlp.onnx")
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"-model", path, "-addr", "127.0.0.1:0"}, &out, func(a string) { addr <- a })
	}()
	var url string
	select {
	case a := <-addr:
		url = "http://" + a
	case err := <-done:
		t.Fatal(err)
	}
	resp, err := http.Post(url+"/v1/models/torch_mlp:predict", "application/json", strings.NewReader(`{"instances": [[0.5, -1.2, 0.3, 2.0], [1, 1, 1, 1]]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"predictions":[[`) || !strings.Contains(string(b), `"classes":[`) {
		t.Errorf("predict: %d %s", resp.StatusCode, b)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after its context ended")
	}
	if want := `serving model "torch_mlp" from ` + path; !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "inputs features [4], outputs probabilities [3]") {
		t.Errorf("output %q, want %q and the shapes", out.String(), want)
	}
}
