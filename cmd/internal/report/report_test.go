package report

import (
	"os"
	"path/filepath"
	"testing"
)

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
