package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
)

// The live page: HTML, CSS and JavaScript of its own, no network needed.
//
//go:embed web
var webFiles embed.FS

// limits bound what the live page may ask of the server.
type limits struct {
	sessions int           // sessions at once
	layers   int           // hidden layers
	neurons  int           // neurons per hidden layer
	points   int           // points of a data set
	idle     time.Duration // a session without a page watching it ends after this
	fps      float64       // frames per second while playing, at most
	epochs   int           // epochs trained per frame while playing
}

// server holds the live sessions, each training in a goroutine of its own.
type server struct {
	lim      limits
	mu       sync.Mutex
	sessions map[string]*session2
	running  atomic.Int64 // training goroutines alive (tests watch it)
	ctx      context.Context
	stop     context.CancelFunc
}

func newServer(lim limits) *server {
	ctx, stop := context.WithCancel(context.Background())
	return &server{lim: lim, sessions: map[string]*session2{}, ctx: ctx, stop: stop}
}

// session2 is one browser tab's training: settings and commands go to its
// goroutine, frames come back. (session is the command-line run's.)
type session2 struct {
	id   string
	cmds chan command
	done chan struct{} // closed when the goroutine has ended
	quit context.CancelFunc

	mu       sync.Mutex
	frame    []byte        // the latest frame without points
	full     []byte        // the same with the points
	version  int           // data version of full
	seq      int           // frames published
	changed  chan struct{} // closed and replaced at each frame
	watchers int           // event streams open
	lastSeen time.Time     // last request or the end of the last stream
}

// command is one control of the page, run by the session's goroutine
// between epochs; err gets its outcome.
type command struct {
	op  string // play, pause, step, reset, settings
	s   settings
	err chan error
}

// newID is 16 random hex digits.
func newID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errors.Wrap(err, "session id")
	}
	return hex.EncodeToString(b[:]), nil
}

// open starts a session training s (paused).
func (sv *server) open(s settings) (*session2, error) {
	lb, err := newLab(s)
	if err != nil {
		return nil, err
	}
	id, err := newID()
	if err != nil {
		return nil, err
	}
	sv.mu.Lock()
	defer sv.mu.Unlock()
	if len(sv.sessions) >= sv.lim.sessions {
		return nil, errFull
	}
	ctx, quit := context.WithCancel(sv.ctx)
	ss := &session2{id: id, cmds: make(chan command), done: make(chan struct{}), quit: quit,
		changed: make(chan struct{}), lastSeen: time.Now()}
	if err := ss.publish(lb, false, true); err != nil {
		quit()
		return nil, err
	}
	sv.sessions[id] = ss
	sv.running.Add(1)
	go func() {
		// Counted out before done closes, so that close's caller sees it.
		defer close(ss.done)
		defer sv.running.Add(-1)
		ss.loop(ctx, lb, sv.lim)
	}()
	return ss, nil
}

var errFull = errors.New("too many sessions: close a tab or try again later")

// close ends a session and waits for its goroutine.
func (sv *server) close(id string) bool {
	sv.mu.Lock()
	ss, ok := sv.sessions[id]
	delete(sv.sessions, id)
	sv.mu.Unlock()
	if ok {
		ss.quit()
		<-ss.done
	}
	return ok
}

func (sv *server) get(id string) *session2 {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return sv.sessions[id]
}

// reap closes the sessions no page has watched for lim.idle.
func (sv *server) reap(now time.Time) {
	var idle []string
	sv.mu.Lock()
	for id, ss := range sv.sessions {
		ss.mu.Lock()
		if ss.watchers == 0 && now.Sub(ss.lastSeen) > sv.lim.idle {
			idle = append(idle, id)
		}
		ss.mu.Unlock()
	}
	sv.mu.Unlock()
	for _, id := range idle {
		sv.close(id)
	}
}

// shutdown ends every session.
func (sv *server) shutdown() {
	sv.stop()
	sv.mu.Lock()
	var ids []string
	for id := range sv.sessions {
		ids = append(ids, id)
	}
	sv.mu.Unlock()
	for _, id := range ids {
		sv.close(id)
	}
}

