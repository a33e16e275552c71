package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
)

func testLimits() limits {
	return limits{sessions: 3, layers: 4, neurons: 8, points: 600, idle: time.Minute, fps: 30, epochs: 2}
}

// startServer serves sv on a loopback port; the test's end stops both.
func startServer(t *testing.T, lim limits) (*server, *httptest.Server) {
	t.Helper()
	sv := newServer(lim)
	hs := httptest.NewServer(sv.handler())
	t.Cleanup(func() {
		hs.CloseClientConnections()
		hs.Close()
		sv.shutdown()
	})
	return sv, hs
}

// post sends body (nil: none) and returns the status and the body's text.
func post(t *testing.T, url, body string) (int, string) {
	t.Helper()
	r, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

func newSession(t *testing.T, hs *httptest.Server, body string) string {
	t.Helper()
	code, text := post(t, hs.URL+"/api/sessions", body)
	if code != http.StatusOK {
		t.Fatalf("new session: %d %s", code, text)
	}
	var v struct{ ID string }
	if err := json.Unmarshal([]byte(text), &v); err != nil || v.ID == "" {
		t.Fatalf("new session: %q: %v", text, err)
	}
	return v.ID
}

// stream reads a session's server-sent events as frames until ctx ends.
func stream(t *testing.T, ctx context.Context, url string) <-chan frame {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
	}
	ch := make(chan frame, 1000)
	go func() {
		defer close(ch)
		defer r.Body.Close()
		sc := bufio.NewScanner(r.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var f frame
			if err := json.Unmarshal([]byte(line), &f); err != nil {
				t.Errorf("frame %q: %v", line[:min(len(line), 80)], err)
				return
			}
			ch <- f
		}
	}()
	return ch
}

// next is the next frame for which ok holds; the test's own deadline
// bounds the wait.
func next(t *testing.T, frames <-chan frame, what string, ok func(frame) bool) frame {
	t.Helper()
	for f := range frames {
		if ok(f) {
			return f
		}
	}
	t.Fatalf("the stream ended before %s", what)
	return frame{}
}

