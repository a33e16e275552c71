package dashboard

import (
	"math"
	"sort"
	"strconv"
	"sync"
	"unicode/utf8"
)

// hub is the run's record and the pages watching it. Every method holds mu
// only to update the record and to offer a frame to each watcher's
// buffered channel without waiting; nothing under mu touches the network.
type hub struct {
	mu        sync.Mutex
	closed    bool
	maxPoints int // batch points kept for a late page; a power of two
	meta      meta
	epoch     int     // of the batches now being trained
	step      int64   // batches trained, over every Fit
	stride    int64   // keep every stride-th step in batches
	batches   []point // thinned to at most maxPoints
	epochs    []epochLogs
	ended     bool
	endLogs   []kv
	report    []string // file names of the published report folder
	subs      map[*sub]struct{}
	maxSubs   int
	stats     Stats
}

// sub is one page's event stream. ch holds frames not yet written; when a
// frame does not fit, lagging is set and nothing more is queued until the
// stream has written what it holds and been sent the whole record (resync).
type sub struct {
	ch      chan []byte
	lagging bool
}

// meta is what the page shows beside the curves.
type meta struct {
	title   string
	hparams []kv // sorted by key
	summary string
	diagram string // "" none yet, "ok", or why there is none
}

// point is one batch's loss.
type point struct {
	step         int64
	epoch, batch int
	loss         float64
}

// epochLogs is one epoch's logs, sorted by key.
type epochLogs struct {
	epoch int
	logs  []kv
}

// kv is a figure or a setting: a number (v), or text (s) when text is set.
type kv struct {
	k, s string
	v    float64
	text bool
}

// Stats counts what the dashboard has published.
type Stats struct {
	Batches, Epochs int64 // recorded
	Frames          int64 // frames queued to pages
	Dropped         int64 // frames a lagging page did not get (it was resent the record)
	Resyncs         int64 // records resent to pages that fell behind
	Watchers        int   // event streams open now
}

func newHub(maxPoints, maxSubs int) *hub {
	return &hub{maxPoints: maxPoints, maxSubs: maxSubs, stride: 1, subs: map[*sub]struct{}{}}
}

// publish offers frame to every watcher without blocking. Called with mu
// held.
func (h *hub) publish(frame []byte) {
	for s := range h.subs {
		if s.lagging {
			h.stats.Dropped++
			continue
		}
		select {
		case s.ch <- frame:
			h.stats.Frames++
		default:
			s.lagging = true
			h.stats.Dropped++
		}
	}
}

func (h *hub) setMeta(m meta) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.meta = m
	h.ended = false
	h.endLogs = nil
	if len(h.subs) > 0 {
		h.publish(frame("meta", appendMeta(nil, m)))
	}
}

func (h *hub) beginEpoch(epoch int) {
	h.mu.Lock()
	h.epoch = epoch
	h.mu.Unlock()
}

func (h *hub) batch(b int, loss float64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	p := point{step: h.step, epoch: h.epoch, batch: b, loss: loss}
	h.step++
	h.stats.Batches++
	if p.step%h.stride == 0 {
		if len(h.batches) >= h.maxPoints {
			// Keep every other point, and from now on every other step:
			// the curve a late page draws keeps its shape over the whole
			// run in bounded memory.
			n := 0
			for i := 0; i < len(h.batches); i += 2 {
				h.batches[n] = h.batches[i]
				n++
			}
			h.batches = h.batches[:n]
			h.stride *= 2
		}
		if p.step%h.stride == 0 {
			h.batches = append(h.batches, p)
		}
	}
	if len(h.subs) > 0 {
		h.publish(frame("batch", appendPoint(nil, p)))
	}
}

// maxEpochRecord bounds the epochs a late page is sent; pages already
// watching get every epoch.
const maxEpochRecord = 100000

func (h *hub) epochEnd(epoch int, logs []kv) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	e := epochLogs{epoch: epoch, logs: logs}
	h.stats.Epochs++
	if len(h.epochs) < maxEpochRecord {
		h.epochs = append(h.epochs, e)
	}
	if len(h.subs) > 0 {
		h.publish(frame("epoch", appendEpoch(nil, e)))
	}
}

func (h *hub) end(logs []kv) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.ended, h.endLogs = true, logs
	if len(h.subs) > 0 {
		h.publish(frame("end", appendLogs(nil, logs)))
	}
}

func (h *hub) setReport(files []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.report = files
	if len(h.subs) > 0 {
		h.publish(frame("report", appendStrings(nil, files)))
	}
}

func (h *hub) reportFile(name string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, f := range h.report {
		if f == name {
			return true
		}
	}
	return false
}

// record is a copy of the hub's record, encoded outside the lock.
type record struct {
	meta    meta
	batches []point
	stride  int64
	epochs  []epochLogs
	ended   bool
	endLogs []kv
	report  []string
}

func (h *hub) recordLocked() record {
	return record{meta: h.meta, batches: append([]point(nil), h.batches...), stride: h.stride,
		epochs: append([]epochLogs(nil), h.epochs...), ended: h.ended, endLogs: h.endLogs, report: h.report}
}

