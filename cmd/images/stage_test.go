package main

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestStagedPID: only ".images-staged-PID-random" with a positive PID in
// plain digits names a run's folder.
func TestStagedPID(t *testing.T) {
	for _, c := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{".images-staged-123-456789", 123, true},
		{".images-staged-1-x", 1, true},
		{".images-staged-123", 0, false},
		{".images-staged-123-", 0, false},
		{".images-staged-0-1", 0, false},
		{".images-staged--5-1", 0, false},
		{".images-staged-+5-1", 0, false},
		{".images-staged-05-1", 0, false},
		{".images-staged-abc-1", 0, false},
		{"images-staged-123-1", 0, false},
		{".model.ckpt.tmp-123-1", 0, false},
	} {
		if pid, ok := stagedPID(c.name); pid != c.pid || ok != c.ok {
			t.Errorf("stagedPID(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}

// TestCommitFailsPartWay: a rename that fails during commit gives an error
// naming the files moved and those not, which is what -out then holds: the
// moved ones new, the others the earlier run's; and discarding the run
// leaves no hidden entry in -out.
func TestCommitFailsPartWay(t *testing.T) {
	for _, c := range []struct {
		failAt       int // the rename that fails, from 1
		want         []string
		moved, kept  []string // in -out after the failure: this run's, the earlier run's
		savedChanged bool
	}{
		{1, []string{"-save: nothing was moved into place", "disk on fire"},
			nil, []string{"history.csv", "metrics.json", "report.md"}, false},
		{3, []string{"-out: moving this run's files into place failed part way", "moved: -save ", "model.ckpt, history.csv; not moved, an earlier run's kept if any: metrics.json, report.md: rename ", "disk on fire"},
			[]string{"history.csv"}, []string{"metrics.json", "report.md"}, true},
	} {
		t.Cleanup(func() { rename = os.Rename })
		name := "rename " + strconv.Itoa(c.failAt) + " fails"
		out, saveDir := t.TempDir(), t.TempDir()
		cfg := config{out: out, save: filepath.Join(saveDir, "model.ckpt")}
		for _, f := range []string{"history.csv", "metrics.json", "report.md"} {
			put(t, filepath.Join(out, f), "earlier")
		}
		put(t, cfg.save, "earlier")
		st, err := stage(cfg)
		if err != nil {
			t.Fatal(err)
		}
		put(t, st.ckpt, "new")
		for _, f := range []string{"report.md", "metrics.json", "history.csv"} {
			put(t, st.outFile(f), "new")
		}
		calls := 0
		rename = func(from, to string) error {
			if calls++; calls == c.failAt {
				return &os.LinkError{Op: "rename", Old: from, New: to, Err: errors.New("disk on fire")}
			}
			return os.Rename(from, to)
		}
		err = st.commit(cfg)
		rename = os.Rename
		st.discard()
		if err == nil {
			t.Fatalf("%s: commit gave no error", name)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q lacks %q", name, err, w)
			}
		}
		for _, f := range c.moved {
			if got := get(t, filepath.Join(out, f)); got != "new" {
				t.Errorf("%s: %s holds %q, the message says it was moved", name, f, got)
			}
		}
		for _, f := range c.kept {
			if got := get(t, filepath.Join(out, f)); got != "earlier" {
				t.Errorf("%s: %s holds %q, the message says it was not moved", name, f, got)
			}
		}
		if got := get(t, cfg.save); (got == "new") != c.savedChanged {
			t.Errorf("%s: -save holds %q", name, got)
		}
		for _, dir := range []string{out, saveDir} {
			if hidden := hiddenEntries(t, dir); len(hidden) > 0 {
				t.Errorf("%s: %s keeps %v after discard", name, dir, hidden)
			}
		}
	}
}

func put(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func get(t *testing.T, path string) string {
	t.Helper()
	return string(readFile(t, path))
}

// hiddenEntries lists dir's names that begin with a dot.
func hiddenEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var hidden []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			hidden = append(hidden, e.Name())
		}
	}
	return hidden
}
