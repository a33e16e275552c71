package live

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/train"
	"github.com/gradgraph/gradgraph/viz/dashboard"
)

// Flags are -serve ADDR and -serve-wait.
type Flags struct {
	Addr string
	Wait bool
}

// Register adds -serve and -serve-wait to fs.
func (f *Flags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Addr, "serve", "", "serve a live page of the run (loss and metric curves per batch and per epoch, settings, model, report) at this address, such as :6006 or 127.0.0.1:0 (any free port); loopback unless a host is named (0.0.0.0:6006 for other machines)")
	fs.BoolVar(&f.Wait, "serve-wait", false, "with -serve, keep serving the finished page and the report after the run, until Ctrl-C")
}

// Check refuses -serve-wait without -serve, and an address that is not
// host:port.
func (f Flags) Check() error {
	if f.Wait && f.Addr == "" {
		return errors.New("-serve-wait: needs -serve ADDR")
	}
	if f.Addr != "" {
		if _, err := dashboard.ListenAddr(f.Addr); err != nil {
			return errors.Wrap(err, "-serve")
		}
	}
	return nil
}

// Session is a command's dashboard; a nil *Session (no -serve) does
// nothing.
type Session struct {
	d      *dashboard.Dashboard
	wait   bool
	stdout io.Writer
}

// Start serves the dashboard when -serve was given, and prints its
// address ("Dashboard: http://127.0.0.1:6006/") even with -quiet, since a
// port of 0 is chosen here.
func Start(f Flags, title string, hparams map[string]any, stdout io.Writer) (*Session, error) {
	if f.Addr == "" {
		return nil, nil
	}
	d, err := dashboard.New(dashboard.Options{Addr: f.Addr, Title: title, Hyperparameters: hparams})
	if err != nil {
		return nil, errors.Wrap(err, "-serve")
	}
	fmt.Fprintf(stdout, "Dashboard: %s\n", d.URL())
	return &Session{d: d, wait: f.Wait, stdout: stdout}, nil
}

// Add appends the dashboard to cbs.
func (s *Session) Add(cbs []train.Callback) []train.Callback {
	if s == nil {
		return cbs
	}
	return append(cbs, s.d)
}

// Finish puts the report folder out on the page and, with -serve-wait,
// serves it until SIGINT or SIGTERM; then it closes the dashboard.
func (s *Session) Finish(outDir string) error {
	if s == nil {
		return nil
	}
	var stop context.CancelFunc
	ctx := context.Background()
	if s.wait {
		// Before the report goes out: whoever sees it may interrupt.
		ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
	}
	err := s.d.Report(outDir)
	if err == nil && s.wait {
		fmt.Fprintf(s.stdout, "Dashboard: the run is over; serving %s until Ctrl-C\n", s.d.URL())
		<-ctx.Done()
	}
	if cerr := s.d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Close closes the dashboard (for a command's error paths; Finish closes
// it too).
func (s *Session) Close() {
	if s != nil {
		s.d.Close()
	}
}
