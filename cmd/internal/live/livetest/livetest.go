//go:build unix

package livetest

import (
	"bufio"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/gradgraph/gradgraph/internal/webtest"
)

// Record is the part of a page's first frame that the checks read.
type Record struct {
	Meta struct {
		Title   string
		Hparams [][2]any
	}
	Epochs []struct {
		Epoch int
		Logs  map[string]float64
	}
	Ended  bool
	Report []string
}

// Check runs the command (its run function) with args plus -out, -serve
// 127.0.0.1:0 and -serve-wait, reads the page's address from its output,
// waits for the report to be out, opens a page then and checks that it has
// every epoch of history.csv, bit for bit in every column, the run marked
// ended, the report's files listed and report.md served as written; then
// sends SIGINT, as Ctrl-C does, and checks that the command ends without
// error and stops serving. It returns the page's record.
func Check(t *testing.T, run func([]string, io.Writer) error, args ...string) Record {
	t.Helper()
	dir := t.TempDir()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(append([]string{"-out", dir, "-serve", "127.0.0.1:0", "-serve-wait"}, args...), pw)
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	var url string
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if u, ok := strings.CutPrefix(lines.Text(), "Dashboard: "); ok && strings.HasPrefix(u, "http://127.0.0.1:") {
			url = u
			break
		}
	}
	if url == "" {
		t.Fatalf("no dashboard address in the output (%v)", <-done)
	}
	go io.Copy(io.Discard, pr)

	// Watch until the report is out: from then on the command waits for
	// SIGINT (its handler is installed before the report is published).
	s := webtest.OpenStream(t, url+"events")
	for ev, ok := s.Next(); ; ev, ok = s.Next() {
		if !ok {
			t.Fatalf("the stream ended before the report (%v)", <-done)
		}
		if ev.Name == "report" || (ev.Name == "record" && !strings.Contains(ev.Data, `"report":[]`)) {
			break
		}
	}
	ev, _ := webtest.OpenStream(t, url+"events").Next()
	var rec Record
	if err := json.Unmarshal([]byte(ev.Data), &rec); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
	keys := strings.Split(rows[0], ",")[1:]
	if len(rec.Epochs) != len(rows)-1 || !rec.Ended {
		t.Fatalf("the page has %d epochs (ended %v), history.csv %d", len(rec.Epochs), rec.Ended, len(rows)-1)
	}
	for i, row := range rows[1:] {
		cells := strings.Split(row, ",")
		e := rec.Epochs[i]
		if strconv.Itoa(e.Epoch+1) != cells[0] || len(e.Logs) != len(keys) {
			t.Errorf("epoch %d: page %+v, history.csv %q", i+1, e, row)
		}
		for j, k := range keys {
			want, _ := strconv.ParseFloat(cells[j+1], 64)
			if got, ok := e.Logs[k]; !ok || math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("epoch %d %s: page %v, history.csv %v", i+1, k, got, want)
			}
		}
	}
	if got := strings.Join(rec.Report, " "); !strings.Contains(got, "report.html") || !strings.Contains(got, "report.md") || !strings.Contains(got, "history.csv") {
		t.Errorf("report files %q", got)
	}
	resp, err := http.Get(url + "report/report.md")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want, _ := os.ReadFile(filepath.Join(dir, "report.md")); resp.StatusCode != 200 || string(md) != string(want) {
		t.Errorf("report.md served: %s, %d bytes; the file has %d", resp.Status, len(md), len(want))
	}
	select {
	case err := <-done:
		t.Fatalf("the command ended before Ctrl-C: %v", err)
	default:
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("after Ctrl-C: %v", err)
	}
	if _, err := http.Get(url); err == nil {
		t.Error("the page is still served after the command ended")
	}
	return rec
}