// loop is a session's goroutine: it runs the page's commands and, while
// playing, trains lim.epochs epochs per frame and publishes a frame at
// most lim.fps times a second.
func (ss *session2) loop(ctx context.Context, lb *lab, lim limits) {
	playing := false
	interval := time.Duration(float64(time.Second) / lim.fps)
	tick := time.NewTimer(interval)
	defer tick.Stop()
	fail := func(err error) {
		// A run that fails (a loss that overflowed at a huge learning
		// rate) pauses; the page shows the error with the frame.
		playing = false
		ss.publishError(err)
	}
	for {
		var wake <-chan time.Time
		if playing {
			wake = tick.C
		}
		select {
		case <-ctx.Done():
			return
		case c := <-ss.cmds:
			err := ss.do(c, lb, &playing)
			if err == nil {
				err = ss.publish(lb, playing, c.op == "settings" || c.op == "reset")
			}
			c.err <- err
			if playing {
				tick.Reset(interval)
			}
		case <-wake:
			start := time.Now()
			if err := lb.epochs(lim.epochs); err != nil {
				fail(err)
				continue
			}
			if err := ss.publish(lb, playing, false); err != nil {
				fail(err)
				continue
			}
			tick.Reset(max(0, interval-time.Since(start)))
		}
	}
}

// do runs one command on the lab.
func (ss *session2) do(c command, lb *lab, playing *bool) error {
	switch c.op {
	case "play":
		*playing = true
	case "pause":
		*playing = false
	case "step":
		*playing = false
		return lb.epochs(1)
	case "reset":
		lb.reinitialised++
		return lb.init()
	case "settings":
		nl, err := newLab(c.s)
		if err != nil {
			return err
		}
		*lb = *nl
	default:
		return errors.Errorf("unknown command %q", c.op)
	}
	return nil
}

// publish renders the lab and hands the frame to the event streams;
// newData marks the points as changed.
func (ss *session2) publish(lb *lab, playing, newData bool) error {
	f, err := lb.render(playing)
	if err != nil {
		return err
	}
	ss.mu.Lock()
	version := ss.version
	if newData || ss.full == nil {
		version++
	}
	ss.mu.Unlock()
	f.DataVersion = version
	small, err := json.Marshal(f)
	if err != nil {
		return errors.Wrap(err, "frame")
	}
	f.TrainPoints, f.TestPoints = lb.trainPts, lb.testPts
	full, err := json.Marshal(f)
	if err != nil {
		return errors.Wrap(err, "frame")
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.frame, ss.full, ss.version = small, full, version
	ss.seq++
	close(ss.changed)
	ss.changed = make(chan struct{})
	return nil
}

// publishError sends the error as a frame of its own.
func (ss *session2) publishError(err error) {
	msg, _ := json.Marshal(map[string]string{"error": cli.OneLine(err.Error())})
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.frame, ss.full = msg, msg
	ss.seq++
	close(ss.changed)
	ss.changed = make(chan struct{})
}

// send runs c on the session's goroutine and waits for its outcome.
func (ss *session2) send(ctx context.Context, c command) error {
	c.err = make(chan error, 1)
	select {
	case ss.cmds <- c:
	case <-ss.done:
		return errors.New("session closed")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-c.err:
		return err
	case <-ss.done:
		return errors.New("session closed")
	}
}

func (ss *session2) touch() {
	ss.mu.Lock()
	ss.lastSeen = time.Now()
	ss.mu.Unlock()
}

// handler is the page and its API:
//
//	GET  /                              the page
//	POST /api/sessions                  a new session (body: settings, optional) → {"id": ...}
//	POST /api/sessions/{id}/settings    new settings (data and network drawn again)
//	POST /api/sessions/{id}/{op}        play, pause, step (one epoch), reset (new weights) or close
//	GET  /api/sessions/{id}/events      frames as server-sent events
//	DELETE /api/sessions/{id}           end the session
//
// Bad input is a 400 with one line of text.
func (sv *server) handler() http.Handler {
	mux := http.NewServeMux()
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded folder exists: a build without it does not compile
	}
	mux.Handle("GET /", http.FileServerFS(static))
	mux.HandleFunc("GET /api/defaults", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"settings": defaultSettings(), "features": featureNames, "activations": activations,
			"datasets": []string{"circles", "xor", "blobs", "spiral", "moons"},
			"limits":   map[string]int{"layers": sv.lim.layers, "neurons": sv.lim.neurons, "points": sv.lim.points}})
	})
	mux.HandleFunc("POST /api/sessions", func(w http.ResponseWriter, r *http.Request) {
		s := defaultSettings()
		if err := readSettings(r, &s); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		if err := s.check(sv.lim); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		ss, err := sv.open(s)
		switch {
		case errors.Is(err, errFull):
			httpError(w, http.StatusServiceUnavailable, err)
			return
		case err != nil:
			httpError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, map[string]string{"id": ss.id})
	})
	mux.HandleFunc("DELETE /api/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		if !sv.close(r.PathValue("id")) {
			httpError(w, http.StatusNotFound, errors.New("no such session"))
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /api/sessions/{id}/{op}", func(w http.ResponseWriter, r *http.Request) {
		ss := sv.get(r.PathValue("id"))
		if ss == nil {
			httpError(w, http.StatusNotFound, errors.New("no such session"))
			return
		}
		ss.touch()
		c := command{op: r.PathValue("op")}
		switch c.op {
		case "close": // the page's last word (navigator.sendBeacon can only POST)
			sv.close(ss.id)
			w.WriteHeader(http.StatusNoContent)
			return
		case "play", "pause", "step", "reset":
		case "settings":
			c.s = defaultSettings()
			if err := readSettings(r, &c.s); err != nil {
				httpError(w, http.StatusBadRequest, err)
				return
			}
			if err := c.s.check(sv.lim); err != nil {
				httpError(w, http.StatusBadRequest, err)
				return
			}
		default:
			httpError(w, http.StatusNotFound, errors.Errorf("unknown command %q (play, pause, step, reset, settings)", c.op))
			return
		}
		if err := ss.send(r.Context(), c); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /api/sessions/{id}/events", sv.events)
	return mux
}

