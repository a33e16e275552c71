//go:build unix

package main

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

// TestServe runs iris -serve 127.0.0.1:0 -serve-wait as a user would: the
// port is read from the output, a page opened once the report is out gets
// every epoch of history.csv (bit for bit, every column) and the report's
// files, which are served; Ctrl-C (SIGINT) ends the command cleanly.
func TestServe(t *testing.T) {
	dir := t.TempDir()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run([]string{"-out", dir, "-quiet", "-epochs", "5", "-seed", "2", "-serve", "127.0.0.1:0", "-serve-wait"}, pw)
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

	// Watch until the report is out: from then on, the command waits for
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
	late := webtest.OpenStream(t, url+"events")
	ev, _ := late.Next()
	var rec struct {
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
	if err := json.Unmarshal([]byte(ev.Data), &rec); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(csv)), "\n")
	keys := strings.Split(rows[0], ",")[1:]
	if len(rec.Epochs) != len(rows)-1 || !rec.Ended || rec.Meta.Title != title {
		t.Fatalf("the page has %d epochs (ended %v, title %q), history.csv %d", len(rec.Epochs), rec.Ended, rec.Meta.Title, len(rows)-1)
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
}
