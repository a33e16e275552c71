package dashboard

import (
	"os/exec"
	"runtime"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/internal/webtest"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// BenchmarkIrisEpoch is one epoch of cmd/iris's recipe (Dense(64)-BN-
// Dropout twice, Adam, batch 8, 96 training samples in 12 batches and 24
// validated) per op: without a dashboard (plain), with one that no page
// watches (dashboard), with a Go client reading its stream (stream), and
// with the page open in headless Chromium (page). Besides the wall time it
// reports this process's CPU time an epoch, curl's with stream, and with
// page the browser's (all its processes) in percent of a core while the
// run trains and, before it, while the page is open with nothing to draw,
// the page's task durations in percent of the wall time (which a busy
// machine inflates), its redraws a second and the time a redraw takes. Run the
// cases in alternation, one process each, to compare them (BENCHMARKS.md).
func BenchmarkIrisEpoch(b *testing.B) {
	for _, c := range []string{"plain", "dashboard", "stream", "page"} {
		b.Run(c, func(b *testing.B) {
			iris, err := data.Iris()
			if err != nil {
				b.Fatal(err)
			}
			trainSet, _, err := data.TrainTestSplit(iris, 0.2, 42, true)
			if err != nil {
				b.Fatal(err)
			}
			tr := irisRecipe(b)
			opt := train.FitOptions{Epochs: 1, BatchSize: 8, ValidationSplit: 0.2, Seed: 1}
			var d *Dashboard
			if c != "plain" {
				if d, err = New(Options{Hyperparameters: map[string]any{"batch_size": 8}}); err != nil {
					b.Fatal(err)
				}
				defer d.Close()
				opt.Callbacks = []train.Callback{d}
			}
			// Warm-up: the step's graph is built and, with a dashboard,
			// the diagram drawn (once a run: BenchmarkTrainBegin).
			if _, err := tr.Fit(trainSet, opt); err != nil {
				b.Fatal(err)
			}
			var br *webtest.Browser
			var idle float64 // the browser's CPU, % of a core, before the run
			if c != "plain" {
				switch c {
				case "stream":
					// A reader in a process of its own, so that this
					// process's CPU is the training's and the server's.
					curl, err := exec.LookPath("curl")
					if err != nil {
						b.Skip("no curl to read the stream")
					}
					cmd := exec.Command(curl, "-sN", d.URL()+"events", "-o", "/dev/null")
					if err := cmd.Start(); err != nil {
						b.Fatal(err)
					}
					defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
					for d.Stats().Watchers == 0 {
						runtime.Gosched()
					}
				case "page":
					br = webtest.NewBrowser(b, 1280, 1000)
					br.Load(d.URL())
					br.Wait("the page", "!!window.dashboard && window.dashboard.frames > 0")
					// The browser's own cost with the page open and no
					// run, once it has settled after starting.
					time.Sleep(time.Second)
					c0 := webtest.DescendantsCPUSeconds()
					time.Sleep(2 * time.Second)
					idle = 100 * (webtest.DescendantsCPUSeconds() - c0) / 2
				}
			}
			var t0, task0, draws0, drawMs0 float64
			if br != nil {
				t0, task0 = br.Num("performance.now()"), webtest.Metric(br.Metrics(), "TaskDuration")
				draws0, drawMs0 = br.Num("window.dashboard.draws"), br.Num("window.dashboard.drawMs")
			}
			cpu0, watchers0 := webtest.CPUSeconds(), webtest.DescendantsCPUSeconds()
			opt.InitialEpoch, opt.Epochs = tr.Epoch(), tr.Epoch()+b.N
			b.ResetTimer()
			if _, err := tr.Fit(trainSet, opt); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
			// CPU time, which other work on a busy machine inflates far
			// less than the wall time.
			b.ReportMetric(1e3*(webtest.CPUSeconds()-cpu0)/float64(b.N), "cpu-ms/epoch")
			if c == "stream" {
				b.ReportMetric(1e3*(webtest.DescendantsCPUSeconds()-watchers0)/float64(b.N), "reader-cpu-ms/epoch")
			}
			if br != nil {
				wall := (br.Num("performance.now()") - t0) / 1000
				b.ReportMetric(100*(webtest.DescendantsCPUSeconds()-watchers0)/wall, "browser-%core")
				b.ReportMetric(idle, "idle-browser-%core")
				b.ReportMetric(100*(webtest.Metric(br.Metrics(), "TaskDuration")-task0)/wall, "page-tasks-%wall")
				draws := br.Num("window.dashboard.draws") - draws0
				b.ReportMetric(draws/wall, "draws/s")
				b.ReportMetric((br.Num("window.dashboard.drawMs")-drawMs0)/draws, "ms/draw")
			}
		})
	}
}

// BenchmarkTrainBegin is the dashboard's first OnTrainBegin on cmd/iris's
// model: its summary and layer diagram (viz.PlotModel, drawn once a run).
func BenchmarkTrainBegin(b *testing.B) {
	tr := irisRecipe(b)
	d, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	cpu0 := webtest.CPUSeconds()
	b.ResetTimer()
	for range b.N {
		d.mu.Lock()
		d.described = false
		d.mu.Unlock()
		if err := d.OnTrainBegin(tr); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(1e3*(webtest.CPUSeconds()-cpu0)/float64(b.N), "cpu-ms/op")
}

// irisRecipe is cmd/iris's model, built and compiled.
func irisRecipe(b *testing.B) *train.Trainer {
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		b.Fatal(err)
	}
	tr, err := train.Compile(model, train.Adam(1e-3), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		b.Fatal(err)
	}
	return tr
}