func TestServeTrainsAndStreams(t *testing.T) {
	sv, hs := startServer(t, testLimits())
	id := newSession(t, hs, `{"dataset":"circles","hidden":[6,4],"features":["x1","x2","x1^2","x2^2"],"lr":0.1,"points":300}`)
	base := hs.URL + "/api/sessions/" + id
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	frames := stream(t, ctx, base+"/events")

	first := next(t, frames, "the first frame", func(frame) bool { return true })
	if first.Epoch != 0 || first.Playing || len(first.TrainPoints) != 150 || len(first.TestPoints) != 150 {
		t.Errorf("first frame: epoch %d, playing %v, %d+%d points; want 0, false, 150+150",
			first.Epoch, first.Playing, len(first.TrainPoints), len(first.TestPoints))
	}
	if want := []int{4, 6, 4, 1}; !equalInts(first.Layers, want) {
		t.Errorf("layers %v, want %v", first.Layers, want)
	}
	if len(first.Boundary) != first.Grid*first.Grid || len(first.Nodes) != 4+6+4+1 {
		t.Errorf("boundary of %d values on a %d grid, %d node pictures; want %d and 15", len(first.Boundary), first.Grid, len(first.Nodes), first.Grid*first.Grid)
	}
	if len(first.Weights) != 3 || len(first.Weights[0]) != 4 || len(first.Weights[0][0]) != 6 || len(first.Weights[2][0]) != 1 {
		t.Errorf("weights' shapes are wrong: %d layers", len(first.Weights))
	}

	if code, text := post(t, base+"/play", ""); code != http.StatusNoContent {
		t.Fatalf("play: %d %s", code, text)
	}
	late := next(t, frames, "epoch 60", func(f frame) bool { return f.Epoch >= 60 })
	if !late.Playing || !(late.TrainLoss < first.TrainLoss) || !(late.TestLoss < first.TestLoss) {
		t.Errorf("after %d epochs: playing %v, losses %.4f/%.4f, first %.4f/%.4f: want lower", late.Epoch, late.Playing,
			late.TrainLoss, late.TestLoss, first.TrainLoss, first.TestLoss)
	}
	if len(late.TrainPoints) != 0 {
		t.Error("frames after the first repeat the points")
	}
	if len(late.History) < 2 || late.History[len(late.History)-1][0] != float64(late.Epoch) {
		t.Errorf("history %v does not end at epoch %d", late.History[max(0, len(late.History)-2):], late.Epoch)
	}

	// Pause, then one step is one epoch.
	if code, text := post(t, base+"/pause", ""); code != http.StatusNoContent {
		t.Fatalf("pause: %d %s", code, text)
	}
	paused := next(t, frames, "a paused frame", func(f frame) bool { return !f.Playing })
	if code, text := post(t, base+"/step", ""); code != http.StatusNoContent {
		t.Fatalf("step: %d %s", code, text)
	}
	stepped := next(t, frames, "the step's frame", func(f frame) bool { return f.Epoch != paused.Epoch })
	if stepped.Epoch != paused.Epoch+1 || stepped.Playing {
		t.Errorf("step: epoch %d → %d, playing %v; want one epoch, paused", paused.Epoch, stepped.Epoch, stepped.Playing)
	}

	// New settings: new data, new network, from epoch 0.
	if code, text := post(t, base+"/settings", `{"dataset":"xor","hidden":[3],"features":["x1","x2","x1x2"],"points":200,"regularization":"l2","reg_rate":0.01}`); code != http.StatusNoContent {
		t.Fatalf("settings: %d %s", code, text)
	}
	changed := next(t, frames, "the new settings' frame", func(f frame) bool { return f.Settings.Dataset == "xor" })
	if changed.Epoch != 0 || !equalInts(changed.Layers, []int{3, 3, 1}) || changed.DataVersion <= first.DataVersion ||
		len(changed.TrainPoints) != 100 || changed.Settings.Regularization != "l2" {
		t.Errorf("after new settings: epoch %d, layers %v, data version %d (was %d), %d points, regularization %q",
			changed.Epoch, changed.Layers, changed.DataVersion, first.DataVersion, len(changed.TrainPoints), changed.Settings.Regularization)
	}
	// Reset: new weights, same data.
	if code, text := post(t, base+"/reset", ""); code != http.StatusNoContent {
		t.Fatalf("reset: %d %s", code, text)
	}
	reset := next(t, frames, "the reset's frame", func(f frame) bool { return f.Epoch == 0 && f.DataVersion > changed.DataVersion })
	if reset.Weights[0][0][0] == changed.Weights[0][0][0] {
		t.Error("reset kept the weights")
	}
	if sv.running.Load() != 1 {
		t.Errorf("%d training goroutines, want 1", sv.running.Load())
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestServeBadInput(t *testing.T) {
	_, hs := startServer(t, testLimits())
	id := newSession(t, hs, "")
	for _, body := range []string{
		`{"dataset":"nope"}`,
		`{"hidden":[9]}`,
		`{"hidden":[1,1,1,1,1]}`,
		`{"hidden":[0]}`,
		`{"features":[]}`,
		`{"features":["x3"]}`,
		`{"features":["x1","x1"]}`,
		`{"lr":0}`,
		`{"lr":-1}`,
		`{"noise":2}`,
		`{"train_ratio":1}`,
		`{"batch":0}`,
		`{"points":100000}`,
		`{"activation":"swish"}`,
		`{"regularization":"l3"}`,
		`{"reg_rate":-1}`,
		`{"unknown":1}`,
		`{"lr":"fast"}`,
		`[1,2]`,
		`{`,
		`{"hidden":[1]}{"x":1}`,
		strings.Repeat(" ", maxSettingsBytes+1) + "{}",
	} {
		for _, url := range []string{hs.URL + "/api/sessions", hs.URL + "/api/sessions/" + id + "/settings"} {
			code, text := post(t, url, body)
			if code != http.StatusBadRequest || strings.Count(strings.TrimSpace(text), "\n") != 0 || strings.TrimSpace(text) == "" {
				t.Errorf("%s %.40q: %d %q, want 400 with one line", url[len(hs.URL):], body, code, text)
			}
		}
	}
	for _, path := range []string{"/api/sessions/nope/play", "/api/sessions/" + id + "/explode"} {
		if code, _ := post(t, hs.URL+path, ""); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, code)
		}
	}
	r, err := http.Get(hs.URL + "/api/sessions/nope/events")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("events of no session: %d, want 404", r.StatusCode)
	}
}

