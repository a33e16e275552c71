// Command serve serves a trained gradgraph model over HTTP with TensorFlow
// Serving's REST API, under the model file's base name without its
// extension (models/iris.ckpt is "iris"):
//
//	POST /v1/models/iris:predict   {"instances": [[5.1, 3.5, 1.4, 0.2], ...]}
//	  → {"predictions": [[0.98, 0.01, 0.01], ...], "classes": [0, ...]}
//	GET  /v1/models/iris           status, input and output names and shapes
//	GET  /healthz                  {"status": "ok"}
//	GET  /metrics                  Prometheus text format: requests by code,
//	                               latency and batch-size histograms
//
// An ONNX file is imported (onnx.ReadFile) and served as a gradgraph
// model: its images are channels last, as gradgraph's are, so a file that
// takes (batch, 3, 32, 32) is sent instances of shape (32, 32, 3) (with
// one channel the values are in the same order either way); GET
// /v1/models/NAME gives the shapes. A classifier ending in a softmax or a
// log-softmax answers its classes too.
//
// Each instance is one sample, nested to the input's shape or flat; a
// model of several inputs takes each instance as an object of them by
// name ({"a": [...], "b": [...]}). A classifier's answers carry the
// argmax of each row under "classes"; a model of several outputs answers
// an object of them by name per instance. Values are written as the
// shortest decimals that read back as the same float32. The model sees
// the values as sent: scale them as its training data was (the Iris
// tutorial standardises its features, and a checkpoint does not hold the
// scaler).
//
// Concurrent requests are batched together, up to -max-batch rows and
// -batch-delay, and each gets exactly the answer Predict gives its rows
// alone. Bad JSON, wrong shapes, values beyond float32, too many rows, too
// big a body or too slow a client get a 4xx with {"error": "..."} on one
// line. SIGTERM or SIGINT stops it gracefully: it stops accepting, answers
// the requests in flight (up to -drain-timeout), then exits.
//
// Flags:
//
//	-model PATH             the checkpoint (tr.Save) or ONNX file (.onnx) to serve
//	-addr HOST:PORT         where to listen (default localhost:8501)
//	-name NAME              serve under this name instead of the file's
//	-max-body BYTES         largest predict body (default 8 MiB)
//	-max-rows N             most instances in one request (default 1024)
//	-timeout D              a predict request's time limit (default 10s; less than -write-timeout)
//	-max-batch N            most rows in one batch run (default 32; 1: no batching); each
//	                        worker keeps a graph for every batch size it has run, up to N
//	-batch-delay D          how long a batch waits for more requests (default 1ms)
//	-workers N              batches run at once, each on its own copy of the model (default 1)
//	-read-header-timeout D, -read-timeout D, -write-timeout D, -idle-timeout D, -drain-timeout D
//
// Errors (bad flags, an unreadable model, an address in use) are printed as
// "serve: <error>" with exit status 1.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/cmd/serve/internal/server"
	"github.com/gradgraph/gradgraph/graph/blas"
)

func main() { cli.Main("serve", run) }

type config struct {
	model, addr, name string
	server            server.Config
}

