package dashboard

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/internal/webtest"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// irisFit is a small model on Iris with a validation split, so that the
// logs have val_ keys.
func irisFit(t *testing.T, batch, epochs int, cbs ...train.Callback) (*train.Trainer, *train.History) {
	t.Helper()
	iris, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	model := nn.Sequential("tiny-iris", nn.Dense(8, nn.ReLU), nn.Dropout(0.2), nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	tr, err := train.Compile(model, train.Adam(0.01), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	hist, err := tr.Fit(iris, train.FitOptions{Epochs: epochs, BatchSize: batch, ValidationSplit: 0.2, Seed: 5, Callbacks: cbs})
	if err != nil {
		t.Fatal(err)
	}
	return tr, hist
}

func weights(tr *train.Trainer) [][]float64 {
	var w [][]float64
	for _, p := range tr.Model.Params() {
		w = append(w, p.Float64s())
	}
	return w
}

func sameBits(a, b [][]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if math.Float64bits(a[i][j]) != math.Float64bits(b[i][j]) {
				return false
			}
		}
	}
	return true
}

func newDashboard(t *testing.T, opt Options) *Dashboard {
	t.Helper()
	d, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

type jsonPoint struct {
	Step, Epoch, Batch int
	Loss               float64
}

type jsonEpoch struct {
	Epoch int
	Logs  map[string]float64
}

type jsonRecord struct {
	Meta struct {
		Title   string
		Hparams [][2]any
		Summary string
		Diagram string
	}
	Stride  int
	Batches []jsonPoint
	Epochs  []jsonEpoch
	Ended   bool
	End     map[string]float64
	Report  []string
}

func decode[T any](t *testing.T, ev webtest.Event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(ev.Data), &v); err != nil {
		t.Fatalf("%s frame %q: %v", ev.Name, ev.Data, err)
	}
	return v
}

// checkEpochs compares the frames' epochs with Fit's history: every key,
// bit for bit, and no other key.
func checkEpochs(t *testing.T, what string, got []jsonEpoch, hist *train.History) {
	t.Helper()
	if len(got) != len(hist.Epoch) {
		t.Fatalf("%s: %d epochs, Fit's history has %d", what, len(got), len(hist.Epoch))
	}
	for i, e := range got {
		if e.Epoch != hist.Epoch[i] || len(e.Logs) != len(hist.Keys) {
			t.Errorf("%s: epoch %d has %d keys %v; want epoch %d with %v", what, e.Epoch, len(e.Logs), e.Logs, hist.Epoch[i], hist.Keys)
		}
		for _, k := range hist.Keys {
			if v, ok := e.Logs[k]; !ok || math.Float64bits(v) != math.Float64bits(hist.Logs[k][i]) {
				t.Errorf("%s: epoch %d %s = %v (present %v), Fit's %v", what, e.Epoch, k, v, ok, hist.Logs[k][i])
			}
		}
	}
}

