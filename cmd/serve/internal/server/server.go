// Package server serves a gradgraph model over HTTP with TensorFlow
// Serving's REST API: POST /v1/models/NAME:predict with {"instances": [...]}
// answers {"predictions": [...]} (and "classes" for a classifier's outputs),
// GET /v1/models/NAME the model's status and metadata, /healthz, and
// Prometheus's /metrics. Concurrent requests are batched together, up to a
// number of rows and a delay, and each gets exactly the answer the model
// gives its rows alone.
package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pkgerrors "github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/train"
)

// ClassesKey is the key of the predicted classes in a predict answer,
// beside "predictions" (TensorFlow Serving has no standard one).
const ClassesKey = "classes"

// Config sets a Server's name, limits and batching. Zero fields take the
// defaults of DefaultConfig, except BatchDelay, whose zero means no delay.
type Config struct {
	// Name is the model's name in the URLs: letters, digits, '.', '_', '-'.
	Name string
	// MaxBodyBytes caps a predict request's body; more is a 413.
	MaxBodyBytes int64
	// MaxRows caps the instances of one request; more is a 413.
	MaxRows int
	// Timeout caps a predict request's time from its arrival to its
	// answer: past it, a request still waiting for a batch or in one gets a
	// 503. It must be shorter than WriteTimeout, which runs from the same
	// moment and would cut the answer off.
	Timeout time.Duration
	// MaxBatch is the most rows one run of the model takes: concurrent
	// requests are batched together up to it (a request of more rows runs
	// alone, in runs of MaxBatch). 1 turns batching off.
	MaxBatch int
	// BatchDelay is how long a batch waits for more requests after its
	// first; 0 batches only the requests already waiting.
	BatchDelay time.Duration
	// Workers is the number of batches run at once, each on its own copy
	// of the model (Model.Clone).
	Workers int
	// ReadHeaderTimeout and ReadTimeout bound a slow client: the time to
	// send the request's headers (the connection is closed past it: there
	// is no request to answer) and the whole request (408 past it, while
	// the body is read). WriteTimeout bounds writing the answer, and
	// IdleTimeout an idle keep-alive connection.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// DrainTimeout is how long Serve waits for requests in flight after
	// its context ends.
	DrainTimeout time.Duration
	// Log receives the http.Server's own errors (nil: discarded).
	Log *log.Logger
}

// DefaultConfig is the configuration cmd/serve's flags default to.
var DefaultConfig = Config{
	MaxBodyBytes:      8 << 20,
	MaxRows:           1024,
	Timeout:           10 * time.Second,
	MaxBatch:          32,
	BatchDelay:        time.Millisecond,
	Workers:           1,
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       30 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       2 * time.Minute,
	DrainTimeout:      30 * time.Second,
}

// Limits the configuration is checked against.
const (
	maxMaxRows  = 1 << 20
	maxMaxBatch = 4096
	maxWorkers  = 256
)

var validName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// CheckName checks a model's name for the URLs: 1 to 128 letters, digits,
// '.', '_' or '-'.
func CheckName(name string) error {
	if !validName.MatchString(name) || len(name) > 128 {
		return fmt.Errorf("model name %q: want 1 to 128 letters, digits, '.', '_' or '-'", name)
	}
	return nil
}

// withDefaults fills c's zero fields from DefaultConfig and checks it.
func (c Config) withDefaults() (Config, error) {
	d := DefaultConfig
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	if c.MaxRows == 0 {
		c.MaxRows = d.MaxRows
	}
	if c.Timeout == 0 {
		c.Timeout = d.Timeout
	}
	if c.MaxBatch == 0 {
		c.MaxBatch = d.MaxBatch
	}
	if c.Workers == 0 {
		c.Workers = d.Workers
	}
	for _, p := range []struct{ v, d *time.Duration }{
		{&c.ReadHeaderTimeout, &d.ReadHeaderTimeout}, {&c.ReadTimeout, &d.ReadTimeout},
		{&c.WriteTimeout, &d.WriteTimeout}, {&c.IdleTimeout, &d.IdleTimeout}, {&c.DrainTimeout, &d.DrainTimeout},
	} {
		if *p.v == 0 {
			*p.v = *p.d
		}
	}
	if err := CheckName(c.Name); err != nil {
		return c, err
	}
	switch {
	case c.MaxBodyBytes < 64:
		return c, fmt.Errorf("max body %d bytes: want at least 64", c.MaxBodyBytes)
	case c.MaxRows < 1 || c.MaxRows > maxMaxRows:
		return c, fmt.Errorf("max rows %d: want 1..%d", c.MaxRows, maxMaxRows)
	case c.MaxBatch < 1 || c.MaxBatch > maxMaxBatch:
		return c, fmt.Errorf("max batch %d: want 1..%d rows", c.MaxBatch, maxMaxBatch)
	case c.Workers < 1 || c.Workers > maxWorkers:
		return c, fmt.Errorf("workers %d: want 1..%d", c.Workers, maxWorkers)
	case c.BatchDelay < 0 || c.BatchDelay > 10*time.Second:
		return c, fmt.Errorf("batch delay %v: want 0..10s", c.BatchDelay)
	case c.Timeout < 0, c.ReadHeaderTimeout < 0, c.ReadTimeout < 0, c.WriteTimeout < 0, c.IdleTimeout < 0, c.DrainTimeout < 0:
		return c, errors.New("timeouts must be positive")
	case c.Timeout >= c.WriteTimeout:
		return c, fmt.Errorf("timeout %v: want less than the write timeout, %v, which would cut a late answer off", c.Timeout, c.WriteTimeout)
	}
	return c, nil
}

