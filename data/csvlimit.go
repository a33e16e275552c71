package data

import (
	"bufio"
	"bytes"
	"io"

	"github.com/pkg/errors"
)

// MaxCSVLineBytes bounds one line of a CSV file that ReadCSV reads: 4 MiB
// holds a row of 100,000 features written with 40 characters each. A line
// past it is refused as it streams in, so that a file of one endless line
// (a single number, half a billion fields, an unclosed quote) costs at
// most this much before the error, where encoding/csv alone would read the
// whole line into memory. A program with wider rows can raise it.
var MaxCSVLineBytes = 4 << 20

// MaxCSVFields bounds the fields of one row: 1,048,576.
var MaxCSVFields = 1 << 20

// recordLimiter hands a CSV stream to encoding/csv one whole line at a
// time, counting lines, and fails, before any of the line reaches the
// parser, on a line longer than MaxCSVLineBytes: encoding/csv parses
// whatever part of a line it has when its reader fails, so a bound applied
// as bytes stream through would still have it split a 4 MiB line into two
// million fields. A quoted field may run over several lines (a text column
// may hold "dark,\nred"): the limiter follows the quotes from line to line
// and bounds the whole record, however many lines it spans, by
// MaxCSVLineBytes, so a quote that is never closed costs no more than one
// long line. encoding/csv keeps counting lines inside such a field, so its
// FieldPos still gives each field's own line.
type recordLimiter struct {
	r       *bufio.Reader
	name    string
	line    int    // 1-based number of the line in pending or being read
	open    int    // line on which a quoted field still open began; 0 if none
	record  int    // bytes of the record so far, before this line, when open
	buf     []byte // the line being gathered, reused
	pending []byte // what is left of the current line to hand out
	err     error
}

func newRecordLimiter(r *bufio.Reader, name string) *recordLimiter {
	return &recordLimiter{r: r, name: name}
}

func (l *recordLimiter) Read(p []byte) (int, error) {
	if len(l.pending) == 0 {
		if l.err != nil {
			return 0, l.err
		}
		l.next()
		if len(l.pending) == 0 {
			return 0, l.err
		}
	}
	n := copy(p, l.pending)
	l.pending = l.pending[n:]
	return n, nil
}

// next gathers the next line into pending, or sets err: io.EOF after the
// last line, or an error naming the line.
func (l *recordLimiter) next() {
	l.line++
	if l.open == 0 {
		l.record = 0
	}
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if l.record+len(l.buf)+len(chunk) > MaxCSVLineBytes+1 { // +1: the newline
			if l.open != 0 {
				l.err = errors.Errorf("data: %s:%d: a quoted field opened on line %d runs on for more than %d bytes (data.MaxCSVLineBytes)",
					l.name, l.line, l.open, MaxCSVLineBytes)
			} else {
				l.err = errors.Errorf("data: %s:%d: line longer than %d bytes (data.MaxCSVLineBytes)", l.name, l.line, MaxCSVLineBytes)
			}
			return
		}
		l.buf = append(l.buf, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			l.err = err
		}
		break
	}
	// Quotes come in pairs ("" inside a quoted field is one quote), so an
	// odd count opens a field that goes on past this line or closes one
	// that came from an earlier line.
	if bytes.Count(l.buf, []byte{'"'})%2 != 0 {
		if l.open == 0 {
			l.open = l.line
		} else {
			l.open = 0
		}
	}
	l.record += len(l.buf)
	if l.err == io.EOF && l.open != 0 {
		l.err = errors.Errorf("data: %s:%d: a quoted field runs past the end of the line and is never closed", l.name, l.open)
	}
	l.pending = l.buf
}