// TestFramesAreFitsLogs watches a run from before it starts: the stream
// holds a frame for every batch with the loss OnBatchEnd saw, one for every
// epoch with exactly the logs in Fit's history (val_ keys included), the
// end, and "bye" when the dashboard closes. A page opened after the run
// gets the same in its first frame.
func TestFramesAreFitsLogs(t *testing.T) {
	d := newDashboard(t, Options{Title: "frames", Hyperparameters: map[string]any{"optimizer": "adam", "lr": 0.01, "batch": 8}, Buffer: 1 << 16})
	s := webtest.OpenStream(t, d.URL()+"events")
	if ev, _ := s.Next(); ev.Name != "record" {
		t.Fatalf("first frame %q, want the record", ev.Name)
	}
	var losses []float64
	rec := train.CallbackFuncs{BatchEnd: func(_ *train.Trainer, _ int, loss float64) error { losses = append(losses, loss); return nil }}
	_, hist := irisFit(t, 8, 6, d, rec)

	late := webtest.OpenStream(t, d.URL()+"events")
	ev, _ := late.Next()
	r := decode[jsonRecord](t, ev)
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	var epochs []jsonEpoch
	var points []jsonPoint
	var names []string
	for ev, ok := s.Next(); ok; ev, ok = s.Next() {
		names = append(names, ev.Name)
		switch ev.Name {
		case "batch":
			points = append(points, decode[jsonPoint](t, ev))
		case "epoch":
			epochs = append(epochs, decode[jsonEpoch](t, ev))
		case "end":
			checkEpochs(t, "end frame", []jsonEpoch{{Epoch: hist.Epoch[len(hist.Epoch)-1], Logs: decode[map[string]float64](t, ev)}}, &train.History{
				Epoch: hist.Epoch[len(hist.Epoch)-1:], Keys: hist.Keys, Logs: lastLogs(hist)})
		case "meta":
			m := decode[jsonRecord](t, webtest.Event{Data: `{"meta":` + ev.Data + `}`}).Meta
			if m.Title != "frames" || !strings.Contains(m.Summary, `Model: "tiny-iris"`) || m.Diagram != "ok" || fmt.Sprint(m.Hparams) != "[[batch 8] [lr 0.01] [optimizer adam]]" {
				t.Errorf("meta frame: title %q, diagram %q, hparams %v, summary %q", m.Title, m.Diagram, m.Hparams, m.Summary)
			}
		}
	}
	want := "meta " + strings.Repeat("batch ", 15) + "epoch "
	if got := strings.Join(names, " "); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, " epoch end bye") {
		t.Errorf("frames %q, want %q... ending in end bye", got, want)
	}
	checkEpochs(t, "epoch frames", epochs, hist)
	checkEpochs(t, "late page's record", r.Epochs, hist)
	if len(points) != len(losses) || len(r.Batches) != len(losses) {
		t.Fatalf("%d batch frames, %d in the late record, %d batches trained", len(points), len(r.Batches), len(losses))
	}
	for i, p := range points {
		if p.Step != i || p.Epoch != i/15 || p.Batch != i%15 || math.Float64bits(p.Loss) != math.Float64bits(losses[i]) || r.Batches[i] != p {
			t.Errorf("batch frame %d: %+v (record %+v), want step %d epoch %d batch %d loss %v", i, p, r.Batches[i], i, i/15, i%15, losses[i])
		}
	}
	if !r.Ended || r.Meta.Diagram != "ok" {
		t.Errorf("late record: ended %v, diagram %q", r.Ended, r.Meta.Diagram)
	}
	if st := d.Stats(); st.Dropped != 0 || st.Resyncs != 0 || st.Batches != int64(len(losses)) || st.Epochs != 6 {
		t.Errorf("stats %+v: want nothing dropped, %d batches, 6 epochs", st, len(losses))
	}
}

func lastLogs(h *train.History) map[string][]float64 {
	m := map[string][]float64{}
	for _, k := range h.Keys {
		m[k] = h.Logs[k][len(h.Logs[k])-1:]
	}
	return m
}

// smallBuffers accepts connections whose kernel send buffer is small, so
// that a page that does not read fills it after a few frames.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