func parse(args []string, stdout io.Writer) (config, error) {
	var c config
	d := server.DefaultConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.StringVar(&c.model, "model", "", "the model to serve: a gradgraph checkpoint, or an ONNX file (.onnx), imported")
	fs.StringVar(&c.addr, "addr", "localhost:8501", "HOST:PORT to listen on")
	fs.StringVar(&c.name, "name", "", "the model's name in the URLs (default: the file's base name without extension)")
	fs.Int64Var(&c.server.MaxBodyBytes, "max-body", d.MaxBodyBytes, "largest predict request body, in bytes")
	fs.IntVar(&c.server.MaxRows, "max-rows", d.MaxRows, "most instances in one predict request")
	fs.DurationVar(&c.server.Timeout, "timeout", d.Timeout, "a predict request's time limit, from arrival to answer (less than -write-timeout)")
	fs.IntVar(&c.server.MaxBatch, "max-batch", d.MaxBatch, "most rows in one batch run through the model (1: no batching); each worker keeps a graph per batch size it has run, up to this many")
	fs.DurationVar(&c.server.BatchDelay, "batch-delay", d.BatchDelay, "how long a batch waits for more requests after its first (0: only those already waiting)")
	fs.IntVar(&c.server.Workers, "workers", d.Workers, "batches run at once, each on its own copy of the model")
	fs.DurationVar(&c.server.ReadHeaderTimeout, "read-header-timeout", d.ReadHeaderTimeout, "time a client has to send a request's headers")
	fs.DurationVar(&c.server.ReadTimeout, "read-timeout", d.ReadTimeout, "time a client has to send a whole request")
	fs.DurationVar(&c.server.WriteTimeout, "write-timeout", d.WriteTimeout, "time to write an answer")
	fs.DurationVar(&c.server.IdleTimeout, "idle-timeout", d.IdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.server.DrainTimeout, "drain-timeout", d.DrainTimeout, "on SIGTERM, how long requests in flight may take to finish")
	if err := cli.Parse(fs, args, stdout); err != nil {
		return c, err
	}
	if c.model == "" {
		return c, errors.New("-model: give the checkpoint or ONNX file to serve")
	}
	c.server.Name = c.name
	if c.name == "" {
		c.server.Name = server.NameOf(c.model)
		if err := server.CheckName(c.server.Name); err != nil {
			return c, errors.Errorf("%v (from the file's name; give another with -name)", err)
		}
	} else if err := server.CheckName(c.name); err != nil {
		return c, errors.Wrap(err, "-name")
	}
	for _, f := range []struct {
		name string
		v    time.Duration
	}{{"timeout", c.server.Timeout}, {"read-header-timeout", c.server.ReadHeaderTimeout}, {"read-timeout", c.server.ReadTimeout},
		{"write-timeout", c.server.WriteTimeout}, {"idle-timeout", c.server.IdleTimeout}, {"drain-timeout", c.server.DrainTimeout}} {
		if f.v <= 0 {
			return c, errors.Errorf("-%s %v: want a positive duration", f.name, f.v)
		}
	}
	switch {
	case c.server.MaxBodyBytes < 64:
		return c, errors.Errorf("-max-body %d: want at least 64 bytes", c.server.MaxBodyBytes)
	case c.server.MaxRows < 1:
		return c, errors.Errorf("-max-rows %d: want at least 1", c.server.MaxRows)
	case c.server.MaxBatch < 1:
		return c, errors.Errorf("-max-batch %d: want at least 1", c.server.MaxBatch)
	case c.server.Workers < 1:
		return c, errors.Errorf("-workers %d: want at least 1", c.server.Workers)
	case c.server.BatchDelay < 0:
		return c, errors.Errorf("-batch-delay %v: want 0 or more", c.server.BatchDelay)
	}
	return c, nil
}

func run(args []string, stdout io.Writer) error { return runNotified(args, stdout, nil) }

// runNotified serves until SIGTERM or SIGINT; ready, when not nil, is told
// the address once the server listens (and the signals are caught).
func runNotified(args []string, stdout io.Writer, ready func(addr string)) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	return serve(ctx, args, stdout, ready)
}

// serve loads the model, listens and serves until ctx ends; ready, when
// not nil, is told the address once the server listens.
func serve(ctx context.Context, args []string, stdout io.Writer, ready func(addr string)) error {
	c, err := parse(args, stdout)
	if err != nil {
		return err
	}
	if _, err := blas.Use(); err != nil {
		fmt.Fprintln(os.Stderr, "serve: warning:", err)
	}
	m, err := server.Open(c.model, c.server.MaxBatch)
	if err != nil {
		return err
	}
	c.server.Log = log.New(os.Stderr, "serve: ", 0)
	s, err := server.New(m, c.server)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		s.Close()
		return errors.Wrap(err, "listen")
	}
	fmt.Fprintf(stdout, "serving model %q from %s on http://%s/v1/models/%s (inputs %s, outputs %s)\n",
		c.server.Name, c.model, ln.Addr(), c.server.Name, describe(m.Inputs()), describe(m.Outputs()))
	if ready != nil {
		ready(ln.Addr().String())
	}
	err = s.Serve(ctx, ln)
	fmt.Fprintln(stdout, "stopped")
	return err
}

func describe(ts []server.Tensor) string {
	s := ""
	for i, t := range ts {
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("%s %v", cli.OneLine(t.Name), t.Shape)
	}
	return s
}
