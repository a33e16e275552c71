package viz

import (
	"math"
	"os"
	"path/filepath"
	"testing"
)

// history returns a deterministic, plausible Keras history of n epochs in
// which validation loss is lowest at epoch 7 and then rises (overfitting).
func history(n int) map[string][]float64 {
	s := map[string][]float64{}
	for _, k := range []string{"loss", "val_loss", "accuracy", "val_accuracy"} {
		s[k] = make([]float64, n)
	}
	for i := 0; i < n; i++ {
		e := float64(i + 1)
		s["loss"][i] = 0.2 + 2*math.Exp(-e/3)
		s["val_loss"][i] = 0.35 + 2*math.Exp(-e/3) + 0.012*(e-7)*(e-7)
		s["accuracy"][i] = 0.98 - 0.6*math.Exp(-e/3)
		s["val_accuracy"][i] = 0.93 - 0.6*math.Exp(-e/3) - 0.002*(e-7)*(e-7)
	}
	return s
}

func TestTrainingCurvesGolden(t *testing.T) {
	c := Curves{Title: "MLP on MNIST", Series: history(15), BestEpoch: 7}
	checkGolden(t, "curves", 2*curvesPanelW, curvesPanelH+titleHeight, func(p string) error {
		return TrainingCurves(p, c)
	})
}

func TestTrainingCurvesGaps(t *testing.T) {
	// A diverged epoch and a training-only metric must still plot.
	s := history(10)
	s["loss"][4] = math.NaN()
	s["lr"] = []float64{1, 1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25}
	c := Curves{Series: s}
	checkGolden(t, "curves_gaps", 3*curvesPanelW, curvesPanelH, func(p string) error {
		return TrainingCurves(p, c)
	})
}

func TestTrainingCurvesErrors(t *testing.T) {
	nan := math.NaN()
	for _, tc := range []struct {
		name string
		c    Curves
	}{
		{"nil", Curves{}},
		{"empty", Curves{Series: map[string][]float64{"loss": {}}}},
		{"mismatch", Curves{Series: map[string][]float64{"loss": {1, 2}, "val_loss": {1}}}},
		{"nan", Curves{Series: map[string][]float64{"loss": {nan, nan}}}},
		{"best", Curves{Series: map[string][]float64{"loss": {1, 2}}, BestEpoch: 3}},
		{"negative best", Curves{Series: map[string][]float64{"loss": {1, 2}}, BestEpoch: -1}},
	} {
		checkNoFile(t, tc.name, func(p string) error { return TrainingCurves(p, tc.c) })
	}
}

// checkNoFile checks that write fails and leaves its folder empty.
func checkNoFile(t *testing.T, name string, write func(path string) error) {
	t.Helper()
	dir := t.TempDir()
	if err := write(filepath.Join(dir, "out.png")); err == nil {
		t.Errorf("%s: no error", name)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("%s: left %d files behind", name, len(ents))
	}
}

func TestUnwritablePath(t *testing.T) {
	c := Curves{Series: history(3)}
	dir := t.TempDir()
	if err := TrainingCurves(filepath.Join(dir, "missing", "x.png"), c); err == nil {
		t.Error("no error for a missing folder")
	}
	if err := TrainingCurves(dir, c); err == nil {
		t.Error("no error when the path is a folder")
	}
	if err := TrainingCurves("", c); err == nil {
		t.Error("no error for an empty path")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("left %d files behind", len(ents))
	}
}

// TestAccuracyAxisWithinUnit checks that an accuracy panel's y axis stays
// in [0, 1] even when the legend room would push it past 1, and that a loss
// panel is not clamped.
func TestAccuracyAxisWithinUnit(t *testing.T) {
	for _, tc := range []struct {
		name       string
		train, val []float64
		clamped    bool
	}{
		{"accuracy", []float64{0.5, 0.9, 0.99}, []float64{0.6, 0.95, 1}, true},
		{"val_sparse_categorical_accuracy", []float64{0.02, 0.5, 0.98}, nil, true},
		{"loss", []float64{2.3, 0.5, 0.01}, []float64{2.2, 0.6, 0.02}, false},
	} {
		p, err := curvePanel(tc.name, tc.train, tc.val, 3, 2)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		in := p.Y.Min >= 0 && p.Y.Max <= 1
		if in != tc.clamped {
			t.Errorf("%s: y axis [%g, %g], want within [0, 1]: %v", tc.name, p.Y.Min, p.Y.Max, tc.clamped)
		}
	}
}
