package main

import (
	"bytes"
	"encoding/json"
	"image/gif"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/cmd/internal/report/reportcheck"
)

var outputs = []string{"boundary.png", "boundary.gif", "curves.png", "history.csv", "metrics.json", "report.html", "report.md", "confusion.png", "model.png"}

func readMetrics(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestShortRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	var stdout bytes.Buffer
	if err := run([]string{"-epochs", "20", "-frames", "6", "-resolution", "40", "-out", dir}, &stdout); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"spiral: 600 samples, 3 classes", "Epoch 20/20", "Training accuracy:"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, stdout.String())
		}
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if want := []string{"boundary.gif", "boundary.png", "confusion.png", "curves.png", "history.csv", "metrics.json", "model.png",
		"prediction_1.png", "prediction_2.png", "prediction_3.png", "prediction_4.png", "report.html", "report.md"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %v, want %v (no temporary files)", names, want)
	}
	for _, name := range []string{"boundary.png", "curves.png"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		f.Close()
	}
	f, err := os.Open(filepath.Join(dir, "boundary.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	g, err := gif.DecodeAll(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 6 {
		t.Errorf("%d GIF frames, want 6", len(g.Image))
	}
	hist, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(hist), "\n"); lines != 21 {
		t.Errorf("history.csv has %d lines, want a header and 20 epochs", lines)
	}
	m := readMetrics(t, dir)
	for _, k := range []string{"train_accuracy", "train_loss", "epochs", "dataset", "hidden", "activation", "lr", "seed"} {
		if _, ok := m[k]; !ok {
			t.Errorf("metrics.json lacks %q", k)
		}
	}
	if m["dataset"] != "spiral" || m["epochs"] != 20.0 || m["activation"] != "relu" || !reflect.DeepEqual(m["hidden"], []any{16.0, 16.0}) {
		t.Errorf("metrics.json: %v", m)
	}
	checkReport(t, dir, m)
}

// checkReport checks report.html and report.md against metrics.json, and
// that the confusion matrix counts the training samples with the training
// accuracy on its diagonal.
func checkReport(t *testing.T, dir string, m map[string]any) {
	t.Helper()
	page, err := reportcheck.Check(dir)
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	for _, k := range []string{"train_accuracy", "train_loss", "dataset", "samples", "train_samples", "hidden", "lr", "seed",
		"train_seconds", "backend", "fused", "final_loss"} {
		if _, ok := page.Figures[k]; !ok {
			t.Errorf("report.html does not show %s", k)
		}
	}
	total, diag := 0.0, 0.0
	for i, row := range m["confusion_matrix"].([]any) {
		for j, v := range row.([]any) {
			total += v.(float64)
			if i == j {
				diag += v.(float64)
			}
		}
	}
	if acc := m["train_accuracy"].(float64); total != m["train_samples"] || diag/total-acc > 1e-6 || acc-diag/total > 1e-6 {
		t.Errorf("confusion matrix: %v samples, %v correct; want %v and accuracy %v", total, diag, m["train_samples"], acc)
	}
	if want := []string{"training curves", "Decision boundary", "confusion matrix, Training samples, 600"}; len(page.Images) != 3+4+1 || !reflect.DeepEqual(page.Images[:3], want) {
		t.Errorf("report images %q: want %q, 4 predictions and the layer diagram", page.Images, want)
	}
}