// subscribe adds a watcher and returns it with the record so far; nil when
// the hub is closed or has maxSubs watchers.
func (h *hub) subscribe(buffer int) (*sub, record) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.subs) >= h.maxSubs {
		return nil, record{}
	}
	s := &sub{ch: make(chan []byte, buffer)}
	h.subs[s] = struct{}{}
	h.stats.Watchers = len(h.subs)
	return s, h.recordLocked()
}

func (h *hub) unsubscribe(s *sub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.subs, s)
	h.stats.Watchers = len(h.subs)
}

// resync returns the record for a watcher that fell behind, and queues
// frames to it again from then on; ok is false when it did not fall
// behind, or while frames queued before it fell behind are still to be
// written (they must go before the record, which replaces them).
func (h *hub) resync(s *sub) (r record, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !s.lagging || len(s.ch) > 0 {
		return record{}, false
	}
	s.lagging = false
	h.stats.Resyncs++
	return h.recordLocked(), true
}

// close publishes the last frame and stops recording.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.publish(frame("bye", []byte("{}")))
	h.closed = true
}

func (h *hub) snapshotStats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// The frames are server-sent events whose data is JSON written by hand:
// numbers in Go's shortest round-trip form, so that the page and the tests
// read back the very float64 Fit produced, and null for NaN and ±Inf,
// which JSON cannot carry.

func frame(event string, data []byte) []byte {
	b := make([]byte, 0, len(event)+len(data)+16)
	b = append(b, "event: "...)
	b = append(b, event...)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// appendString writes s as a JSON string: strconv's quoting writes \a,
// \v and \x escapes, which JSON does not have.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s { // invalid UTF-8 comes as U+FFFD
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20 || r == 0x2028 || r == 0x2029:
			b = append(b, '\\', 'u', hex[r>>12&15], hex[r>>8&15], hex[r>>4&15], hex[r&15])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

func appendNum(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

func appendPoint(b []byte, p point) []byte {
	b = append(b, `{"step":`...)
	b = strconv.AppendInt(b, p.step, 10)
	b = append(b, `,"epoch":`...)
	b = strconv.AppendInt(b, int64(p.epoch), 10)
	b = append(b, `,"batch":`...)
	b = strconv.AppendInt(b, int64(p.batch), 10)
	b = append(b, `,"loss":`...)
	b = appendNum(b, p.loss)
	return append(b, '}')
}

// appendKVs writes logs as a JSON object ({"loss":0.5}), or with pairs as
// an array of pairs ([["lr",0.5]]), which keeps the settings' order.
func appendKVs(b []byte, logs []kv, pairs bool) []byte {
	open, sep, end := byte('{'), byte(':'), byte('}')
	if pairs {
		open, sep, end = '[', ',', ']'
	}
	b = append(b, open)
	for i, f := range logs {
		if i > 0 {
			b = append(b, ',')
		}
		if pairs {
			b = append(b, '[')
		}
		b = appendString(b, f.k)
		b = append(b, sep)
		if f.text {
			b = appendString(b, f.s)
		} else {
			b = appendNum(b, f.v)
		}
		if pairs {
			b = append(b, ']')
		}
	}
	return append(b, end)
}

func appendLogs(b []byte, logs []kv) []byte { return appendKVs(b, logs, false) }

func appendEpoch(b []byte, e epochLogs) []byte {
	b = append(b, `{"epoch":`...)
	b = strconv.AppendInt(b, int64(e.epoch), 10)
	b = append(b, `,"logs":`...)
	b = appendLogs(b, e.logs)
	return append(b, '}')
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

func appendMeta(b []byte, m meta) []byte {
	b = append(b, `{"title":`...)
	b = appendString(b, m.title)
	b = append(b, `,"hparams":`...)
	b = appendKVs(b, m.hparams, true)
	b = append(b, `,"summary":`...)
	b = appendString(b, m.summary)
	b = append(b, `,"diagram":`...)
	b = appendString(b, m.diagram)
	return append(b, '}')
}

// appendRecord is the "record" frame's data: everything a page needs to
// draw the run so far, replacing what it had.
func appendRecord(b []byte, r record) []byte {
	b = append(b, `{"meta":`...)
	b = appendMeta(b, r.meta)
	b = append(b, `,"stride":`...)
	b = strconv.AppendInt(b, r.stride, 10)
	b = append(b, `,"batches":[`...)
	for i, p := range r.batches {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendPoint(b, p)
	}
	b = append(b, `],"epochs":[`...)
	for i, e := range r.epochs {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendEpoch(b, e)
	}
	b = append(b, `],"ended":`...)
	b = strconv.AppendBool(b, r.ended)
	b = append(b, `,"end":`...)
	b = appendLogs(b, r.endLogs)
	b = append(b, `,"report":`...)
	b = appendStrings(b, r.report)
	return append(b, '}')
}

// sortedLogs copies logs sorted by key: Fit's map is its own.
func sortedLogs(logs map[string]float64) []kv {
	out := make([]kv, 0, len(logs))
	for k, v := range logs {
		out = append(out, kv{k: k, v: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].k < out[j].k })
	return out
}
