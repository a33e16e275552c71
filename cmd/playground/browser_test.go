//go:build unix

package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/performance"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the live page's screenshots to cmd/playground/screenshots")

// chromium finds Debian's chromium (or another Chrome): the path, or ""
// when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestBrowser drives the live page in headless Chromium through the
// DevTools protocol (chromedp): it loads the page, changes the layers and
// the data set with the page's own buttons, presses play, and checks that
// the loss falls and the boundary changes between two screenshots, and
// that the page logged no error. GRADGRAPH_BROWSER_REQUIRED=1 (CI, after
// make browser-deps) turns a missing Chromium into a failure.
func TestBrowser(t *testing.T) {
	exe := chromium()
	if exe == "" {
		if os.Getenv("GRADGRAPH_BROWSER_REQUIRED") != "" {
			t.Fatal("chromium not found, and GRADGRAPH_BROWSER_REQUIRED is set: run make browser-deps")
		}
		t.Skip("chromium not found: make browser-deps (apt-get install chromium) to run the browser test")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	lim := testLimits()
	lim.fps, lim.epochs = 10, 3
	_, hs := startServer(t, lim)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(1180, 640))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute) // a bound on a hung browser, not a timing
	defer cancelT()

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, a.Description+string(a.Value))
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *cdpruntime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Text)
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	do := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// wait polls a JavaScript condition on window.playground (p).
	wait := func(what, cond string) {
		t.Helper()
		do(what, chromedp.Poll[chromedp.Void]("(() => { const p = window.playground; return !!(p && p.last && ("+cond+")); })()",
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)))
	}
	num := func(expr string) float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	str := func(expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	shot := func() []byte {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		return b
	}
	metrics := func() []*performance.Metric {
		t.Helper()
		r, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) (performance.GetMetricsResult, error) {
			return cdp.Call(ctx, tg, performance.GetMetrics, cdp.Empty{})
		})
		if err != nil {
			t.Fatalf("metrics: %v", err)
		}
		return r.Metrics
	}
	click := func(id string) { t.Helper(); do("click #"+id, chromedp.Click(chromedp.ID(id))) }

	do("load", func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, performance.Enable, performance.EnableParams{})
		return chromedp.Void{}, err
	}, chromedp.Navigate(hs.URL+"/"))
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
	cpu0, m0 := cpuSeconds(), metrics()
	wait("epoch 150", "p.last.epoch >= 150")
	f1, t1 := num("window.playground.frames"), num("performance.now()")
	cpu1, m1 := cpuSeconds(), metrics()
	wall := (t1 - t0) / 1000
	t.Logf("live page: %.1f frames/s over %.1f s; server (and test) process %.0f%% of one core; page's renderer tasks %.0f%% of one core",
		(f1-f0)/wall, wall, 100*(cpu1-cpu0)/wall, 100*(metric(m1, "TaskDuration")-metric(m0, "TaskDuration"))/wall)

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

	mu.Lock()
	defer mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("the page logged %d problems:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	if *updateScreenshots {
		dir := "screenshots"
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, shot := range map[string][]byte{"before.png": shotBefore, "training.png": shotAfter} {
			if err := os.WriteFile(filepath.Join(dir, name), shot, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// cpuSeconds is this process's user and system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

func metric(ms []*performance.Metric, name string) float64 {
	for _, m := range ms {
		if m.Name == name {
			return m.Value
		}
	}
	return 0
}
