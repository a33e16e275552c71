package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/onnx/onnxtest"
	"github.com/gradgraph/gradgraph/train"
)

// TestMain runs the command itself when the test binary is started with
// IMAGES_MAIN=1, so that the error tests see its exit status and stderr.
func TestMain(m *testing.M) {
	if os.Getenv("IMAGES_MAIN") == "1" {
		if marker := os.Getenv("IMAGES_PAUSE_COMMIT"); marker != "" {
			// TestKilledRun's pause: everything is written aside, nothing
			// moved yet; the test kills the process here.
			rename = func(string, string) error {
				os.WriteFile(marker, nil, 0o644)
				time.Sleep(time.Hour)
				return errors.New("not killed")
			}
		}
		main()
	}
	os.Exit(m.Run())
}

// classNames are the generated folders' classes: stripes across, stripes
// down, and a bright square, each with seeded noise and colour.
var classNames = []string{"across", "down", "square"}

// writeFolder writes perClass w×h RGB PNGs of each class to dir/<class>/,
// seeded, and returns dir.
func writeFolder(t testing.TB, dir string, perClass, w, h int, seed int64) string {
	t.Helper()
	rng := rand.New(rand.NewSource(seed))
	for k, class := range classNames {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		for n := 0; n < perClass; n++ {
			img := image.NewRGBA(image.Rect(0, 0, w, h))
			phase := rng.Intn(4)
			for y := 0; y < h; y++ {
				for x := 0; x < w; x++ {
					on := false
					switch k {
					case 0:
						on = (y+phase)%4 < 2
					case 1:
						on = (x+phase)%4 < 2
					case 2:
						on = x >= w/4+phase && x < 3*w/4 && y >= h/4 && y < 3*h/4+phase-2
					}
					v := 40 + rng.Intn(40)
					if on {
						v = 180 + rng.Intn(60)
					}
					img.Set(x, y, color.RGBA{R: uint8(v), G: uint8(v * (k + 1) / 3), B: uint8(255 - v), A: 255})
				}
			}
			writePNG(t, filepath.Join(dir, class, fmt.Sprintf("%03d.png", n)), img)
		}
	}
	return dir
}

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runImages runs the command with args into a fresh -out folder and
// returns the folder and metrics.json.
func runImages(t *testing.T, args ...string) (string, map[string]any) {
	t.Helper()
	out := t.TempDir()
	var stdout bytes.Buffer
	if err := run(append([]string{"-out", out, "-quiet"}, args...), &stdout); err != nil {
		t.Fatalf("images %v: %v", args, err)
	}
	raw, err := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("metrics.json: %v", err)
	}
	return out, m
}

// timings are metrics.json's fields that change from run to run.
var timings = []string{"epoch_seconds", "train_seconds", "samples_per_second", "load_seconds", "peak_rss_bytes"}

