package webtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestStream: events are split at blank lines, with their name and data;
// lines of other fields and events without a name are passed over; the
// stream ends when the server ends it.
func TestStream(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "retry: 2000\nevent: a\ndata: {\"x\":1}\n\n: a comment\n\ndata: nameless\n\nevent: b\ndata: two words\nid: 7\n\n")
	}))
	defer hs.Close()
	s := OpenStream(t, hs.URL)
	var got []Event
	for ev, ok := s.Next(); ok; ev, ok = s.Next() {
		got = append(got, ev)
	}
	if want := []Event{{"a", `{"x":1}`}, {"b", "two words"}}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %q, want %q", got, want)
	}
}
