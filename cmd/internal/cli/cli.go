// Package cli holds what gradgraph's commands share about talking to a
// shell: flag errors in one line, -h printing the flags, and errors printed
// as "name: message" with exit status 1, never a stack trace.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parse parses args into fs. On -h or -help it prints the flags to usage and
// returns flag.ErrHelp; other problems come back as one-line errors.
func Parse(fs *flag.FlagSet, args []string, usage io.Writer) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(usage, "Usage of %s:\n", fs.Name())
		fs.SetOutput(usage)
		fs.PrintDefaults()
		return flag.ErrHelp
	}
	if err != nil {
		return fmt.Errorf("%v (run with -h to list the flags)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (run with -h to list the flags)", fs.Args())
	}
	return nil
}

// Main runs a command's run function with the process's arguments and
// exits: 0 on success or after -h, 1 with "name: error" on one line of
// stderr otherwise. A panic on the main goroutine is reported the same way.
func Main(name string, run func(args []string, stdout io.Writer) error) {
	os.Exit(exitCode(name, run, os.Args[1:], os.Stdout, os.Stderr))
}

func exitCode(name string, run func([]string, io.Writer) error, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "%s: internal error: %s\n", name, OneLine(fmt.Sprint(r)))
			code = 2
		}
	}()
	err := run(args, stdout)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	default:
		fmt.Fprintf(stderr, "%s: %s\n", name, OneLine(err.Error()))
		return 1
	}
}

// OneLine folds a message's line breaks into "; " and its runs of spaces
// into one, writes other control characters (ESC, BEL, ... from a file's
// name or a layer's) as Go escapes such as \x1b, so that a message cannot
// drive the terminal, and cuts it after maxMessage bytes.
func OneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(s), "\n", " ; ")), " ")
	var b strings.Builder
	for i := 0; i < len(s); {
		if b.Len() >= maxMessage {
			fmt.Fprintf(&b, "… (%d bytes in all)", len(s))
			break
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsControl(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// maxMessage is the most bytes of an error message a command prints: a
// message about a hostile input can quote it, and a terminal line is the
// place for a summary, not a dump.
const maxMessage = 2000
