package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func TestExitCodes(t *testing.T) {
	cases := []struct {
		name     string
		run      func([]string, io.Writer) error
		code     int
		stderr   string
		noStderr bool
	}{
		{"success", func([]string, io.Writer) error { return nil }, 0, "", true},
		{"help", func([]string, io.Writer) error { return flag.ErrHelp }, 0, "", true},
		{"error", func([]string, io.Writer) error { return errors.New("data: file x.csv, line 3: too few fields") }, 1, "tool: data: file x.csv, line 3: too few fields\n", false},
		{"multi-line error", func([]string, io.Writer) error { return errors.New("first\nsecond") }, 1, "tool: first ; second\n", false},
		{"panic", func([]string, io.Writer) error { panic("index out of range [3] with length 2") }, 2, "tool: internal error: index out of range [3] with length 2\n", false},
	}
	for _, c := range cases {
		var out, errb bytes.Buffer
		code := exitCode("tool", c.run, nil, &out, &errb)
		if code != c.code || (c.noStderr && errb.Len() != 0) || (!c.noStderr && errb.String() != c.stderr) {
			t.Errorf("%s: exit %d, stderr %q; want %d, %q", c.name, code, errb.String(), c.code, c.stderr)
		}
		if strings.Count(errb.String(), "\n") > 1 {
			t.Errorf("%s: stderr has more than one line", c.name)
		}
	}
}

func TestParse(t *testing.T) {
	fs := flag.NewFlagSet("tool", flag.ContinueOnError)
	n := fs.Int("n", 1, "a number")
	var usage bytes.Buffer
	if err := Parse(fs, []string{"-h"}, &usage); !errors.Is(err, flag.ErrHelp) || !strings.Contains(usage.String(), "-n int") {
		t.Errorf("-h: %v, usage %q", err, usage.String())
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-m", "2"}, "flag provided but not defined: -m (run with -h to list the flags)"},
		{[]string{"-n", "x"}, `invalid value "x" for flag -n`},
		{[]string{"-n", "3", "extra"}, `unexpected arguments ["extra"]`},
	} {
		fs := flag.NewFlagSet("tool", flag.ContinueOnError)
		fs.Int("n", 1, "")
		err := Parse(fs, c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want one line containing %q", c.args, err, c.want)
		}
	}
	_ = n
}

// TestOneLineControlCharacters: ESC and BEL from a file's or a layer's name
// reached the terminal raw (issue 23); they are written as escapes, and a
// huge message is cut.
func TestOneLineControlCharacters(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"open \x1b[31mred\x07.csv: no such file", `open \x1b[31mred\a.csv: no such file`},
		{"a\n\tb  c", "a ; b c"},
		{"bad \xff byte", `bad \xff byte`},
		{"plain é", "plain é"},
	} {
		if got := OneLine(c.in); got != c.want {
			t.Errorf("OneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	long := OneLine(strings.Repeat("x", 1<<20))
	if len(long) > maxMessage+100 || !strings.HasSuffix(long, "(1048576 bytes in all)") {
		t.Errorf("a 1 MB message became %d bytes ending %q", len(long), long[len(long)-40:])
	}
}