// sameRun compares two runs' metrics.json without the timings and the
// fields named in also, and their checkpoints byte for byte.
func sameRun(t *testing.T, what, a, b string, ma, mb map[string]any, also ...string) {
	t.Helper()
	for _, k := range append(timings, also...) {
		delete(ma, k)
		delete(mb, k)
	}
	if !reflect.DeepEqual(ma, mb) {
		for k := range ma {
			if !reflect.DeepEqual(ma[k], mb[k]) {
				t.Errorf("%s: metrics.json %s: %v and %v", what, k, ma[k], mb[k])
			}
		}
	}
	ca, cb := readFile(t, filepath.Join(a, "model.ckpt")), readFile(t, filepath.Join(b, "model.ckpt"))
	if !bytes.Equal(ca, cb) {
		t.Errorf("%s: the checkpoints differ (%d and %d bytes)", what, len(ca), len(cb))
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fast are the flags of a quick run on the generated 20×20 images.
var fast = []string{"-model", "convnet", "-epochs", "2", "-batch", "16"}

// TestRun: a run on a generated 3-class folder writes every file, names
// the classes, holds out the seeded fifth of the images, counts its
// mistakes as the confusion matrix does, and is bit-identical for the same
// seed (metrics.json but its timings, and the checkpoint) and different for
// another seed.
func TestRun(t *testing.T) {
	dir := writeFolder(t, t.TempDir(), 20, 20, 20, 1)
	a, ma := runImages(t, append(fast, "-train", dir, "-seed", "1")...)
	for _, f := range []string{"model.ckpt", "metrics.json", "history.csv", "curves.png", "confusion.png",
		mistakesFile, "report.html", "report.md", "model.png", "sample_1.png", "prediction_1.png"} {
		st, err := os.Stat(filepath.Join(a, f))
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"curves.png", "confusion.png", mistakesFile} {
		r, err := os.Open(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(r)
		r.Close()
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
	if got := ma["class_names"]; !reflect.DeepEqual(got, []any{"across", "down", "square"}) {
		t.Errorf("class_names %v", got)
	}
	// 60 images, ⌊0.2·60⌋ = 12 held out.
	if ma["train_samples"] != 48.0 || ma["test_samples"] != 12.0 || ma["image_size"] != "20x20x3" {
		t.Errorf("train_samples %v, test_samples %v, image_size %v; want 48, 12, 20x20x3", ma["train_samples"], ma["test_samples"], ma["image_size"])
	}
	conf := ma["confusion_matrix"].([]any)
	off := 0.0
	for i, row := range conf {
		for j, n := range row.([]any) {
			if i != j {
				off += n.(float64)
			}
		}
	}
	if ma["misclassified"] != off {
		t.Errorf("misclassified %v, the confusion matrix has %v off its diagonal", ma["misclassified"], off)
	}
	if acc := ma["test_accuracy"].(float64); acc != (12-off)/12 {
		t.Errorf("test accuracy %v, 1 - %v/12 from the confusion matrix", acc, off)
	}

	b, mb := runImages(t, append(fast, "-train", dir, "-seed", "1")...)
	sameRun(t, "same seed", a, b, ma, mb)
	c, _ := runImages(t, append(fast, "-train", dir, "-seed", "2")...)
	if bytes.Equal(readFile(t, filepath.Join(a, "model.ckpt")), readFile(t, filepath.Join(c, "model.ckpt"))) {
		t.Error("seeds 1 and 2 gave the same checkpoint")
	}
}

// TestWriteSampleFolder writes the generated folder to $IMAGES_SAMPLE_DIR
// for trying the command by hand; it does nothing otherwise.
func TestWriteSampleFolder(t *testing.T) {
	if d := os.Getenv("IMAGES_SAMPLE_DIR"); d != "" {
		writeFolder(t, d, 40, 24, 24, 1)
	}
}

// TestTestFolder: with -test the model trains on all of -train and tests
// on -test; without it, on the seeded split, which -val sizes and -seed
// draws.
func TestTestFolder(t *testing.T) {
	root := t.TempDir()
	trainDir := writeFolder(t, filepath.Join(root, "train"), 10, 20, 20, 1)
	testDir := writeFolder(t, filepath.Join(root, "test"), 4, 20, 20, 2)
	for _, c := range []struct {
		name            string
		args            []string
		trainN, testN   float64
		testSet, testIn string
	}{
		{"-test", []string{"-test", testDir}, 30, 12, "-test " + testDir, testDir},
		{"split", nil, 24, 6, "0.2 of -train held out (seed 1)", ""},
		{"-val 0.5", []string{"-val", "0.5"}, 15, 15, "0.5 of -train held out (seed 1)", ""},
	} {
		_, m := runImages(t, append([]string{"-train", trainDir, "-model", "dense", "-epochs", "1"}, c.args...)...)
		if m["train_samples"] != c.trainN || m["test_samples"] != c.testN || m["test_set"] != c.testSet || m["test_dir"] != c.testIn {
			t.Errorf("%s: train_samples %v, test_samples %v, test_set %q, test_dir %q; want %v, %v, %q, %q",
				c.name, m["train_samples"], m["test_samples"], m["test_set"], m["test_dir"], c.trainN, c.testN, c.testSet, c.testIn)
		}
	}
}

// TestStream: -stream decodes the images as training asks for them and
// gives the same weights and figures as decoding them all up front, with
// two workers or one, from a split or with -test, grey and resized too.
func TestStream(t *testing.T) {
	root := t.TempDir()
	trainDir := writeFolder(t, filepath.Join(root, "train"), 12, 20, 20, 1)
	testDir := writeFolder(t, filepath.Join(root, "test"), 3, 20, 20, 2)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"split", append([]string{"-train", trainDir}, fast...)},
		{"-test, grey, 24x22", append([]string{"-train", trainDir, "-test", testDir, "-gray", "-size", "24x22"}, fast...)},
	} {
		if testing.Short() && c.name != "split" {
			continue // -short: one case, two workers
		}
		a, ma := runImages(t, c.args...)
		for _, workers := range []string{"1", "2"} {
			if testing.Short() && workers == "1" {
				continue
			}
			b, mb := runImages(t, append(c.args, "-stream", "-workers", workers)...)
			if mb["stream"] != true {
				t.Errorf("%s: metrics.json stream %v", c.name, mb["stream"])
			}
			sameRun(t, c.name+", -stream -workers "+workers, a, b, maps(ma), mb, "stream", "read_as")
		}
	}
}

// maps copies m, so that sameRun's deletions leave it whole.
func maps(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// TestRawPixels: the model sees the files' pixel values 0..255 exactly,
// in memory and streamed, for all 256 of them.
func TestRawPixels(t *testing.T) {
	dir := t.TempDir()
	for k, class := range []string{"a", "b"} {
		if err := os.MkdirAll(filepath.Join(dir, class), 0o755); err != nil {
			t.Fatal(err)
		}
		img := image.NewGray(image.Rect(0, 0, 16, 16))
		for i := range img.Pix {
			img.Pix[i] = uint8(i + k)
		}
		writePNG(t, filepath.Join(dir, class, "x.png"), img)
	}
	for _, stream := range []bool{false, true} {
		s, err := load(config{trainDir: dir, testDir: dir, gray: true, stream: stream})
		if err != nil {
			t.Fatal(err)
		}
		x := make([]float32, 2*256)
		s.train.Fill([]int{0, 1}, x, nil)
		for i, v := range x {
			if want := float32(uint8(i%256 + i/256)); v != want {
				t.Fatalf("stream %v: pixel %d of image %d is %v, want %v", stream, i%256, i/256, v, want)
			}
		}
	}
}

// TestSpread: the grid shows the first mistake of each true class, then the
// second of each, in index order within a round.
func TestSpread(t *testing.T) {
	labels := []int{0, 0, 0, 1, 1, 2, 2, 2}
	got := spread([]int{0, 1, 2, 3, 4, 6, 7}, labels)
	if want := []int{0, 3, 6, 1, 4, 7, 2}; !reflect.DeepEqual(got, want) {
		t.Errorf("spread: %v, want %v", got, want)
	}
}

// TestErrors: every mistake a user can make with the folders or the flags
// ends the command with status 1 and one line on stderr, "images: ...",
// that names the folder or flag and what is wrong. cmd/internal/badinput
// runs the rest through the built command, with its checks for every
// command (no stack trace, -out left empty, an earlier run's -out kept): a
// missing -train, an empty class folder, a corrupt or truncated PNG in
// memory and streamed, a -size beyond the pixel cap, -save under a file.
func TestErrors(t *testing.T) {
	root := t.TempDir()
	good := writeFolder(t, filepath.Join(root, "good"), 2, 20, 20, 1)

	empty := writeFolder(t, filepath.Join(root, "empty"), 2, 20, 20, 1)
	if err := os.MkdirAll(filepath.Join(empty, "zebra"), 0o755); err != nil {
		t.Fatal(err)
	}
	one := filepath.Join(root, "one")
	if err := os.MkdirAll(filepath.Join(one, "cats"), 0o755); err != nil {
		t.Fatal(err)
	}
	writePNG(t, filepath.Join(one, "cats", "1.png"), image.NewGray(image.Rect(0, 0, 20, 20)))
	mixed := writeFolder(t, filepath.Join(root, "mixed"), 2, 20, 20, 1)
	writePNG(t, filepath.Join(mixed, "down", "big.png"), image.NewGray(image.Rect(0, 0, 32, 24)))
	small := writeFolder(t, filepath.Join(root, "small"), 2, 24, 24, 1)
	other := filepath.Join(root, "other")
	for _, class := range []string{"across", "down", "circle"} {
		if err := os.MkdirAll(filepath.Join(other, class), 0o755); err != nil {
			t.Fatal(err)
		}
		writePNG(t, filepath.Join(other, class, "1.png"), image.NewGray(image.Rect(0, 0, 20, 20)))
	}
	missing := filepath.Join(root, "nope")

	for _, c := range []struct {
		name string
		args []string
		want []string // in the message
	}{
		{"one class", []string{"-train", one}, []string{"-train: ", "one class folder only", "at least two"}},
		{"mixed sizes", []string{"-train", mixed}, []string{"-train (give -size WxH", "big.png", "32x24"}},
		{"missing -test", []string{"-train", good, "-test", missing}, []string{"-test (its class folders", missing, "no such file or directory"}},
		{"no -train", nil, []string{"-train: give the folder"}},
		{"-size 28", []string{"-train", good, "-size", "28"}, []string{`-size "28"`, "no x", "WIDTHxHEIGHT"}},
		{"-size 28x", []string{"-train", good, "-size", "28x"}, []string{`-size "28x"`, `height "" is not a whole number`}},
		{"-size ax3", []string{"-train", good, "-size", "ax3"}, []string{`width "a" is not a whole number`}},
		{"-size 0x28", []string{"-train", good, "-size", "0x28"}, []string{"at least 1"}},
		{"-test classes differ", []string{"-train", good, "-test", other}, []string{"-test (its class folders must be -train's)", "circle"}},
		{"-test size differs", []string{"-train", good, "-test", small}, []string{"-test " + small, "24x24", "20x20", "-size"}},
		{"image too small for the convnet", []string{"-train", good, "-size", "8x8"}, []string{"-model convnet", "8x8x3", "-size"}},
		{"-val with -test", []string{"-train", good, "-test", good, "-val", "0.3"}, []string{"-val 0.3 with -test"}},
		{"-val 1", []string{"-train", good, "-val", "1"}, []string{"-val 1", "between 0 and 1"}},
		{"-val of too few images", []string{"-train", good, "-val", "0.1"}, []string{"-train (-val is the ValidationSplit): ", "0 for validation"}},
		{"-stream, empty class folder", []string{"-stream", "-train", empty}, []string{"-train: ", "zebra has no images"}},
		{"-stream, one class", []string{"-stream", "-train", one}, []string{"-train: ", "one class folder only"}},
		{"-stream, mixed sizes", []string{"-stream", "-train", mixed}, []string{"-train (give -size WxH", "big.png"}},
		{"-stream, missing -test", []string{"-stream", "-train", good, "-test", missing}, []string{"-test (its class folders", missing}},
		{"-model", []string{"-train", good, "-model", "vgg"}, []string{`unknown -model "vgg"`}},
		{"-write-fashion with -train", []string{"-write-fashion", root, "-train", good}, []string{"-write-fashion: give it alone"}},
	} {
		cmd := exec.Command(os.Args[0], append(c.args, "-out", filepath.Join(root, "out"), "-epochs", "1")...)
		cmd.Env = append(os.Environ(), "IMAGES_MAIN=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 1 {
			t.Errorf("%s: exit %v, want status 1; stderr %q", c.name, err, stderr.String())
			continue
		}
		msg := stderr.String()
		if !strings.HasPrefix(msg, "images: ") || strings.Count(msg, "\n") != 1 {
			t.Errorf("%s: stderr %q, want one line starting images: ", c.name, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q lacks %q", c.name, msg, w)
			}
		}
		t.Logf("%s: %s", c.name, strings.TrimSpace(msg))
	}
}

// TestONNX: -onnx writes a file that ONNX Runtime loads and that agrees
// with the checkpoint's Predict on raw pixel values (the Rescaling is in
// the exported graph).
func TestONNX(t *testing.T) {
	dir := writeFolder(t, t.TempDir(), 6, 20, 20, 1)
	file := filepath.Join(t.TempDir(), "m.onnx")
	out, _ := runImages(t, "-train", dir, "-model", "resnet", "-epochs", "1", "-batch", "8", "-onnx", file)
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("-onnx wrote no file: %v", err)
	}
	rt := onnxtest.Need(t)
	tr, err := train.Load(filepath.Join(out, "model.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	a, err := rt.MatchPredict(file, tr, 32, 1)
	if err != nil {
		t.Fatal(err)
	}
	if a.MaxError > 1e-5 || a.ClassesDiffer != 0 {
		t.Errorf("ONNX Runtime vs Predict on %d samples: error %.3g of the largest probability, %d classes differ", a.Samples, a.MaxError, a.ClassesDiffer)
	}
	if tr.NN().Layers[0].Type() != "Rescaling" {
		t.Errorf("layer 0 is %s, want the Rescaling", tr.NN().Layers[0].Type())
	}
}
