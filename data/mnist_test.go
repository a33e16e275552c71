package data

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mnistDir returns the folder of the real MNIST files, or skips the test:
// $GRADGRAPH_TEST_MNIST, else the project's shared data folder.
func mnistDir(tb testing.TB) string {
	dir := os.Getenv("GRADGRAPH_TEST_MNIST")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "data", "mnist")
	}
	for _, f := range mnistFiles {
		if findFile(dir, f) == "" {
			tb.Skipf("MNIST files not found in %s (set GRADGRAPH_TEST_MNIST to a folder with the four IDX files to run this)", dir)
		}
	}
	return dir
}

// isolate points every folder the loaders search at empty temporary ones,
// so a test sees neither the user's cache nor their GRADGRAPH_DATA.
func isolate(t *testing.T) (cache string) {
	t.Helper()
	cache = t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	t.Setenv("HOME", cache)
	t.Setenv(EnvDataDir, "")
	return filepath.Join(cache, "gradgraph")
}

func TestMNISTReal(t *testing.T) {
	dir := mnistDir(t)
	isolate(t)
	train, test, err := MNIST(dir, Offline())
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 60000 || test.Len() != 10000 || train.Rows() != 28 || train.Cols() != 28 ||
		train.Features() != 784 || train.NumClasses() != 10 || train.TargetWidth() != 1 {
		t.Fatalf("shapes: %v, %v", train, test)
	}
	if train.Label(0) != 5 || test.Label(0) != 7 {
		t.Errorf("first labels: train %d test %d, want 5 and 7", train.Label(0), test.Label(0))
	}
	// Computed with Python: sum(gzip.open(...).read()[16:16+784]).
	sum := 0
	for _, b := range train.Pixels(0) {
		sum += int(b)
	}
	if sum != 27525 {
		t.Errorf("pixel sum of the first training image %d, want 27525", sum)
	}
	sum = 0
	for _, b := range test.Pixels(0) {
		sum += int(b)
	}
	if sum != 18454 {
		t.Errorf("pixel sum of the first test image %d, want 18454", sum)
	}
	x := make([]float32, 784)
	y := make([]float32, 1)
	train.Fill([]int{0}, x, y)
	var fsum float64
	for _, v := range x {
		if v < 0 || v > 1 {
			t.Fatalf("Fill gave %v outside [0, 1]", v)
		}
		fsum += float64(v)
	}
	if y[0] != 5 || fsum < 27525/255.0-1e-3 || fsum > 27525/255.0+1e-3 {
		t.Errorf("Fill: label %v, pixel sum %v, want 5 and %v", y[0], fsum, 27525/255.0)
	}
}