// TestDefaultSpiral runs the command as a user would, with every default,
// and checks that it separates the spiral.
func TestDefaultSpiral(t *testing.T) {
	if testing.Short() {
		t.Skip("full default run")
	}
	dir := t.TempDir()
	if err := run([]string{"-out", dir, "-quiet"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	m := readMetrics(t, dir)
	if acc, _ := m["train_accuracy"].(float64); acc < 0.95 {
		t.Errorf("default spiral: training accuracy %v, want ≥ 0.95", acc)
	}
	f, err := os.Open(filepath.Join(dir, "boundary.gif"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if g, err := gif.DecodeAll(f); err != nil || len(g.Image) != 40 {
		t.Errorf("default GIF: %v, want 40 frames", err)
	}
}

// TestDeterministic checks that the same seed gives the same files and that
// drawing frames during training does not change it.
func TestDeterministic(t *testing.T) {
	args := []string{"-dataset", "moons", "-epochs", "15", "-resolution", "30", "-quiet"}
	var dirs []string
	for _, frames := range []string{"4", "4", "0"} {
		dir := t.TempDir()
		if err := run(append(args, "-frames", frames, "-out", dir), io.Discard); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	read := func(dir, name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, name := range []string{"history.csv", "boundary.gif", "boundary.png"} {
		if !bytes.Equal(read(dirs[0], name), read(dirs[1], name)) {
			t.Errorf("%s differs between two runs with the same seed", name)
		}
	}
	if !bytes.Equal(read(dirs[0], "history.csv"), read(dirs[2], "history.csv")) {
		t.Error("history.csv differs with and without GIF frames")
	}
	if _, err := os.Stat(filepath.Join(dirs[2], "boundary.gif")); !os.IsNotExist(err) {
		t.Errorf("-frames 0 wrote boundary.gif (%v)", err)
	}
	other := t.TempDir()
	if err := run(append(args, "-frames", "0", "-seed", "2", "-out", other), io.Discard); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(read(dirs[2], "history.csv"), read(other, "history.csv")) {
		t.Error("seeds 1 and 2 give the same history")
	}
}

func TestOtherDataSets(t *testing.T) {
	for _, args := range [][]string{
		{"-dataset", "circles", "-activation", "tanh"},
		{"-dataset", "xor", "-optimizer", "sgd", "-lr", "0.1"},
		{"-dataset", "blobs", "-classes", "5", "-optimizer", "rmsprop", "-val", "0.2"},
		{"-dataset", "xor", "-optimizer", "adagrad", "-lr", "0.1"},
		{"-dataset", "moons", "-hidden", "", "-activation", "sigmoid"},
	} {
		dir := t.TempDir()
		if err := run(append(args, "-epochs", "3", "-frames", "2", "-resolution", "20", "-quiet", "-out", dir), io.Discard); err != nil {
			t.Errorf("%v: %v", args, err)
			continue
		}
		for _, name := range outputs {
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("%v: %v", args, err)
			}
		}
	}
}

func TestBadFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-dataset", "swirl"}, `unknown data set "swirl" (known: spiral, circles, moons, xor, blobs)`},
		{[]string{"-hidden", "8,,8"}, `-hidden "8,,8": layer 2 has no width`},
		{[]string{"-hidden", "0"}, `-hidden "0": layer 1: width 0`},
		{[]string{"-hidden", "8,x"}, `width "x" is not a whole number`},
		{[]string{"-hidden", "-4"}, `width -4`},
		{[]string{"-hidden", "8,"}, `layer 2 has no width`},
		{[]string{"-hidden", "100000"}, `width 100000, want 1..4096`},
		{[]string{"-activation", "swish"}, `unknown activation "swish"`},
		{[]string{"-optimizer", "adadelta"}, `unknown optimizer "adadelta"`},
		{[]string{"-lr", "0"}, `-lr 0`},
		{[]string{"-lr", "NaN"}, `-lr NaN`},
		{[]string{"-epochs", "-1"}, `-epochs -1`},
		{[]string{"-epochs", "0"}, `-epochs 0`},
		{[]string{"-batch", "0"}, `-batch 0`},
		{[]string{"-frames", "-2"}, `-frames -2`},
		{[]string{"-resolution", "1"}, `-resolution 1`},
		{[]string{"-val", "1"}, `-val 1`},
		{[]string{"-noise", "-0.5"}, `noise -0.5`},
		{[]string{"-n", "2"}, `2 samples for 3 classes`},
		{[]string{"-classes", "1"}, `-classes 1: want 2..10`},
		{[]string{"-dataset", "moons", "-classes", "3"}, `moons has 2 classes, got 3`},
		{[]string{"-epochs", "ten"}, `invalid value "ten" for flag -epochs`},
		{[]string{"-colour"}, `flag provided but not defined: -colour`},
		{[]string{"spiral"}, `unexpected arguments ["spiral"]`},
		{[]string{"-out", ""}, `-out: empty folder name`},
	} {
		dir := filepath.Join(t.TempDir(), "out")
		// tc.args come last, so that their -out wins.
		err := run(append([]string{"-quiet", "-out", dir}, tc.args...), io.Discard)
		if err == nil {
			t.Errorf("%q: no error", tc.args)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q does not mention %q", tc.args, err, tc.want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%q: output folder created (%v)", tc.args, err)
		}
	}

	// An output folder that cannot be created: a file is in the way.
	err := run([]string{"-quiet", "-epochs", "1", "-out", filepath.Join(file, "out")}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "output folder") {
		t.Errorf("unwritable -out: error %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(file)); len(ents) != 1 {
		t.Errorf("unwritable -out left %d files", len(ents)-1)
	}
}

func TestParseHiddenAndFrames(t *testing.T) {
	for s, want := range map[string][]int{"": nil, " ": nil, "8": {8}, "8,8": {8, 8}, " 4 , 2 ": {4, 2}} {
		got, err := parseHidden(s)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("parseHidden(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, tc := range []struct {
		frames, epochs int
		want           []int
	}{
		{0, 10, nil},
		{1, 10, []int{10}},
		{2, 10, []int{0, 10}},
		{5, 100, []int{0, 25, 50, 75, 100}},
		{4, 10, []int{0, 3, 7, 10}},
		{50, 3, []int{0, 1, 2, 3}},
	} {
		if got := frameEpochs(tc.frames, tc.epochs); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("frameEpochs(%d, %d) = %v, want %v", tc.frames, tc.epochs, got, tc.want)
		}
	}
}

// TestMainError runs main in a child process: an error is one line,
// "playground: ...", on stderr and exit status 1, never a stack trace.
func TestMainError(t *testing.T) {
	if os.Getenv("PLAYGROUND_MAIN") == "1" {
		os.Args = []string{"playground", "-hidden", "8,,8"}
		main()
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestMainError$")
	cmd.Env = append(os.Environ(), "PLAYGROUND_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Fatalf("exit: %v, want status 1", err)
	}
	if got := stderr.String(); !strings.HasPrefix(got, "playground: -hidden") || strings.Count(got, "\n") != 1 {
		t.Errorf("stderr %q, want one line starting \"playground: -hidden\"", got)
	}
}