// Server answers predict requests for one model. Make it with New, serve
// it with Serve (or mount Handler and call Close when done).
type Server struct {
	cfg      Config
	inputs   []Tensor
	outputs  []Tensor
	inWidth  int
	outWidth int
	queue    chan *job
	waiting  atomic.Int64 // predict requests waiting for a worker to take them
	stop     chan struct{}
	stopOnce sync.Once
	workers  sync.WaitGroup
	metrics  *metrics
}

// New starts cfg.Workers workers on m (the first on m itself, the others
// on clones of it) and returns the server.
func New(m Model, cfg Config) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, pkgerrors.Wrap(err, "server config")
	}
	s := &Server{cfg: cfg, inputs: m.Inputs(), outputs: m.Outputs(), queue: make(chan *job),
		stop: make(chan struct{}), metrics: newMetrics(cfg.MaxBatch)}
	if len(s.inputs) == 0 || len(s.outputs) == 0 {
		return nil, pkgerrors.Errorf("model %s: it has %d inputs and %d outputs", cfg.Name, len(s.inputs), len(s.outputs))
	}
	for _, t := range s.inputs {
		if t.Size() < 1 {
			return nil, pkgerrors.Errorf("model %s: input %q has shape %v", cfg.Name, t.Name, t.Shape)
		}
		s.inWidth += t.Size()
	}
	for _, t := range s.outputs {
		if t.Size() < 1 {
			return nil, pkgerrors.Errorf("model %s: output %q has shape %v", cfg.Name, t.Name, t.Shape)
		}
		s.outWidth += t.Size()
	}
	models := []Model{m}
	for len(models) < cfg.Workers {
		c, err := m.Clone()
		if err != nil {
			return nil, pkgerrors.Wrapf(err, "model %s: a copy for worker %d", cfg.Name, len(models))
		}
		models = append(models, c)
	}
	for _, wm := range models {
		s.workers.Add(1)
		go s.work(wm)
	}
	return s, nil
}

// Close stops the workers once their batches are done. Requests still
// waiting get a 503; call it after the HTTP server has drained (Serve
// does).
func (s *Server) Close() {
	s.stopOnce.Do(func() { close(s.stop) })
	s.workers.Wait()
}

// Serve serves the server's Handler on ln until ctx ends (SIGTERM, say),
// then shuts down gracefully: it stops accepting connections, lets the
// requests in flight finish (up to DrainTimeout), and stops the workers.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	logger := s.cfg.Log
	if logger == nil {
		logger = log.New(io.Discard, "", 0)
	}
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          logger,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		s.Close()
		return pkgerrors.Wrap(err, "http server")
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.Background(), s.cfg.DrainTimeout)
	defer cancel()
	if err := hs.Shutdown(drain); err != nil {
		hs.Close()
		<-errc
		// A batch may still be running: stop the workers without waiting.
		s.stopOnce.Do(func() { close(s.stop) })
		return pkgerrors.Wrapf(err, "shutdown: requests still in flight after %v were cut off", s.cfg.DrainTimeout)
	}
	<-errc
	s.Close()
	return nil
}