// TestPageThatNeverReads opens a stream and never reads it while a run of
// 480 batches trains: Fit ends with the same weights, bit for bit, as
// without the dashboard, and the frames the page could not take were
// dropped (counted), not waited for.
func TestPageThatNeverReads(t *testing.T) {
	plain, _ := irisFit(t, 1, 4)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := newDashboard(t, Options{Listener: smallBuffers{ln}, Buffer: 4})
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	if _, err := fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// The stream is open once the hub counts it (polling the count, not
	// the clock).
	for d.Stats().Watchers == 0 {
		runtime.Gosched()
	}
	watched, _ := irisFit(t, 1, 4, d)
	if !sameBits(weights(plain), weights(watched)) {
		t.Error("the weights after Fit with a page that never reads differ from those without the dashboard")
	}
	st := d.Stats()
	t.Logf("stats: %+v", st)
	if st.Batches != 4*120 || st.Dropped == 0 {
		t.Errorf("stats %+v: want 480 batches and frames dropped for the page that never reads", st)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestLaggingWatcherGetsRecord: a watcher whose buffer fills is sent
// nothing more until it has written what it held, then the whole record,
// and frames again after it.
func TestLaggingWatcherGetsRecord(t *testing.T) {
	h := newHub(64, 4)
	s, _ := h.subscribe(2)
	for b := range 5 {
		h.batch(b, float64(b))
	}
	if !s.lagging || len(s.ch) != 2 || h.stats.Dropped != 3 {
		t.Fatalf("lagging %v, %d queued, %d dropped; want lagging, 2 queued, 3 dropped", s.lagging, len(s.ch), h.stats.Dropped)
	}
	if _, ok := h.resync(s); ok {
		t.Fatal("resync while frames from before the lag are queued")
	}
	<-s.ch
	<-s.ch
	r, ok := h.resync(s)
	if !ok || len(r.batches) != 5 || r.batches[4].loss != 4 {
		t.Fatalf("resync: ok %v, %d batches", ok, len(r.batches))
	}
	h.batch(5, 5)
	if f := string(<-s.ch); f != "event: batch\ndata: {\"step\":5,\"epoch\":0,\"batch\":5,\"loss\":5}\n\n" {
		t.Errorf("frame after the record: %q", f)
	}
	if _, ok := h.resync(s); ok {
		t.Error("a second resync without a new lag")
	}
}

// TestBatchPointsBounded: the record keeps at most maxPoints batch losses,
// evenly spaced over the whole run.
func TestBatchPointsBounded(t *testing.T) {
	for _, c := range []struct{ max, steps, stride, kept int }{
		{8, 8, 1, 8}, {8, 9, 2, 5}, {8, 100, 16, 7}, {4, 1000, 256, 4},
	} {
		h := newHub(c.max, 1)
		for i := range c.steps {
			h.batch(i, float64(i))
		}
		if int(h.stride) != c.stride || len(h.batches) != c.kept {
			t.Errorf("max %d, %d steps: stride %d, %d kept; want %d, %d", c.max, c.steps, h.stride, len(h.batches), c.stride, c.kept)
		}
		for i, p := range h.batches {
			if p.step != int64(i*c.stride) || p.loss != float64(p.step) {
				t.Errorf("max %d, %d steps: point %d is step %d, want %d", c.max, c.steps, i, p.step, i*c.stride)
			}
		}
	}
}

func TestListenAddr(t *testing.T) {
	for _, c := range []struct{ in, want, err string }{
		{"", "127.0.0.1:0", ""},
		{":6006", "127.0.0.1:6006", ""},
		{"127.0.0.1:0", "127.0.0.1:0", ""},
		{"localhost:8080", "localhost:8080", ""},
		{"0.0.0.0:6006", "0.0.0.0:6006", ""},
		{"[::1]:6006", "[::1]:6006", ""},
		{"6006", "", `address "6006"`},
	} {
		got, err := ListenAddr(c.in)
		if got != c.want || (err == nil) != (c.err == "") || (err != nil && !strings.Contains(err.Error(), c.err)) {
			t.Errorf("ListenAddr(%q) = %q, %v; want %q, error containing %q", c.in, got, err, c.want, c.err)
		}
	}
	d := newDashboard(t, Options{})
	if !strings.HasPrefix(d.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q: want loopback", d.URL())
	}
	if _, err := New(Options{Addr: "127.0.0.1:notaport"}); err == nil {
		t.Error("a bad port: no error")
	}
	for _, o := range []Options{{MaxWatchers: -1}, {MaxBatchPoints: 1}, {Buffer: -2}} {
		if _, err := New(o); err == nil || !strings.Contains(err.Error(), "dashboard: ") {
			t.Errorf("%+v: error %v", o, err)
		}
	}
}

// TestCloseAndWatchers: MaxWatchers streams at once, the next is refused;
// Close sends "bye", ends every stream and the server, and may be called
// again.
func TestCloseAndWatchers(t *testing.T) {
	d := newDashboard(t, Options{MaxWatchers: 2})
	a, b := webtest.OpenStream(t, d.URL()+"events"), webtest.OpenStream(t, d.URL()+"events")
	for _, s := range []*webtest.Stream{a, b} {
		if ev, _ := s.Next(); ev.Name != "record" {
			t.Fatalf("first frame %q", ev.Name)
		}
	}
	resp, err := http.Get(d.URL() + "events")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("third stream: %s, want 503", resp.Status)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*webtest.Stream{a, b} {
		var last string
		for ev, ok := s.Next(); ok; ev, ok = s.Next() {
			last = ev.Name
		}
		if last != "bye" {
			t.Errorf("last frame %q, want bye", last)
		}
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := http.Get(d.URL()); err == nil {
		t.Error("the server still answers after Close")
	}
	// Callbacks after Close do nothing and return no error.
	if err := d.OnBatchEnd(nil, 0, 1); err != nil {
		t.Error(err)
	}
}

// TestPageAndFiles: the page and its script are served from the binary,
// the diagram once training began, and of the report folder only the files
// Report listed.
func TestPageAndFiles(t *testing.T) {
	d := newDashboard(t, Options{})
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(d.URL() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get(""); code != 200 || !strings.Contains(body, `<script src="app.js">`) {
		t.Errorf("GET /: %d", code)
	}
	if code, body := get("app.js"); code != 200 || !strings.Contains(body, "EventSource") {
		t.Errorf("GET /app.js: %d", code)
	}
	if code, _ := get("model.png"); code != 404 {
		t.Errorf("model.png before training: %d, want 404", code)
	}
	irisFit(t, 32, 1, d)
	if code, body := get("model.png"); code != 200 || !strings.HasPrefix(body, "\x89PNG") {
		t.Errorf("model.png after training: %d", code)
	}

	dir := t.TempDir()
	for name, text := range map[string]string{"report.html": "<p>the report</p>", "report.md": "# the report"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _ := get("report/report.html"); code != 404 {
		t.Errorf("report before Report: %d", code)
	}
	if err := d.Report(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "later.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		code int
		body string
	}{
		{"report/report.html", 200, "<p>the report</p>"},
		{"report/report.md", 200, "# the report"},
		{"report/sub", 404, ""},
		{"report/later.txt", 404, ""},
		{"report/..%2fdashboard_test.go", 404, ""},
		{"report/%2e%2e", 404, ""},
	} {
		if code, body := get(c.path); code != c.code || (c.body != "" && body != c.body) {
			t.Errorf("GET /%s: %d %q, want %d %q", c.path, code, body, c.code, c.body)
		}
	}
	if err := d.Report(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "dashboard: report") {
		t.Errorf("Report of a missing folder: %v", err)
	}
	// A page that names another host (DNS rebinding) is refused.
	for host, want := range map[string]int{"evil.example:80": 403, "evil.example": 403, "localhost:1": 200, "127.0.0.1": 200, "[::1]:5": 200} {
		req, _ := http.NewRequest("GET", d.URL()+"app.js", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %s: %s, want %d", host, resp.Status, want)
		}
	}
}

func TestFrameEncoding(t *testing.T) {
	for _, c := range []struct {
		v    float64
		want string
	}{{0.1, "0.1"}, {math.NaN(), "null"}, {math.Inf(-1), "null"}, {1e-300, "1e-300"}, {2, "2"}} {
		if got := string(appendNum(nil, c.v)); got != c.want {
			t.Errorf("appendNum(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	hp := hyperparameters(map[string]any{"lr": float32(0.5), "epochs": 3, "optimizer": "adam", "bad": math.NaN()})
	if got := string(appendMeta(nil, meta{title: "t\"", hparams: hp})); got != `{"title":"t\"","hparams":[["bad","NaN"],["epochs",3],["lr",0.5],["optimizer","adam"]],"summary":"","diagram":""}` {
		t.Errorf("meta: %s", got)
	}
}

// TestStringsAreJSON: every string a frame carries (titles, settings, the
// summary, file names) decodes as JSON to itself, control characters and
// invalid UTF-8 (as U+FFFD) included.
func TestStringsAreJSON(t *testing.T) {
	for _, s := range []string{"", "plain", `quote " and \ backslash`, "bell \a tab \t vt \v nl \n esc \x1b del \x7f", "ünïcödé ━┃ 模型", "bad \xff utf8", "line sep \u2028"} {
		var got string
		raw := appendString(nil, s)
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Errorf("%q: %s: %v", s, raw, err)
			continue
		}
		if want := strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Errorf("%q: %s decodes to %q", s, raw, got)
		}
	}
}
