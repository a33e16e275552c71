package live

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/train"
)

func TestFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // in the error; "" for none
	}{
		{nil, ""},
		{[]string{"-serve", ":6006"}, ""},
		{[]string{"-serve", "127.0.0.1:0", "-serve-wait"}, ""},
		{[]string{"-serve-wait"}, "-serve-wait: needs -serve ADDR"},
		{[]string{"-serve", "6006"}, `-serve: dashboard: address "6006"`},
	} {
		var f Flags
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		f.Register(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		err := f.Check()
		if (err == nil) != (c.want == "") || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
}

// TestSession: without -serve there is no session and its methods do
// nothing; with it, the address is printed, the dashboard joins the
// callbacks, and Finish without -serve-wait closes it at once.
func TestSession(t *testing.T) {
	var out bytes.Buffer
	s, err := Start(Flags{}, "t", nil, &out)
	if s != nil || err != nil || out.Len() != 0 {
		t.Fatalf("no -serve: %v, %v, %q", s, err, out.String())
	}
	cbs := []train.Callback{train.NopCallback{}}
	if got := s.Add(cbs); len(got) != 1 || s.Finish(t.TempDir()) != nil {
		t.Error("a nil session added a callback or failed to finish")
	}
	s.Close()

	s, err = Start(Flags{Addr: "127.0.0.1:0"}, "t", map[string]any{"lr": 0.1}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Dashboard: http://127.0.0.1:") {
		t.Errorf("output %q", out.String())
	}
	if got := s.Add(cbs); len(got) != 2 || got[1] != s.d {
		t.Errorf("callbacks %v", got)
	}
	if err := s.Finish(t.TempDir()); err != nil {
		t.Error(err)
	}
	if err := s.Finish(t.TempDir() + "/missing"); err == nil || !strings.Contains(err.Error(), "dashboard: report") {
		t.Errorf("Finish on a missing folder: %v", err)
	}
	if _, err := Start(Flags{Addr: "127.0.0.1:99999"}, "t", nil, &out); err == nil || !strings.Contains(err.Error(), "-serve: dashboard: listen") {
		t.Errorf("a bad port: %v", err)
	}
}