// Handler routes the server's endpoints.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.route)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.fail(w, "other", time.Now(), fmt.Errorf("internal error: %v", v))
		}
	}()
	p := r.URL.Path
	base := "/v1/models/" + s.cfg.Name
	switch {
	case p == base+":predict":
		s.predict(w, r)
	case p == base || p == base+"/metadata":
		s.get(w, r, "metadata", s.status)
	case p == "/healthz":
		s.get(w, r, "healthz", func(w http.ResponseWriter) (int, error) {
			return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		})
	case p == "/metrics":
		s.get(w, r, "metrics", func(w http.ResponseWriter) (int, error) {
			w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
			w.WriteHeader(http.StatusOK)
			return http.StatusOK, s.metrics.write(w, s.waiting.Load())
		})
	case strings.HasPrefix(p, "/v1/models/"):
		s.fail(w, "other", time.Now(), &statusError{http.StatusNotFound,
			fmt.Sprintf("no such model or endpoint %s: this server serves model %q (POST %s:predict, GET %s)", quote(p), s.cfg.Name, base, base)})
	default:
		s.fail(w, "other", time.Now(), &statusError{http.StatusNotFound, fmt.Sprintf("no endpoint %s", quote(p))})
	}
}

// get answers a GET (or HEAD) endpoint.
func (s *Server) get(w http.ResponseWriter, r *http.Request, handler string, answer func(http.ResponseWriter) (int, error)) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		s.fail(w, handler, time.Now(), &statusError{http.StatusMethodNotAllowed, fmt.Sprintf("method %s: use GET", quote(r.Method))})
		return
	}
	code, _ := answer(w) // a failed write is the client's loss
	s.metrics.request(handler, code, 0)
}

// status is TensorFlow Serving's model status, with the model's metadata.
func (s *Server) status(w http.ResponseWriter) (int, error) {
	return writeJSON(w, http.StatusOK, map[string]any{
		"model_version_status": []any{map[string]any{
			"version": "1", "state": "AVAILABLE",
			"status": map[string]string{"error_code": "OK", "error_message": ""},
		}},
		"metadata": map[string]any{
			"name":        s.cfg.Name,
			"inputs":      s.inputs,
			"outputs":     s.outputs,
			"classes_key": ClassesKey,
			"max_rows":    s.cfg.MaxRows,
			"max_batch":   s.cfg.MaxBatch,
		},
	})
}

// predict answers POST /v1/models/NAME:predict.
func (s *Server) predict(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		s.fail(w, "predict", start, &statusError{http.StatusMethodNotAllowed, fmt.Sprintf("method %s: use POST", quote(r.Method))})
		return
	}
	ctx, cancel := context.WithDeadline(r.Context(), start.Add(s.cfg.Timeout))
	defer cancel()
	body, err := s.readBody(w, r)
	if err != nil {
		s.fail(w, "predict", start, err)
		return
	}
	x, rows, err := parseRequest(body, s.inputs, s.cfg.MaxRows)
	if err != nil {
		s.fail(w, "predict", start, err)
		return
	}
	j := &job{x: x, rows: rows, ctx: ctx, done: make(chan struct{})}
	s.waiting.Add(1)
	select {
	case s.queue <- j:
		s.waiting.Add(-1)
	case <-ctx.Done():
		s.waiting.Add(-1)
		s.fail(w, "predict", start, timedOut(ctx, s.cfg.Timeout))
		return
	case <-s.stop:
		s.waiting.Add(-1)
		s.fail(w, "predict", start, &statusError{http.StatusServiceUnavailable, "the server is shutting down"})
		return
	}
	select {
	case <-j.done:
	case <-ctx.Done():
		s.fail(w, "predict", start, timedOut(ctx, s.cfg.Timeout))
		return
	}
	if j.err != nil {
		s.fail(w, "predict", start, j.err)
		return
	}
	answer, err := s.encode(j.out, rows)
	if err != nil {
		s.fail(w, "predict", start, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	w.Write(answer)
	s.metrics.request("predict", http.StatusOK, time.Since(start).Seconds())
}

func timedOut(ctx context.Context, limit time.Duration) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &statusError{http.StatusServiceUnavailable, fmt.Sprintf("no answer within the time limit of %v: the server is busy", limit)}
	}
	return &statusError{499, "the client went away"}
}

// readBody reads a predict body, within MaxBodyBytes and ReadTimeout.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > s.cfg.MaxBodyBytes {
		return nil, &statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body of %d bytes: the limit is %d", r.ContentLength, s.cfg.MaxBodyBytes)}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooBig *http.MaxBytesError
	var netErr net.Error
	switch {
	case err == nil:
		return body, nil
	case errors.As(err, &tooBig):
		return nil, &statusError{http.StatusRequestEntityTooLarge, fmt.Sprintf("body over the limit of %d bytes", s.cfg.MaxBodyBytes)}
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &netErr) && netErr.Timeout():
		return nil, &statusError{http.StatusRequestTimeout, fmt.Sprintf("the body was not received within %v", s.cfg.ReadTimeout)}
	default:
		return nil, &statusError{http.StatusBadRequest, "reading the body: " + err.Error()}
	}
}

