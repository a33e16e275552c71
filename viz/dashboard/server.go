package dashboard

import (
	"bytes"
	"embed"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The page: HTML, CSS and JavaScript of its own, no network needed.
//
//go:embed web
var webFiles embed.FS

// writeTimeout bounds one write to a page: a stream whose page stopped
// reading for this long is closed (its goroutine must not wait forever).
const writeTimeout = 10 * time.Second

func (d *Dashboard) handler() http.Handler {
	static, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded folder is part of the build
	}
	mux := http.NewServeMux()
	mux.Handle("GET /", http.FileServer(http.FS(static)))
	mux.HandleFunc("GET /events", d.events)
	mux.HandleFunc("GET /model.png", d.modelPNG)
	mux.HandleFunc("GET /report/{name}", d.reportFile)
	if !loopback(d.ln.Addr()) {
		return mux
	}
	// On loopback, only pages that name a loopback host are answered: a
	// web site whose name was made to point at 127.0.0.1 (DNS rebinding)
	// gets nothing of the run.
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); !(host == "localhost" || ip != nil && ip.IsLoopback()) {
			http.Error(w, "the dashboard answers loopback names only (127.0.0.1, localhost)", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// loopback reports whether a is a loopback TCP address.
func loopback(a net.Addr) bool {
	t, ok := a.(*net.TCPAddr)
	return ok && t.IP.IsLoopback()
}

func (d *Dashboard) modelPNG(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	png := d.diagram
	d.mu.Unlock()
	if png == nil {
		http.Error(w, "no model diagram", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	http.ServeContent(w, r, "model.png", time.Time{}, bytes.NewReader(png))
}

// reportFile serves one of the names Report published, and nothing else.
func (d *Dashboard) reportFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	d.mu.Lock()
	dir := d.reportDir
	d.mu.Unlock()
	if dir == "" || strings.ContainsAny(name, `/\`) || !d.hub.reportFile(name) {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		http.Error(w, "report: "+filepath.Base(name)+": cannot be read", http.StatusNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(name, ".md") {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	http.ServeContent(w, r, name, st.ModTime(), f)
}

// events is a page's stream: the record so far, then every frame as it is
// published, several at a time when they queue up; after falling behind,
// the record again.
func (d *Dashboard) events(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	s, rec := d.hub.subscribe(d.opt.Buffer)
	if s == nil {
		http.Error(w, "the dashboard is closed or has too many pages watching", http.StatusServiceUnavailable)
		return
	}
	defer d.hub.unsubscribe(s)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	rc := http.NewResponseController(w)
	write := func(b []byte) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		if _, err := w.Write(b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	// retry: how long a page waits before reconnecting after a drop.
	if !write(append([]byte("retry: 2000\n"), frame("record", appendRecord(nil, rec))...)) {
		return
	}
	var buf []byte
	var pause *time.Timer
	for {
		var f []byte
		select {
		case <-r.Context().Done():
			return
		case f = <-s.ch:
		case <-d.done:
			// Write what is queued, the "bye" frame last, and end.
			buf = buf[:0]
			for {
				select {
				case f := <-s.ch:
					buf = append(buf, f...)
					continue
				default:
				}
				break
			}
			write(buf)
			return
		}
		if d.opt.FlushInterval > 0 {
			// Let the frames of the next FlushInterval gather.
			if pause == nil {
				pause = time.NewTimer(d.opt.FlushInterval)
			} else {
				pause.Reset(d.opt.FlushInterval)
			}
			select {
			case <-pause.C:
			case <-r.Context().Done():
				return
			case <-d.done:
				pause.Stop()
			}
		}
		buf = append(buf[:0], f...)
	drain:
		for {
			select {
			case f := <-s.ch:
				buf = append(buf, f...)
			default:
				break drain
			}
		}
		if rec, ok := d.hub.resync(s); ok {
			// Frames queued before the lag are written first: the
			// record replaces them on the page.
			buf = append(buf, frame("record", appendRecord(nil, rec))...)
		}
		if !write(buf) {
			return
		}
	}
}
