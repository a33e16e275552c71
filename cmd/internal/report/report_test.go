package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/train"
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

func TestTrainingDrawsCurvesOnlyForEpochs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		h      *train.History
		curves bool
	}{
		{"no epochs", &train.History{Keys: []string{"loss"}, Logs: map[string][]float64{}}, false},
		{"two epochs", &train.History{Epoch: []int{0, 1}, Keys: []string{"loss"}, Logs: map[string][]float64{"loss": {0.5, 0.25}}}, true},
	} {
		dir := t.TempDir()
		if err := Training(dir, "title", tc.h, 1); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		csv, err := os.ReadFile(filepath.Join(dir, "history.csv"))
		if err != nil {
			t.Errorf("%s: history.csv: %v", tc.name, err)
		}
		if want := len(tc.h.Epoch) + 1; strings.Count(string(csv), "\n") != want {
			t.Errorf("%s: history.csv has %q, want %d lines", tc.name, csv, want)
		}
		_, err = os.Stat(filepath.Join(dir, "curves.png"))
		if got := err == nil; got != tc.curves {
			t.Errorf("%s: curves.png written %v, want %v", tc.name, got, tc.curves)
		}
	}
}

// TestMetricsNonFinite: a NaN or infinite figure is written by name, not
// refused by encoding/json at the end of a run.
func TestMetricsNonFinite(t *testing.T) {
	dir := t.TempDir()
	if err := Metrics(dir, map[string]any{"test_loss": math.NaN(), "acc": 0.5, "curve": []float64{1, math.Inf(1)}, "x": math.Inf(-1)}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m["test_loss"] != "NaN" || m["acc"] != 0.5 || m["x"] != "-Inf" || !reflect.DeepEqual(m["curve"], []any{1.0, "+Inf"}) {
		t.Errorf("metrics.json: %s", raw)
	}
}
