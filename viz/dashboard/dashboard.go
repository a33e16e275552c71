package dashboard

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz"
)

// Options configure a Dashboard. The zero value serves on a free loopback
// port.
type Options struct {
	// Addr is host:port to listen on. An empty host (":6006") or an empty
	// Addr (a free port) is 127.0.0.1; name a host, such as 0.0.0.0, to be
	// reached from other machines.
	Addr string
	// Listener, when set, is served instead of listening on Addr.
	Listener net.Listener
	// Title heads the page; the model's name when empty.
	Title string
	// Hyperparameters are shown as a table: optimiser, learning rate,
	// batch size, epochs, seed, whatever the caller has. Values are
	// numbers (any Go integer or float) or shown as text (fmt's %v).
	Hyperparameters map[string]any
	// NoDiagram skips the layer diagram (viz.PlotModel), drawn once when
	// training first begins.
	NoDiagram bool
	// MaxWatchers bounds the event streams open at once (default 16); a
	// page beyond it is answered 503.
	MaxWatchers int
	// MaxBatchPoints bounds the batch losses kept for a page opened late
	// (default 4096, rounded up to a power of two): beyond it, every other
	// point is dropped and the rest of the run is kept at half the rate.
	MaxBatchPoints int
	// Buffer is how many frames a page may have waiting before it is
	// counted as behind (default 1024).
	Buffer int
	// FlushInterval is the least time between two writes to a page
	// (default 100 ms; negative: none): the frames published meanwhile go
	// out together, so that a run of a thousand batches a second costs the
	// browser ten messages a second, not a thousand.
	FlushInterval time.Duration
}

// Dashboard is a train.Callback that serves a live page of the run; see
// the package comment. Add it to FitOptions.Callbacks, and Close it when
// the program is done with the page. Its callback methods never return an
// error: the page cannot stop training.
type Dashboard struct {
	hub    *hub
	opt    Options
	ln     net.Listener
	srv    *http.Server
	url    string
	done   chan struct{} // closed by Close: event streams end
	served chan error    // Serve's result

	mu        sync.Mutex // guards what follows
	described bool
	diagram   []byte // PNG
	reportDir string
	closeOnce sync.Once
	closeErr  error
}

var _ train.Callback = (*Dashboard)(nil)

// New starts the dashboard's server and returns once it listens.
func New(opt Options) (*Dashboard, error) {
	if opt.MaxWatchers == 0 {
		opt.MaxWatchers = 16
	}
	if opt.MaxBatchPoints == 0 {
		opt.MaxBatchPoints = 4096
	}
	if opt.Buffer == 0 {
		opt.Buffer = 1024
	}
	if opt.FlushInterval == 0 {
		opt.FlushInterval = 100 * time.Millisecond
	}
	switch {
	case opt.MaxWatchers < 0:
		return nil, errors.Errorf("dashboard: MaxWatchers %d: want at least 1", opt.MaxWatchers)
	case opt.MaxBatchPoints < 2 || opt.MaxBatchPoints > 1<<24:
		return nil, errors.Errorf("dashboard: MaxBatchPoints %d: want 2..%d", opt.MaxBatchPoints, 1<<24)
	case opt.Buffer < 1 || opt.Buffer > 1<<20:
		return nil, errors.Errorf("dashboard: Buffer %d: want 1..%d", opt.Buffer, 1<<20)
	}
	points := 2
	for points < opt.MaxBatchPoints {
		points *= 2
	}
	ln := opt.Listener
	if ln == nil {
		addr, err := ListenAddr(opt.Addr)
		if err != nil {
			return nil, err
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return nil, errors.Wrapf(err, "dashboard: listen on %s", addr)
		}
	}
	d := &Dashboard{hub: newHub(points, opt.MaxWatchers), opt: opt, ln: ln, done: make(chan struct{}), served: make(chan error, 1)}
	d.hub.meta = meta{title: opt.Title, hparams: hyperparameters(opt.Hyperparameters)}
	d.srv = &http.Server{Handler: d.handler(), ReadHeaderTimeout: 10 * time.Second}
	d.url = "http://" + hostPort(ln.Addr()) + "/"
	go func() { d.served <- d.srv.Serve(ln) }()
	return d, nil
}

// ListenAddr is the address New listens on for addr: 127.0.0.1 when addr
// names no host, port 0 (any free one) when it is empty.
func ListenAddr(addr string) (string, error) {
	if addr == "" {
		return "127.0.0.1:0", nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", errors.Wrapf(err, "dashboard: address %q: want host:port or :port", addr)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// hostPort is a as a browser reaches it: a wildcard host becomes
// 127.0.0.1.
func hostPort(a net.Addr) string {
	t, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	ip := t.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), fmt.Sprint(t.Port))
}

// URL is the page's address, such as http://127.0.0.1:6006/.
func (d *Dashboard) URL() string { return d.url }

// Stats counts what has been published so far.
func (d *Dashboard) Stats() Stats { return d.hub.snapshotStats() }

