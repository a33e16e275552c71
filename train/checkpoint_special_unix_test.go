//go:build unix

package train

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 11 item 4: Load of a named pipe blocked forever waiting for a
// writer. It must refuse the path at once. The 10 s guard is not a timing
// assertion: it turns a hang into a failure.
func TestLoadRefusesNamedPipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "pipe.ckpt")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skip("cannot make a named pipe:", err)
	}
	done := make(chan error, 1)
	go func() { _, err := Load(path); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("error %v, want one naming %s and saying it is a named pipe", err, path)
		}
	case <-time.After(10 * time.Second):
		// Release the blocked reader so the test binary can exit.
		if w, err := os.OpenFile(path, os.O_WRONLY, 0); err == nil {
			w.Close()
		}
		t.Fatal("Load of a named pipe still blocked after 10 s")
	}
	tr, _ := blobModel(1)
	if err := tr.LoadWeights(path); err == nil || !strings.Contains(err.Error(), "named pipe") {
		t.Errorf("LoadWeights: %v, want a refusal of the named pipe", err)
	}
}

// allocated returns the bytes f allocates on the heap.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 11 item 4: /dev/zero and a huge sparse file were read whole
// (os.ReadFile) and the process died out of memory. They must be refused
// having allocated next to nothing.
func TestLoadRefusesEndlessAndHugeFiles(t *testing.T) {
	const budget = 64 << 20
	dir := t.TempDir()
	zeros := filepath.Join(dir, "zeros.ckpt")
	if err := os.WriteFile(zeros, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(zeros, 1<<40); err != nil {
		t.Skip("no sparse files here:", err)
	}
	// A valid checkpoint's header and tensors, then a terabyte of hole.
	sealed := filepath.Join(dir, "sealed.ckpt")
	if err := os.WriteFile(sealed, trainedCheckpoint(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sealed, 1<<40); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		path, want string
		is         error
	}{
		{"/dev/zero", "a device, not a regular file", nil},
		{dir, "a directory, not a regular file", nil},
		{zeros, "not a gradgraph checkpoint", ErrCorrupt},
		{sealed, "trailing bytes after the last tensor", ErrCorrupt},
	}
	for _, c := range cases {
		if _, err := os.Stat(c.path); err != nil {
			t.Logf("%s: %v, skipped", c.path, err)
			continue
		}
		var err error
		n := allocated(func() { _, err = Load(c.path) })
		if err == nil || !strings.Contains(err.Error(), c.path) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the path and containing %q", c.path, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v is not %v", c.path, err, c.is)
		}
		if n > budget {
			t.Errorf("%s: Load allocated %d bytes, want under %d", c.path, n, budget)
		}
	}
}