func TestServeSessionLimitAndClose(t *testing.T) {
	lim := testLimits()
	lim.sessions = 2
	sv, hs := startServer(t, lim)
	a := newSession(t, hs, "")
	b := newSession(t, hs, "")
	for _, id := range []string{a, b} {
		if code, text := post(t, hs.URL+"/api/sessions/"+id+"/play", ""); code != http.StatusNoContent {
			t.Fatalf("play: %d %s", code, text)
		}
	}
	if code, text := post(t, hs.URL+"/api/sessions", ""); code != http.StatusServiceUnavailable || strings.Contains(strings.TrimSpace(text), "\n") {
		t.Errorf("third session: %d %q, want 503 with one line", code, text)
	}
	if n := sv.running.Load(); n != 2 {
		t.Errorf("%d training goroutines, want 2", n)
	}
	// DELETE ends a playing session's goroutine before it answers.
	req, _ := http.NewRequest("DELETE", hs.URL+"/api/sessions/"+a, nil)
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNoContent {
		t.Errorf("delete: %d", r.StatusCode)
	}
	if n := sv.running.Load(); n != 1 {
		t.Errorf("after delete: %d training goroutines, want 1", n)
	}
	if code, _ := post(t, hs.URL+"/api/sessions/"+a+"/play", ""); code != http.StatusNotFound {
		t.Errorf("play on a closed session: %d, want 404", code)
	}
	// There is room again; the page's own close (a beacon) works too.
	c := newSession(t, hs, "")
	if code, _ := post(t, hs.URL+"/api/sessions/"+c+"/close", ""); code != http.StatusNoContent {
		t.Errorf("close: %d", code)
	}
	if n := sv.running.Load(); n != 1 {
		t.Errorf("after close: %d training goroutines, want 1", n)
	}
}

