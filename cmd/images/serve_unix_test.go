//go:build unix

package main

import (
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/cmd/internal/live/livetest"
)

// TestServe: images -serve 127.0.0.1:0 -serve-wait on a generated folder,
// as livetest.Check runs it.
func TestServe(t *testing.T) {
	dir := writeFolder(t, t.TempDir(), 20, 20, 20, 1)
	rec := livetest.Check(t, run, append(fast, "-train", dir, "-quiet")...)
	if !strings.Contains(rec.Meta.Title, "convnet") || len(rec.Epochs) != 2 {
		t.Errorf("page: title %q, %d epochs", rec.Meta.Title, len(rec.Epochs))
	}
}