// hyperparameters sorts the caller's settings, numbers as numbers.
func hyperparameters(m map[string]any) []kv {
	out := make([]kv, 0, len(m))
	for k, v := range m {
		f := kv{k: k}
		switch x := v.(type) {
		case float64:
			f.v = x
		case float32:
			f.v = float64(x)
		case int:
			f.v = float64(x)
		case int64:
			f.v = float64(x)
		case int32:
			f.v = float64(x)
		case uint:
			f.v = float64(x)
		case uint64:
			f.v = float64(x)
		case uint32:
			f.v = float64(x)
		default:
			f.s, f.text = fmt.Sprint(v), true
		}
		if !f.text && (math.IsNaN(f.v) || math.IsInf(f.v, 0)) {
			f.s, f.text = fmt.Sprint(f.v), true
		}
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}

// OnTrainBegin implements train.Callback: the first time, it takes the
// model's summary and draws its diagram (once, before the first step).
func (d *Dashboard) OnTrainBegin(t *train.Trainer) error {
	d.mu.Lock()
	first := !d.described
	d.described = true
	d.mu.Unlock()
	if !first {
		d.hub.mu.Lock()
		m := d.hub.meta
		d.hub.mu.Unlock()
		d.hub.setMeta(m) // a new Fit: the page clears "finished"
		return nil
	}
	m := meta{title: d.opt.Title, hparams: hyperparameters(d.opt.Hyperparameters)}
	if t != nil && t.Model != nil {
		if m.title == "" {
			m.title = t.Model.ModelName()
		}
		if nm := t.NN(); nm != nil {
			m.summary = nm.Summary()
		}
		switch png, err := d.drawDiagram(t); {
		case d.opt.NoDiagram:
		case err != nil:
			m.diagram = "no diagram: " + err.Error()
		default:
			d.mu.Lock()
			d.diagram = png
			d.mu.Unlock()
			m.diagram = "ok"
		}
	}
	d.hub.setMeta(m)
	return nil
}

// drawDiagram draws viz.PlotModel's PNG into a temporary folder and reads
// it back.
func (d *Dashboard) drawDiagram(t *train.Trainer) ([]byte, error) {
	if d.opt.NoDiagram {
		return nil, nil
	}
	if t.NN() == nil {
		return nil, errors.Errorf("dashboard: a %T is not an nn.Model, which the diagram draws", t.Model)
	}
	dir, err := os.MkdirTemp("", "gradgraph-dashboard-")
	if err != nil {
		return nil, errors.Wrap(err, "dashboard: model diagram")
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.png")
	if err := viz.PlotModel(path, t.NN()); err != nil {
		return nil, err
	}
	png, err := os.ReadFile(path)
	return png, errors.Wrap(err, "dashboard: model diagram")
}

// OnEpochBegin implements train.Callback.
func (d *Dashboard) OnEpochBegin(_ *train.Trainer, epoch int) error {
	d.hub.beginEpoch(epoch)
	return nil
}

// OnBatchEnd implements train.Callback: the batch's loss goes to the page.
func (d *Dashboard) OnBatchEnd(_ *train.Trainer, batch int, loss float64) error {
	d.hub.batch(batch, loss)
	return nil
}

// OnEpochEnd implements train.Callback: the epoch's logs, every key, go to
// the page.
func (d *Dashboard) OnEpochEnd(_ *train.Trainer, epoch int, logs train.Logs) error {
	d.hub.epochEnd(epoch, sortedLogs(logs))
	return nil
}

// OnTrainEnd implements train.Callback: the page shows the run as
// finished, with the last logs.
func (d *Dashboard) OnTrainEnd(_ *train.Trainer, logs train.Logs) error {
	d.hub.end(sortedLogs(logs))
	return nil
}

// Report publishes the files at the top of dir (a command's report.html,
// report.md and their figures) on the page: report.html shown in a frame
// when there is one, and a link to every file. Only those names are
// served, read from dir when a page asks.
func (d *Dashboard) Report(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return errors.Wrap(err, "dashboard: report")
	}
	var files []string
	for _, e := range entries {
		if e.Type().IsRegular() && e.Name()[0] != '.' {
			files = append(files, e.Name())
		}
	}
	d.mu.Lock()
	d.reportDir = dir
	d.mu.Unlock()
	d.hub.setReport(files)
	return nil
}

// Close ends every event stream (a page shows the run as over and stops
// listening) and shuts the server down: streams whose page does not read
// are cut after a second. It is safe to call more than once.
func (d *Dashboard) Close() error {
	d.closeOnce.Do(func() {
		d.hub.close()
		close(d.done)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		if err := d.srv.Shutdown(ctx); err != nil {
			// A stream blocked on a page that does not read: cut it.
			d.srv.Close()
		}
		if err := <-d.served; err != nil && err != http.ErrServerClosed {
			d.closeErr = errors.Wrap(err, "dashboard: serve")
		}
	})
	return d.closeErr
}
