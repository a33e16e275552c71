//go:build unix

package main

import (
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gradgraph/gradgraph/internal/webtest"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the live page's screenshots to notebooks-md/img/screenshots")

// TestBrowser drives the live page in headless Chromium through the
// DevTools protocol (chromedp): it loads the page, changes the layers and
// the data set with the page's own buttons, presses play, and checks that
// the loss falls and the boundary changes between two screenshots, and
// that the page logged no error. GRADGRAPH_BROWSER_REQUIRED=1 (CI, after
// make browser-deps) turns a missing Chromium into a failure.
func TestBrowser(t *testing.T) {
	b := webtest.NewBrowser(t, 1180, 640)
	lim := testLimits()
	lim.fps, lim.epochs = 10, 3
	_, hs := startServer(t, lim)

	// wait polls a JavaScript condition on window.playground (p).
	wait := func(what, cond string) {
		t.Helper()
		b.Wait(what, "(() => { const p = window.playground; return !!(p && p.last && ("+cond+")); })()")
	}
	num, str, shot, metrics := b.Num, b.Str, b.Shot, b.Metrics
	click := func(id string) { t.Helper(); b.Do("click #"+id, chromedp.Click(chromedp.ID(id))) }

	b.Load(hs.URL + "/")
	wait("the first frame", "p.frames > 0")
	// The layers: one more, one fewer, then 8 neurons in each of two.
	click("add-layer")
	wait("three hidden layers", "p.last.layers.length === 5")
	click("remove-layer")
	wait("two hidden layers", "p.last.layers.length === 4")
	for l, clicks := range []int{4, 6} {
		for i := 0; i < clicks; i++ {
			want := [2]int{4, 2}[l] + i + 1
			click(fmt.Sprintf("add-neuron-%d", l))
			wait("a neuron more", fmt.Sprintf("p.last.layers[%d] === %d", l+1, want))
		}
	}
	// The data set.
	click("dataset-spiral")
	wait("the spiral", "p.last.settings.dataset === 'spiral' && p.last.layers.join() === '2,8,8,1' && p.points && p.last.epoch === 0")
	lossBefore := num("window.playground.last.train_loss")
	boundaryBefore := str("document.getElementById('boundary').toDataURL()")
	shotBefore := shot()

	click("play")
	wait("playing", "p.last.playing && p.last.epoch > 0")
	// Frame rate and CPU over 150 epochs of training (logged, not
	// asserted: the machine's load is not the page's).
	f0, t0 := num("window.playground.frames"), num("performance.now()")
	cpu0, m0 := webtest.CPUSeconds(), metrics()
	wait("epoch 150", "p.last.epoch >= 150")
	f1, t1 := num("window.playground.frames"), num("performance.now()")
	cpu1, m1 := webtest.CPUSeconds(), metrics()
	wall := (t1 - t0) / 1000
	t.Logf("live page: %.1f frames/s over %.1f s; server (and test) process %.0f%% of one core; page's renderer tasks %.0f%% of one core",
		(f1-f0)/wall, wall, 100*(cpu1-cpu0)/wall, 100*(webtest.Metric(m1, "TaskDuration")-webtest.Metric(m0, "TaskDuration"))/wall)

	lossAfter := num("window.playground.last.train_loss")
	boundaryAfter := str("document.getElementById('boundary').toDataURL()")
	shotAfter := shot()
	if !(lossAfter < lossBefore) {
		t.Errorf("training loss %.4f after play, %.4f before: want lower", lossAfter, lossBefore)
	}
	if boundaryAfter == boundaryBefore {
		t.Error("the boundary canvas did not change while training")
	}
	if bytes.Equal(shotBefore, shotAfter) {
		t.Error("the screenshots before and after training are the same")
	}
	for _, shot := range [][]byte{shotBefore, shotAfter} {
		if _, err := png.Decode(bytes.NewReader(shot)); err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
	click("play")
	wait("paused", "!p.last.playing")

	if problems := b.Problems(); len(problems) > 0 {
		t.Errorf("the page logged %d problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	if *updateScreenshots {
		dir := filepath.Join("..", "..", "notebooks-md", "img", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, shot := range map[string][]byte{"playground-before.png": shotBefore, "playground-training.png": shotAfter} {
			if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
