package data

import (
	"bufio"
	"bytes"

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

// lineLimiter hands a CSV stream to encoding/csv one whole line at a time,
// counting lines, and fails, before any of the line reaches the parser, on
// a line longer than MaxCSVLineBytes and on a quoted field that spans lines
// (a numeric file has no use for one, and it would let a record grow past
// the line bound). encoding/csv parses whatever part of a line it has when
// its reader fails, so a bound applied as bytes stream through would still
// have it split a 4 MiB line into two million fields.
type lineLimiter struct {
	r       *bufio.Reader
	name    string
	line    int    // 1-based number of the line in pending or being read
	buf     []byte // the line being gathered, reused
	pending []byte // what is left of the current line to hand out
	err     error
}

func newLineLimiter(r *bufio.Reader, name string) *lineLimiter {
	return &lineLimiter{r: r, name: name}
}

func (l *lineLimiter) Read(p []byte) (int, error) {
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

// next gathers the next line into pending, or sets err (io.EOF at the end,
// after a last line without a newline).
func (l *lineLimiter) next() {
	l.line++
	l.buf = l.buf[:0]
	for {
		chunk, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(chunk) > MaxCSVLineBytes+1 { // +1: the newline
			l.err = errors.Errorf("data: %s:%d: line longer than %d bytes (data.MaxCSVLineBytes)", l.name, l.line, MaxCSVLineBytes)
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
	if bytes.Count(l.buf, []byte{'"'})%2 != 0 {
		l.err = errors.Errorf("data: %s:%d: a quoted field runs past the end of the line", l.name, l.line)
		return
	}
	l.pending = l.buf
}
