package webtest

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
)

// Event is one server-sent event.
type Event struct{ Name, Data string }

// Stream is a stream of server-sent events read in the background.
type Stream struct {
	events chan Event
}

// OpenStream GETs url and reads its events until the server ends the
// stream; it fails the test unless the answer is a 200 event stream.
func OpenStream(t testing.TB, url string) *Stream {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		resp.Body.Close()
		t.Fatalf("GET %s: %s, Content-Type %q", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	s := &Stream{events: make(chan Event, 1<<16)}
	go func() {
		defer close(s.events)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(nil, 64<<20)
		var ev Event
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Name != "" {
					s.events <- ev
				}
				ev = Event{}
			case strings.HasPrefix(line, "event: "):
				ev.Name = line[len("event: "):]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[len("data: "):]
			}
		}
	}()
	t.Cleanup(func() {
		resp.Body.Close()
		for range s.events {
		}
	})
	return s
}

// Next is the next event; ok is false once the stream has ended.
func (s *Stream) Next() (ev Event, ok bool) {
	ev, ok = <-s.events
	return ev, ok
}
