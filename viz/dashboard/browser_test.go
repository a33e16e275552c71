package dashboard

import (
	"bytes"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/internal/webtest"
	"github.com/gradgraph/gradgraph/train"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "write the dashboard's screenshots to notebooks-md/img/screenshots")

// TestBrowser opens the page in headless Chromium while a run trains:
// training is held at the end of epochs 2 and 5 (a callback waits on the
// test, so nothing depends on speed). The page shows both epochs' points
// and more batch points at the second hold than at the first, the batch
// curve's canvas changes between them, the diagram and hyperparameters
// are drawn, the report appears once published, the page stops listening
// when the dashboard closes, and nothing was logged as an error or
// warning. It logs the page's CPU while the rest of the run trains freely.
func TestBrowser(t *testing.T) {
	b := webtest.NewBrowser(t, 1280, 1000)
	d := newDashboard(t, Options{Title: "Iris: Dense(8)-Dropout-Dense(3), Adam",
		Hyperparameters: map[string]any{"optimizer": "adam", "learning_rate": 0.01, "batch_size": 4, "epochs": 60, "seed": 5, "validation_split": 0.2}})
	hold := map[int]chan struct{}{1: make(chan struct{}), 4: make(chan struct{})}
	held := make(chan int)
	gate := train.CallbackFuncs{EpochEnd: func(_ *train.Trainer, epoch int, _ train.Logs) error {
		if ch, ok := hold[epoch]; ok {
			held <- epoch
			<-ch
		}
		return nil
	}}
	fitted := make(chan *train.History, 1)
	go func() {
		var hist *train.History
		defer func() { fitted <- hist }() // nil when Fit failed
		_, hist = irisFit(t, 4, 60, d, gate)
	}()
	wait := func() {
		t.Helper()
		select {
		case <-held:
		case <-fitted:
			t.Fatal("Fit ended before its hold")
		}
	}
	wait() // epoch 2 is over
	b.Load(d.URL())
	const page = "(() => { const d = window.dashboard; return !!(d && ("
	b.Wait("two epochs on the page", page+"d.epochs.length === 2 && d.batches.length === 60 && d.meta && d.meta.diagram === 'ok')); })()")
	b.Wait("the diagram drawn", "document.getElementById('diagram').complete && document.getElementById('diagram').naturalWidth > 0")
	points1 := b.Num("window.dashboard.batches.length")
	curve1 := b.Str("document.getElementById('batch-chart').toDataURL()")
	shot1 := b.Shot()

	close(hold[1])
	wait() // epoch 5
	b.Wait("five epochs on the page", page+"d.epochs.length === 5 && d.batches.length === 150)); })()")
	points2 := b.Num("window.dashboard.batches.length")
	curve2 := b.Str("document.getElementById('batch-chart').toDataURL()")
	if !(points2 > points1) {
		t.Errorf("batch points on the page: %v, then %v: want more", points1, points2)
	}
	if curve1 == curve2 {
		t.Error("the batch curve's canvas did not change between the two holds")
	}
	if got := b.Str("document.getElementById('hparams').textContent"); !strings.Contains(got, "learning_rate0.01") || !strings.Contains(got, "optimizeradam") {
		t.Errorf("hyperparameters table %q", got)
	}
	if got := b.Num("document.querySelectorAll('#epoch-charts canvas').length"); got != 2 {
		t.Errorf("%v epoch charts, want 2 (loss and accuracy, each with its val_ curve)", got)
	}

	// The rest of the run trains freely: the page's cost while it does.
	f0, t0, cpu0, m0 := b.Num("window.dashboard.frames"), b.Num("performance.now()"), webtest.CPUSeconds(), b.Metrics()
	close(hold[4])
	hist := <-fitted
	if hist == nil {
		t.Fatal("Fit failed")
	}
	b.Wait("the run's end", page+"d.ended && d.epochs.length === 60)); })()")
	f1, t1, cpu1, m1 := b.Num("window.dashboard.frames"), b.Num("performance.now()"), webtest.CPUSeconds(), b.Metrics()
	wall := (t1 - t0) / 1000
	t.Logf("while 55 epochs (1,650 batches) trained: %.0f frames in %.2f s; draws %v; training and server process %.0f%% of a core; page's renderer tasks %.0f%% of a core",
		f1-f0, wall, b.Num("window.dashboard.draws"), 100*(cpu1-cpu0)/wall, 100*(webtest.Metric(m1, "TaskDuration")-webtest.Metric(m0, "TaskDuration"))/wall)
	if got := b.Num("window.dashboard.epochs.length"); int(got) != len(hist.Epoch) {
		t.Errorf("%v epochs on the page, %d in the history", got, len(hist.Epoch))
	}

	dir := t.TempDir()
	report := `<!doctype html><meta charset="utf-8"><title>report</title><body style="font-family:sans-serif"><h1>Report</h1><p>The run's report.html shows here.</p>`
	if err := os.WriteFile(filepath.Join(dir, "report.html"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "history.csv"), []byte("epoch,loss\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.Report(dir); err != nil {
		t.Fatal(err)
	}
	b.Wait("the report", "(() => { const f = document.getElementById('report-frame'); return !f.hidden && f.contentDocument && f.contentDocument.body && f.contentDocument.body.textContent.includes(\"The run's report.html\"); })()")
	if got := b.Str("document.getElementById('report-links').textContent"); got != "history.csv report.html " {
		t.Errorf("report links %q", got)
	}
	shot2 := b.Shot()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	b.Wait("the page has stopped listening", "window.dashboard.closed && document.getElementById('status').textContent.includes('closed')")

	if bytes.Equal(shot1, shot2) {
		t.Error("the screenshots during and after the run are the same")
	}
	for _, s := range [][]byte{shot1, shot2} {
		if _, err := png.Decode(bytes.NewReader(s)); err != nil {
			t.Errorf("screenshot: %v", err)
		}
	}
	if p := b.Problems(); len(p) > 0 {
		t.Errorf("the page logged %d problems:\n%s", len(p), strings.Join(p, "\n"))
	}
	if *updateScreenshots {
		dir := filepath.Join("..", "..", "notebooks-md", "img", "screenshots")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, s := range map[string][]byte{"dashboard-training.png": shot1, "dashboard-finished.png": shot2} {
			if err := os.WriteFile(filepath.Join(dir, name), s, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
