package viz

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/cmpimg"
)

// regen rewrites the golden images in testdata: go test ./viz -regen.
// cmpimg already registers the -regen flag (as gonum/plot's own tests use
// it), and declaring it again with flag.Bool would panic at start-up, so
// the package shares that flag rather than defining its own.
var regen = cmpimg.GenerateTestData

// goldenDelta is the tolerance given to cmpimg.EqualApprox: every pixel must
// be within a normalized YIQ distance of 0.05 of the golden one, roughly 13
// gray levels out of 255. Exact equality would fail on platforms whose
// floating point (FMA on arm64, for instance) shifts anti-aliased edges by
// a level or two, while any real change of layout, colour or text moves
// pixels from background to ink and far exceeds it.
const goldenDelta = 0.05

// checkGolden calls write to produce name.png in a temporary folder, checks
// that it decodes as a PNG of w×h pixels, and compares it with
// testdata/name_golden.png, or rewrites that file when -regen is given.
func checkGolden(t *testing.T, name string, w, h int, write func(path string) error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name+".png")
	if err := write(path); err != nil {
		t.Fatalf("writing %s: %v", name, err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(got))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", name, err)
	}
	if cfg.Width != w || cfg.Height != h {
		t.Errorf("%s is %d×%d pixels, want %d×%d", name, cfg.Width, cfg.Height, w, h)
	}
	golden := filepath.Join("testdata", name+"_golden.png")
	if *regen {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("reading golden image (run go test -regen to create it): %v", err)
	}
	ok, err := cmpimg.EqualApprox("png", got, want, goldenDelta)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		failed := filepath.Join("testdata", name+"_failed.png")
		_ = os.WriteFile(failed, got, 0o644)
		t.Errorf("%s differs from %s; output kept in %s", name, golden, failed)
	}
}
