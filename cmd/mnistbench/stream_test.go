package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/gradgraph/gradgraph/data"
)

// TestStreamCases: every streaming case runs on a small folder laid out
// as -stream writes Fashion-MNIST and prints its line; the streamed epoch
// reaches the in-memory epoch's loss exactly, and the augmented cases see
// -copies times the images.
func TestStreamCases(t *testing.T) {
	const n = 40
	pix := make([]byte, n*28*28)
	labels := make([]byte, n)
	for i := range labels {
		labels[i] = byte(i % 10)
		for j := 0; j < 28*28; j++ {
			pix[i*28*28+j] = byte(i*7 + j*int(labels[i]))
		}
	}
	im, err := data.NewImages("fake", pix, 28, 28, labels, data.FashionMNISTClasses)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "png")
	if err := data.WriteImageFolder(dir, im, fashionFolderNames()); err != nil {
		t.Fatal(err)
	}
	got, _, err := fashionFolder(dir)
	if err != nil || got != n {
		t.Fatalf("fashionFolder on a written folder: %d images, %v", got, err)
	}
	lines := map[string]map[string]string{}
	for _, name := range streamCases {
		var out bytes.Buffer
		c := streamConfig{caseArg: name, dir: dir, copies: 3, workers: 2, seed: 1}
		if err := runStreamCase(c, &out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		kv := kvLines(out.String(), "stream")
		if len(kv) != 1 || kv[0]["case"] != name {
			t.Fatalf("%s: output %q", name, out.String())
		}
		for _, key := range []string{"open_s", "epoch_s", "images_per_s", "peak_rss_mb", "median_rss_mb", "held_mb", "loss"} {
			if kv[0][key] == "" {
				t.Errorf("%s: no %s= in %q", name, key, out.String())
			}
		}
		lines[name] = kv[0]
	}
	if m, s := lines["memory"]["loss"], lines["stream"]["loss"]; m != s || m == "-" {
		t.Errorf("loss in memory %s, streamed %s", m, s)
	}
	for name, want := range map[string]string{"memory": "40", "stream": "40", "stream-aug": "120", "pipeline": "40", "pipeline-aug": "120"} {
		if lines[name]["images"] != want {
			t.Errorf("%s: %s images, want %s", name, lines[name]["images"], want)
		}
	}
	if err := runStreamCase(streamConfig{caseArg: "nope", dir: dir, copies: 1}, &bytes.Buffer{}); err == nil {
		t.Error("an unknown case ran")
	}
}
