package webtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/performance"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium finds Debian's chromium (or another Chrome): the path, or ""
// when there is none.
func Chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is a headless Chromium tab whose console errors, warnings and
// uncaught exceptions are collected (Problems).
type Browser struct {
	Ctx      context.Context
	t        testing.TB
	mu       sync.Mutex
	problems []string
}

// NewBrowser starts headless Chromium with a window of w×h pixels, or
// skips the test with one line when there is none (fails instead when
// GRADGRAPH_BROWSER_REQUIRED is set, as CI does after make browser-deps),
// and in -short mode. The browser closes when the test ends.
func NewBrowser(t testing.TB, w, h int) *Browser {
	t.Helper()
	exe := Chromium()
	if exe == "" {
		if os.Getenv("GRADGRAPH_BROWSER_REQUIRED") != "" {
			t.Fatal("chromium not found, and GRADGRAPH_BROWSER_REQUIRED is set: run make browser-deps")
		}
		t.Skip("chromium not found: make browser-deps (apt-get install chromium) to run the browser test")
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe),
		chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(w, h))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 4*time.Minute) // a bound on a hung browser, not a timing
	t.Cleanup(func() { cancelT(); cancel(); cancelA() })
	b := &Browser{Ctx: ctx, t: t}
	if err := chromedp.Listen(ctx, b.listen); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *Browser) listen(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *cdpruntime.EventConsoleAPICalled:
		if e.Type == cdpruntime.ConsoleAPICalledTypeError || e.Type == cdpruntime.ConsoleAPICalledTypeWarning {
			var args []string
			for _, a := range e.Args {
				args = append(args, a.Description+string(a.Value))
			}
			b.problems = append(b.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		}
	case *cdpruntime.EventExceptionThrown:
		b.problems = append(b.problems, "exception: "+e.ExceptionDetails.Text)
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError {
			b.problems = append(b.problems, "log: "+e.Entry.Text+" "+e.Entry.URL)
		}
	}
}

// Problems are the console errors and warnings, exceptions and error log
// entries seen so far.
func (b *Browser) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// Do runs actions, failing the test with what on an error.
func (b *Browser) Do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.Ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Load enables the log and performance domains (for Problems and
// Metrics) and opens url.
func (b *Browser) Load(url string) {
	b.t.Helper()
	b.Do("load "+url, func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{}); err != nil {
			return chromedp.Void{}, err
		}
		_, err := cdp.Call(ctx, tg, performance.Enable, performance.EnableParams{})
		return chromedp.Void{}, err
	}, chromedp.Navigate(url))
}

// Wait polls a JavaScript expression until it is true (every 50 ms, for at
// most two minutes: a bound on a stuck page, not a timing).
func (b *Browser) Wait(what, expr string) {
	b.t.Helper()
	b.Do(what, chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(2*time.Minute)))
}

// Num evaluates a JavaScript expression to a number.
func (b *Browser) Num(expr string) float64 {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[float64](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// Str evaluates a JavaScript expression to a string.
func (b *Browser) Str(expr string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.Ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// Shot is a PNG screenshot of the whole page.
func (b *Browser) Shot() []byte {
	b.t.Helper()
	s, err := chromedp.Run(b.Ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	return s
}

// Metrics are the page's performance counters (Load enables them).
func (b *Browser) Metrics() []*performance.Metric {
	b.t.Helper()
	r, err := chromedp.Run(b.Ctx, func(ctx context.Context, tg *chromedp.Target) (performance.GetMetricsResult, error) {
		return cdp.Call(ctx, tg, performance.GetMetrics, cdp.Empty{})
	})
	if err != nil {
		b.t.Fatalf("metrics: %v", err)
	}
	return r.Metrics
}

// Metric is the value of the named metric in ms, or 0.
func Metric(ms []*performance.Metric, name string) float64 {
	for _, m := range ms {
		if m.Name == name {
			return m.Value
		}
	}
	return 0
}