// fail answers an error as {"error": "..."} on one line.
func (s *Server) fail(w http.ResponseWriter, handler string, start time.Time, err error) {
	code := http.StatusInternalServerError
	var se *statusError
	if errors.As(err, &se) {
		code = se.code
	}
	if code == 499 { // the client is gone: nothing to write
		s.metrics.request(handler, code, time.Since(start).Seconds())
		return
	}
	if code == http.StatusRequestTimeout || code == http.StatusRequestEntityTooLarge {
		w.Header().Set("Connection", "close") // the rest of the body is not read
	}
	writeJSON(w, code, map[string]string{"error": cli.OneLine(err.Error())})
	s.metrics.request(handler, code, time.Since(start).Seconds())
}

func writeJSON(w http.ResponseWriter, code int, v any) (int, error) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b = []byte(`{"error":"encoding the answer failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, err = w.Write(append(b, '\n'))
	return code, err
}

// encode writes the answer to rows rows of outputs: {"predictions": [...]}
// with each row's output nested to its shape (an object of them by name for
// a model of several outputs), and under ClassesKey each row's argmax for
// a classifier's output (an object of them by name for several outputs).
// Values are written as the shortest decimals that read back as the same
// float32. A value that is not finite cannot be written in JSON: a 422.
func (s *Server) encode(out []float32, rows int) ([]byte, error) {
	for i, v := range out {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			r, c := i/s.outWidth, i%s.outWidth
			name := ""
			for _, o := range s.outputs {
				if c < o.Size() {
					name = o.Name
					break
				}
				c -= o.Size()
			}
			return nil, &statusError{http.StatusUnprocessableEntity,
				fmt.Sprintf("instance %d: output %s is %v, which JSON cannot carry (are the inputs far outside the training data's range?)", r, quote(name), v)}
		}
	}
	many := len(s.outputs) > 1
	var b bytes.Buffer
	b.Grow(rows * s.outWidth * 12)
	b.WriteString(`{"predictions":[`)
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteByte(',')
		}
		row := out[r*s.outWidth : (r+1)*s.outWidth]
		if many {
			b.WriteByte('{')
		}
		off := 0
		for k, o := range s.outputs {
			if many {
				if k > 0 {
					b.WriteByte(',')
				}
				writeKey(&b, o.Name)
			}
			writeNested(&b, row[off:off+o.Size()], o.Shape)
			off += o.Size()
		}
		if many {
			b.WriteByte('}')
		}
	}
	b.WriteByte(']')
	if s.classifiers() > 0 {
		b.WriteString(`,"` + ClassesKey + `":[`)
		for r := 0; r < rows; r++ {
			if r > 0 {
				b.WriteByte(',')
			}
			row := out[r*s.outWidth : (r+1)*s.outWidth]
			if many {
				b.WriteByte('{')
			}
			off, n := 0, 0
			for _, o := range s.outputs {
				if o.Classifier {
					if many {
						if n > 0 {
							b.WriteByte(',')
						}
						writeKey(&b, o.Name)
					}
					fmt.Fprint(&b, train.Argmax([][]float32{row[off : off+o.Size()]})[0])
					n++
				}
				off += o.Size()
			}
			if many {
				b.WriteByte('}')
			}
		}
		b.WriteByte(']')
	}
	b.WriteString("}\n")
	return b.Bytes(), nil
}

func (s *Server) classifiers() int {
	n := 0
	for _, o := range s.outputs {
		if o.Classifier {
			n++
		}
	}
	return n
}

func writeKey(b *bytes.Buffer, name string) {
	k, _ := json.Marshal(name)
	b.Write(k)
	b.WriteByte(':')
}

// writeNested writes v as arrays nested to shape.
func writeNested(b *bytes.Buffer, v []float32, shape []int) {
	b.WriteByte('[')
	if len(shape) <= 1 {
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			b.Write(strconv.AppendFloat(b.AvailableBuffer(), float64(x), 'g', -1, 32))
		}
	} else {
		step := len(v) / shape[0]
		for i := 0; i < shape[0]; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			writeNested(b, v[i*step:(i+1)*step], shape[1:])
		}
	}
	b.WriteByte(']')
}
