package report

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileKeepsOldContentOnFailure(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.json")
	if err := WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "old"); return err }); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(path, func(w io.Writer) error {
		io.WriteString(w, "half of the new")
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("failed write reported no error")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Errorf("file holds %q after a failed write, want the old content", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the folder, want only metrics.json (no temp files)", len(entries))
	}
}

func TestOutDirRejectsAFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	if err := OutDir(filepath.Join(file, "out")); err == nil {
		t.Error("OutDir under a regular file gave no error")
	}
}

func TestPeakRSS(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc on this system")
	}
	before := PeakRSS()
	big := make([]byte, 64<<20)
	for i := range big {
		big[i] = 1
	}
	after := PeakRSS()
	if before <= 0 || after < before+60<<20 {
		t.Errorf("peak RSS %d before and %d after touching 64 MiB", before, after)
	}
	_ = big[len(big)-1]
}