// events streams a session's frames: the latest at once, with the
// points, then each new one (a slow reader skips frames rather than
// queueing them). While a stream is open the session lives; when the
// last one closes, the idle time starts.
func (sv *server) events(w http.ResponseWriter, r *http.Request) {
	ss := sv.get(r.PathValue("id"))
	if ss == nil {
		httpError(w, http.StatusNotFound, errors.New("no such session"))
		return
	}
	fl, ok := w.(http.Flusher)
	if !ok {
		httpError(w, http.StatusInternalServerError, errors.New("streaming unsupported"))
		return
	}
	ss.mu.Lock()
	ss.watchers++
	ss.mu.Unlock()
	defer func() {
		ss.mu.Lock()
		ss.watchers--
		ss.lastSeen = time.Now()
		ss.mu.Unlock()
	}()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	sent, version := -1, -1
	for {
		ss.mu.Lock()
		seq, changed := ss.seq, ss.changed
		msg := ss.frame
		if ss.version != version {
			msg, version = ss.full, ss.version
		}
		ss.mu.Unlock()
		if seq != sent {
			if _, err := fmt.Fprintf(w, "data: %s\n\n", msg); err != nil {
				return
			}
			fl.Flush()
			sent = seq
		}
		select {
		case <-changed:
		case <-ss.done:
			fmt.Fprint(w, "event: closed\ndata: {}\n\n")
			fl.Flush()
			return
		case <-r.Context().Done():
			return
		}
	}
}

// maxSettingsBytes bounds a settings request's body.
const maxSettingsBytes = 1 << 14

func readSettings(r *http.Request, s *settings) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSettingsBytes+1))
	if err != nil {
		return errors.Wrap(err, "settings")
	}
	if len(body) > maxSettingsBytes {
		return errors.New("settings: body too large")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(s); err != nil {
		return errors.Wrap(err, "settings")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("settings: more than one JSON value")
	}
	return nil
}

func httpError(w http.ResponseWriter, code int, err error) {
	http.Error(w, cli.OneLine(err.Error()), code)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

// serve runs the live page on addr until the listener fails.
func serve(c config, stdout io.Writer) error {
	ln, err := net.Listen("tcp", c.serve)
	if err != nil {
		return errors.Wrap(err, "-serve")
	}
	sv := newServer(c.limits)
	defer sv.shutdown()
	go sv.reapEvery(time.Second)
	fmt.Fprintf(stdout, "playground: serving http://%s/ (Ctrl-C to stop)\n", ln.Addr())
	hs := &http.Server{Handler: sv.handler(), ReadHeaderTimeout: 10 * time.Second}
	return errors.Wrap(hs.Serve(ln), "-serve")
}

// reapEvery closes idle sessions every period until the server stops.
func (sv *server) reapEvery(period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-sv.ctx.Done():
			return
		case now := <-t.C:
			sv.reap(now)
		}
	}
}

// loopbackOnly refuses an address that does not name a loopback host
// unless -public is given.
func loopbackOnly(addr string, public bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.Wrapf(err, "-serve %q", addr)
	}
	if public {
		return nil
	}
	if host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1" {
		return nil
	}
	return errors.Errorf("-serve %q: not a loopback address (127.0.0.1:PORT, localhost:PORT); add -public to listen on other interfaces", addr)
}
