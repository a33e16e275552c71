package train

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestModelCheckpointSavesBestAndEveryEpoch(t *testing.T) {
	dir := t.TempDir()
	tr, _ := blobModel(1)
	best := &ModelCheckpoint{Path: filepath.Join(dir, "best.ckpt"), SaveBestOnly: true}
	every := &ModelCheckpoint{Path: filepath.Join(dir, "e{epoch}.ckpt")}
	tr.Optimizer = Adam(0.3) // bouncy validation loss, so not every epoch is best
	h, err := tr.Fit(blobs(90, 2), FitOptions{Epochs: 8, BatchSize: 8, ValidationSplit: 0.3, Seed: 1, Callbacks: []Callback{best, every}})
	if err != nil {
		t.Fatal(err)
	}
	if len(every.Saved) != 8 || !strings.HasSuffix(every.Saved[7], "e8.ckpt") {
		t.Errorf("every-epoch saves: %v", every.Saved)
	}
	improvements, low, bestEpoch := 0, math.Inf(1), 0
	for e, v := range h.Logs["val_loss"] {
		if v < low {
			low, bestEpoch = v, e
			improvements++
		}
	}
	if len(best.Saved) != improvements || best.Best != low {
		t.Errorf("best-only saved %d times (best %v); val_loss improved %d times (best %v)", len(best.Saved), best.Best, improvements, low)
	}
	back, err := Load(best.Path)
	if err != nil {
		t.Fatal(err)
	}
	if back.Epoch() != bestEpoch+1 {
		t.Errorf("best checkpoint is from epoch %d, best val_loss at epoch %d", back.Epoch(), bestEpoch+1)
	}
	if _, err := os.Stat(filepath.Join(dir, "e3.ckpt")); err != nil {
		t.Error(err)
	}
}

// A NaN loss stops training before a checkpoint callback runs, so the last
// good checkpoint is left as it was.
func TestNaNLeavesLastCheckpointIntact(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "last.ckpt")
	src := blobs(40, 1)
	tr, _ := blobModel(1)
	cp := &ModelCheckpoint{Path: path}
	if _, err := tr.Fit(src, FitOptions{Epochs: 2, BatchSize: 8, Seed: 1, Callbacks: []Callback{cp}}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	src.x[3] = float32(math.Inf(1))
	_, err := tr.Fit(src, FitOptions{Epochs: 4, InitialEpoch: 2, BatchSize: 8, Seed: 1, Callbacks: []Callback{cp}})
	if err == nil || !strings.Contains(err.Error(), "at epoch 3, batch") {
		t.Fatalf("error %v, want a non-finite loss at epoch 3", err)
	}
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Error("the checkpoint changed although training diverged")
	}
	if _, err := Load(path); err != nil {
		t.Error(err)
	}
}