// TestServeIdleSessionEnds checks that a session whose page went away
// (its event stream closed) is ended by the reaper and its goroutine
// stops, while a watched one lives on, and that shutdown ends the rest
// without leaking goroutines.
func TestServeIdleSessionEnds(t *testing.T) {
	before := runtime.NumGoroutine()
	lim := testLimits()
	sv := newServer(lim)
	hs := httptest.NewServer(sv.handler())
	gone := newSession(t, hs, "")
	kept := newSession(t, hs, "")
	for _, id := range []string{gone, kept} {
		post(t, hs.URL+"/api/sessions/"+id+"/play", "")
	}
	ctxGone, cancelGone := context.WithCancel(context.Background())
	fg := stream(t, ctxGone, hs.URL+"/api/sessions/"+gone+"/events")
	ctxKept, cancelKept := context.WithCancel(context.Background())
	defer cancelKept()
	fk := stream(t, ctxKept, hs.URL+"/api/sessions/"+kept+"/events")
	next(t, fg, "a frame", func(frame) bool { return true })
	next(t, fk, "a frame", func(frame) bool { return true })
	cancelGone()
	for range fg { // the stream's reader ends
	}
	// The server notices the closed stream when its handler returns.
	for {
		ss := sv.get(gone)
		ss.mu.Lock()
		w := ss.watchers
		ss.mu.Unlock()
		if w == 0 {
			break
		}
		runtime.Gosched()
	}
	sv.reap(time.Now().Add(lim.idle + time.Second))
	if sv.get(gone) != nil || sv.get(kept) == nil {
		t.Fatalf("after reaping: the unwatched session is there: %v, the watched one: %v", sv.get(gone) != nil, sv.get(kept) != nil)
	}
	if n := sv.running.Load(); n != 1 {
		t.Errorf("%d training goroutines, want 1", n)
	}
	next(t, fk, "a frame after the reaping", func(frame) bool { return true })
	cancelKept()
	for range fk {
	}
	hs.CloseClientConnections()
	hs.Close()
	sv.shutdown()
	if n := sv.running.Load(); n != 0 {
		t.Errorf("after shutdown: %d training goroutines, want 0", n)
	}
	// Every goroutine the server started has returned (the HTTP client's
	// idle connections are closed first).
	http.DefaultClient.CloseIdleConnections()
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 1000 {
			t.Fatalf("%d goroutines, %d before the server", runtime.NumGoroutine(), before)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestForwardMatchesPredict checks the frame's plain-Go forward pass
// against the trainer's own predictions on the same grid.
func TestForwardMatchesPredict(t *testing.T) {
	for _, act := range activations {
		s := defaultSettings()
		s.Activation, s.Hidden, s.Features = act, []int{5, 3}, featureNames
		lb, err := newLab(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := lb.epochs(3); err != nil {
			t.Fatal(err)
		}
		ws, bs, err := lb.weights()
		if err != nil {
			t.Fatal(err)
		}
		const n = 7
		got := lb.forwardGrid(ws, bs, n)
		if len(got) != len(featureNames)+5+3+1 {
			t.Fatalf("%s: %d nodes", act, len(got))
		}
		e := lb.extent
		var x []float32
		for r := 0; r < n; r++ {
			x2 := e[3] - (float64(r)+0.5)*(e[3]-e[2])/n
			for c := 0; c < n; c++ {
				x = append(x, lb.features(e[0]+(float64(c)+0.5)*(e[1]-e[0])/n, x2)...)
			}
		}
		g, err := data.NewDataset("grid", x, len(featureNames), nil, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		probs, err := lb.tr.Predict(g, n*n)
		if err != nil {
			t.Fatal(err)
		}
		out := got[len(got)-1]
		for p, pr := range probs {
			if d := float64(pr[1] - pr[0]); math.Abs(d-out[p]) > 1e-4 {
				t.Fatalf("%s: cell %d: p1 − p0 = %.6f from the trainer, %.6f from the frame", act, p, d, out[p])
			}
		}
		// The first hidden neuron against the trainer's activations.
		acts, err := lb.tr.Activations(x[:len(featureNames)])
		if err != nil {
			t.Fatal(err)
		}
		if h := float64(acts[0].Values[0]); math.Abs(h-got[len(featureNames)][0]) > 1e-4 {
			t.Errorf("%s: first neuron at cell 0: %.6f from the trainer, %.6f from the frame", act, h, got[len(featureNames)][0])
		}
	}
}

func TestServePageAndFlags(t *testing.T) {
	_, hs := startServer(t, testLimits())
	for path, want := range map[string]string{"/": `<canvas id="boundary"`, "/app.js": "EventSource", "/style.css": "#boundary"} {
		r, err := http.Get(hs.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != http.StatusOK || !strings.Contains(string(b), want) {
			t.Errorf("GET %s: %d, lacks %q", path, r.StatusCode, want)
		}
	}
	var out strings.Builder
	for _, args := range [][]string{
		{"-serve", "0.0.0.0:8080"},
		{"-serve", "192.168.1.2:80"},
		{"-serve", "nocolon"},
		{"-serve", "127.0.0.1:0", "-max-sessions", "0"},
		{"-serve", "127.0.0.1:0", "-max-neurons", "1000"},
		{"-serve", "127.0.0.1:0", "-fps", "0"},
		{"-serve", "127.0.0.1:0", "-idle", "0s"},
	} {
		if _, err := parse(args, &out); err == nil {
			t.Errorf("%v: accepted", args)
		}
	}
	c, err := parse([]string{"-serve", "0.0.0.0:0", "-public"}, &out)
	if err != nil || c.serve != "0.0.0.0:0" {
		t.Errorf("-public: %v", err)
	}
	if _, err := parse([]string{"-serve", "localhost:0"}, &out); err != nil {
		t.Errorf("localhost: %v", err)
	}
}
