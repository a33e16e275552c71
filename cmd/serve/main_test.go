package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

func TestParse(t *testing.T) {
	c, err := parse([]string{"-model", "dir/iris.v2.ckpt", "-max-batch", "8", "-batch-delay", "0"}, io.Discard)
	if err != nil || c.server.Name != "iris.v2" || c.server.MaxBatch != 8 || c.server.BatchDelay != 0 || c.addr != "localhost:8501" {
		t.Errorf("%+v %v", c, err)
	}
	if c, err := parse([]string{"-model", "m.ckpt", "-name", "other"}, io.Discard); err != nil || c.server.Name != "other" {
		t.Errorf("-name: %+v %v", c, err)
	}
	var usage bytes.Buffer
	if _, err := parse([]string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) || !strings.Contains(usage.String(), "-max-batch") {
		t.Errorf("-h: %v %s", err, usage.String())
	}
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{nil, "-model: give the checkpoint"},
		{[]string{"-model", "m", "-max-batch", "0"}, "-max-batch 0"},
		{[]string{"-model", "m", "-max-rows", "-1"}, "-max-rows -1"},
		{[]string{"-model", "m", "-workers", "0"}, "-workers 0"},
		{[]string{"-model", "m", "-max-body", "10"}, "-max-body 10"},
		{[]string{"-model", "m", "-timeout", "0s"}, "-timeout 0s"},
		{[]string{"-model", "m", "-read-timeout", "-1s"}, "-read-timeout -1s"},
		{[]string{"-model", "m", "-batch-delay", "-1ms"}, "-batch-delay -1ms"},
		{[]string{"-model", "m", "-timeout", "soon"}, `invalid value "soon"`},
		{[]string{"-model", "m", "extra"}, "unexpected arguments"},
		{[]string{"-model", "my model.ckpt"}, `model name "my model": want 1 to 128 letters, digits, '.', '_' or '-' (from the file's name; give another with -name)`},
		{[]string{"-model", "m", "-name", "a:b"}, `-name: model name "a:b"`},
	} {
		if _, err := parse(c.args, io.Discard); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%v: %v, want an error with %q", c.args, err, c.msg)
		}
	}
}

// savedIris trains a tiny Iris classifier for one epoch and saves it.
func savedIris(t *testing.T) string {
	t.Helper()
	iris, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	m := nn.Sequential("iris", nn.Dense(8, nn.ReLU), nn.Dense(3, nn.Softmax))
	if err := m.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := train.Compile(m, train.Adam(1e-2), train.SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(iris, train.FitOptions{Epochs: 1, BatchSize: 16, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "flowers.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeErrors(t *testing.T) {
	ctx := context.Background()
	if err := serve(ctx, []string{"-model", filepath.Join(t.TempDir(), "none.ckpt")}, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "load model") {
		t.Errorf("missing model: %v", err)
	}
	if err := serve(ctx, []string{"-model", "model.onnx"}, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "load model") || !strings.Contains(err.Error(), "model.onnx") {
		t.Errorf("missing ONNX file: %v", err)
	}
	path := savedIris(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := serve(ctx, []string{"-model", path, "-addr", ln.Addr().String()}, io.Discard, nil); err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("address in use: %v", err)
	}
}

// serving runs the command with args on a loopback port until stop, which
// ends its context, checks that it returned without error and gives what
// it printed.
func serving(t *testing.T, args ...string) (url string, stop func() string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr := make(chan string, 1)
	var out bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, append(args, "-addr", "127.0.0.1:0"), &out, func(a string) { addr <- a })
	}()
	select {
	case a := <-addr:
		url = "http://" + a
	case err := <-done:
		cancel()
		t.Fatal(err)
	}
	return url, func() string {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not return after its context ended")
		}
		return out.String()
	}
}

// TestServeUntilCancelled: the command serves the checkpoint under its
// base name and returns without error when its context ends.
func TestServeUntilCancelled(t *testing.T) {
	path := savedIris(t)
	url, stop := serving(t, "-model", path)
	resp, err := http.Post(url+"/v1/models/flowers:predict", "application/json", strings.NewReader(`{"instances": [[5.1, 3.5, 1.4, 0.2]]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"classes":[`) {
		t.Errorf("predict: %d %s", resp.StatusCode, b)
	}
	if out := stop(); !strings.Contains(out, `serving model "flowers"`) || !strings.HasSuffix(out, "stopped\n") {
		t.Errorf("output %q", out)
	}
	_ = os.Remove(path)
}
