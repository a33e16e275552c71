package data

import (
	"io"
	"runtime"
	"strings"
	"testing"
)

// endless yields prefix, then unit repeated for n bytes in all (n < 0:
// forever), without holding them.
type endless struct {
	prefix, unit string
	n, off       int
}

func (e *endless) Read(p []byte) (int, error) {
	if e.n >= 0 && e.off >= e.n {
		return 0, io.EOF
	}
	k := 0
	for k < len(p) && (e.n < 0 || e.off < e.n) {
		var c byte
		if e.off < len(e.prefix) {
			c = e.prefix[e.off]
		} else {
			c = e.unit[(e.off-len(e.prefix))%len(e.unit)]
		}
		p[k] = c
		k++
		e.off++
	}
	return k, nil
}

// TestReadCSVHostileLines: one endless line (a number, fields, a quoted
// field) ended in "fatal error: out of memory" inside encoding/csv, and a
// 20 MB line of 10 million columns peaked at 867 MB (issue 23). Each is now
// refused with an error naming the line, after reading little more than
// MaxCSVLineBytes, in memory bounded by that.
func TestReadCSVHostileLines(t *testing.T) {
	for _, c := range []struct {
		name string
		r    io.Reader
		want string
	}{
		{"one endless number", &endless{prefix: "1,2\n3,4\n", unit: "1", n: -1}, "data: hostile.csv:3: line longer than 4194304 bytes"},
		{"endless fields", &endless{prefix: "", unit: "1,", n: -1}, "hostile.csv:1: line longer than"},
		{"an unclosed quote", &endless{prefix: "1,2\n\"", unit: "9", n: -1}, "hostile.csv:2: line longer than"},
		{"20 MB line of 10M columns", &endless{unit: "1,", n: 20_000_000}, "hostile.csv:1: line longer than"},
		{"a quoted field over many lines", &endless{prefix: "1,2\n3,\"4", unit: "\n5", n: 1 << 20}, "hostile.csv:2: a quoted field runs past the end of the line"},
	} {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := ReadCSV(c.r, "hostile.csv", CSVOptions{})
		runtime.ReadMemStats(&after)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
			t.Errorf("%s: allocated %d MB before refusing, want at most 64", c.name, alloc>>20)
		}
	}
	// Fields: a line under the byte bound with more than MaxCSVFields.
	defer func(f int) { MaxCSVFields = f }(MaxCSVFields)
	MaxCSVFields = 100
	row := strings.Repeat("1,", 100) + "1\n"
	if _, err := ReadCSV(strings.NewReader(row), "wide.csv", CSVOptions{}); err == nil || !strings.Contains(err.Error(), "wide.csv:1: 101 fields, more than 100") {
		t.Errorf("101 fields: %v", err)
	}
	if _, err := ReadCSV(strings.NewReader(strings.Repeat("1,", 99)+"1\n"), "ok.csv", CSVOptions{}); err != nil {
		t.Errorf("100 fields: %v", err)
	}
}
