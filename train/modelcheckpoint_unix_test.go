//go:build unix

package train

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// Issue 11: a save killed mid-write leaves a temporary file that the next
// successful save of the same path removes; with "{epoch}" in the path no
// later save writes that path, so the file stayed. ModelCheckpoint now
// removes dead writers' temporary files of its pattern when training
// starts.
func TestModelCheckpointRemovesStaleEpochTemps(t *testing.T) {
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	d := strconv.Itoa(dead.Process.Pid)
	dir := t.TempDir()
	// "+" and "." are literal in the pattern, not regular-expression syntax.
	stale := []string{".ckpt+7.gg.tmp-" + d + "-41", ".ckpt+1.gg.tmp-" + d + "-9"}
	keep := []string{
		".ckpt+7.gg.tmp-" + strconv.Itoa(os.Getpid()) + "-3", // a live writer: this process
		".ckpttt7.gg.tmp-" + d + "-1",                        // matches only if "+" were a quantifier
		".ckpt+7xgg.tmp-" + d + "-1",                         // matches only if "." were any byte
		".ckpt+x.gg.tmp-" + d + "-1",                         // no epoch number
		".other+7.gg.tmp-" + d + "-1",                        // another pattern
	}
	for _, n := range append(append([]string(nil), stale...), keep...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tr, _ := blobModel(1)
	mc := &ModelCheckpoint{Path: filepath.Join(dir, "ckpt+{epoch}.gg")}
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1, Callbacks: []Callback{mc}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range stale {
		if _, err := os.Stat(filepath.Join(dir, n)); !os.IsNotExist(err) {
			t.Errorf("%s (process %s exited) was not removed: %v", n, d, err)
		}
	}
	for _, n := range keep {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed or unreadable: %v", n, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "ckpt+1.gg")); err != nil {
		t.Errorf("epoch 1's checkpoint: %v", err)
	}
}