// The data folder given as a parent (../shared/data) works too, and
// $GRADGRAPH_DATA is honoured.
func TestMNISTResolution(t *testing.T) {
	dir := mnistDir(t)
	isolate(t)
	parent := t.TempDir()
	if err := os.Symlink(mustAbs(t, dir), filepath.Join(parent, "mnist")); err != nil {
		t.Skip("symlinks unavailable:", err)
	}
	if _, _, err := MNIST(parent, Offline()); err != nil {
		t.Errorf("parent folder: %v", err)
	}
	t.Setenv(EnvDataDir, parent)
	if _, _, err := MNIST("", Offline()); err != nil {
		t.Errorf("$GRADGRAPH_DATA: %v", err)
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestMNISTChecksumMismatch(t *testing.T) {
	dir := mnistDir(t)
	isolate(t)
	// A copy of the real folder with the test labels swapped for other,
	// well-formed ones.
	copyDir := t.TempDir()
	for _, f := range mnistFiles[:3] {
		src := findFile(dir, f)
		if err := os.Symlink(mustAbs(t, src), filepath.Join(copyDir, filepath.Base(src))); err != nil {
			t.Skip("symlinks unavailable:", err)
		}
	}
	labels := make([]byte, 10000)
	os.WriteFile(filepath.Join(copyDir, "t10k-labels-idx1-ubyte"), makeIDX(0x08, []uint32{10000}, labels), 0o644)
	_, _, err := MNIST(copyDir, Offline())
	if err == nil || !strings.Contains(err.Error(), "checksum mismatch") || !strings.Contains(err.Error(), "t10k-labels-idx1-ubyte") {
		t.Errorf("error %v, want a checksum mismatch naming t10k-labels-idx1-ubyte", err)
	}
	if errors.Is(err, ErrNotFound) {
		t.Errorf("a file found but wrong is reported as not found: %v", err)
	}
}

func TestMNISTMissingOffline(t *testing.T) {
	cache := isolate(t)
	empty := t.TempDir()
	_, _, err := MNIST(empty, Offline())
	var nf *NotFoundError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) {
		t.Fatalf("error %v, want a *NotFoundError", err)
	}
	if nf.Set != "MNIST" || strings.Join(nf.Missing, ",") != strings.Join(mnistFiles[:], ",") ||
		len(nf.Dirs) < 2 || nf.Dirs[0] != empty || nf.Dirs[len(nf.Dirs)-1] != filepath.Join(cache, "mnist") {
		t.Errorf("NotFoundError %+v: want MNIST's four files, looked for in %s first and %s last", nf, empty, filepath.Join(cache, "mnist"))
	}
	// The message is what a user reads: it names the files, the folders
	// and the way out.
	for _, want := range []string{"train-images-idx3-ubyte", "t10k-labels-idx1-ubyte", empty, filepath.Join(cache, "mnist"), "-data DIR", EnvDataDir, "downloading is off"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	_, _, err = FashionMNIST(empty, Offline())
	if fashionInstalled() {
		if err != nil {
			t.Errorf("Fashion-MNIST from the Debian package: %v", err)
		}
	} else if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "apt-get install dataset-fashion-mnist") {
		t.Errorf("Fashion-MNIST error %v does not name the Debian package", err)
	}
}

func fashionInstalled() bool {
	for _, f := range mnistFiles {
		if findFile("/usr/share/datasets/fashion-mnist", f) == "" {
			return false
		}
	}
	return true
}

func TestFashionMNISTDebian(t *testing.T) {
	if !fashionInstalled() {
		t.Skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
	}
	isolate(t)
	train, test, err := FashionMNIST("", Offline())
	if err != nil {
		t.Fatal(err)
	}
	// Fashion-MNIST's first training image is an ankle boot (9), its
	// first test image too.
	if train.Len() != 60000 || test.Len() != 10000 || train.Label(0) != 9 || test.Label(0) != 9 {
		t.Errorf("%v / %v: first labels %d %d", train, test, train.Label(0), test.Label(0))
	}
	if train.Classes()[9] != "Ankle boot" {
		t.Errorf("class 9 = %q", train.Classes()[9])
	}
}

func TestNewImagesErrors(t *testing.T) {
	classes := []string{"a", "b"}
	for _, tc := range []struct {
		name   string
		pix    []byte
		labels []byte
		want   string
	}{
		{"short pixels", make([]byte, 7), []byte{0, 1}, "7 pixel bytes for 2 labels"},
		{"label out of range", make([]byte, 8), []byte{0, 2}, "label 2 of image 1"},
	} {
		_, err := NewImages(tc.name, tc.pix, 2, 2, tc.labels, classes)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
}

// TestNewImagesOverflow: sizes whose products wrap around int were taken
// for 0 pixels per image (1<<32 × 1<<32 accepted, Features() 0).
func TestNewImagesOverflow(t *testing.T) {
	for _, tc := range []struct {
		name       string
		rows, cols int
		labels     int
	}{
		{"1<<32 × 1<<32, no labels", 1 << 32, 1 << 32, 0},
		{"1<<32 × 1<<32, one label", 1 << 32, 1 << 32, 1},
		{"1<<31 × 4 × 1<<32 labels", 1 << 31, 4, 1 << 3},
		{"MaxInt × 2", math.MaxInt, 2, 1},
	} {
		m, err := NewImages(tc.name, nil, tc.rows, tc.cols, make([]byte, tc.labels), []string{"a"})
		if err == nil {
			t.Errorf("%s: accepted, Features() = %d", tc.name, m.Features())
		}
	}
}
