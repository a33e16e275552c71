package report

import (
	"context"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// browsers are the headless browsers the test looks for, as Debian names
// them (apt-get install chromium, or chromium-headless-shell).
var browsers = []string{"chromium", "chromium-headless-shell", "chromium-browser", "google-chrome"}

// TestReportInBrowser opens report.html in a real headless browser, from a
// file:// URL, and checks the screenshot: not blank, and the confusion
// matrix's darkest blue (its cell of 3, viz's "Blues" end) is on it, so the
// embedded PNGs were decoded and drawn, not only the text.
func TestReportInBrowser(t *testing.T) {
	browser := ""
	for _, name := range browsers {
		if p, err := exec.LookPath(name); err == nil {
			browser = p
			break
		}
	}
	if browser == "" {
		t.Skipf("no headless browser on PATH (looked for %v; apt-get install chromium to run this check)", browsers)
	}
	dir := t.TempDir()
	if err := Write(dir, sampleReport(t)); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "shot.png")
	// A guard against a hung browser, not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--user-data-dir="+t.TempDir(), "--window-size=1000,2600", "--screenshot="+shot, "file://"+filepath.Join(dir, "report.html"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, out)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	b := img.Bounds()
	nonWhite, darkBlue := 0, 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			r, g, bl = r>>8, g>>8, bl>>8
			if r < 250 || g < 250 || bl < 250 {
				nonWhite++
			}
			if near(r, 0x08) && near(g, 0x30) && near(bl, 0x6b) {
				darkBlue++
			}
		}
	}
	t.Logf("%s: %dx%d screenshot, %d non-white pixels, %d of the confusion matrix's dark blue", filepath.Base(browser), b.Dx(), b.Dy(), nonWhite, darkBlue)
	if nonWhite < b.Dx()*b.Dy()/100 {
		t.Errorf("screenshot nearly blank: %d non-white pixels of %d", nonWhite, b.Dx()*b.Dy())
	}
	if darkBlue < 100 {
		t.Errorf("the confusion matrix's dark cell is not on the screenshot (%d pixels of #08306b)", darkBlue)
	}
}

func near(v, want uint32) bool { return v+6 >= want && v <= want+6 }
