package server

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
	"sync"
)

// metrics are the server's counters, written in Prometheus's text
// exposition format (version 0.0.4) by hand: the few lines it takes do
// not justify client_golang, whose current release would raise the whole
// module's golang.org/x/sys, x/net, x/text and protobuf by years and add
// seven modules.
type metrics struct {
	mu        sync.Mutex
	requests  map[[2]string]uint64 // by handler and status code
	latency   histogram            // of predict requests, seconds
	batchRows histogram            // rows per graph run
	batchReqs histogram            // requests per graph run
}

func newMetrics(maxBatch int) *metrics {
	var rows []float64
	for b := 1; b < maxBatch; b *= 2 {
		rows = append(rows, float64(b))
	}
	rows = append(rows, float64(maxBatch))
	return &metrics{
		requests:  map[[2]string]uint64{},
		latency:   histogram{bounds: []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}},
		batchRows: histogram{bounds: rows},
		batchReqs: histogram{bounds: rows},
	}
}

func (m *metrics) request(handler string, code int, seconds float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[2]string{handler, strconv.Itoa(code)}]++
	if handler == "predict" {
		m.latency.observe(seconds)
	}
}

func (m *metrics) batch(rows, requests int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.batchRows.observe(float64(rows))
	m.batchReqs.observe(float64(requests))
}

// write writes every metric in the text format.
func (m *metrics) write(w io.Writer, waiting int64) error {
	m.mu.Lock()
	var b bytes.Buffer
	b.WriteString("# HELP gradgraph_serve_waiting_requests Predict requests waiting for a worker to take them into a batch.\n")
	b.WriteString("# TYPE gradgraph_serve_waiting_requests gauge\n")
	fmt.Fprintf(&b, "gradgraph_serve_waiting_requests %d\n", waiting)
	b.WriteString("# HELP gradgraph_serve_requests_total HTTP requests answered, by handler and status code.\n")
	b.WriteString("# TYPE gradgraph_serve_requests_total counter\n")
	keys := make([][2]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i][0] != keys[j][0] {
			return keys[i][0] < keys[j][0]
		}
		return keys[i][1] < keys[j][1]
	})
	for _, k := range keys {
		fmt.Fprintf(&b, "gradgraph_serve_requests_total{handler=%q,code=%q} %d\n", k[0], k[1], m.requests[k])
	}
	m.latency.write(&b, "gradgraph_serve_predict_duration_seconds", "Time from a predict request's arrival to its answer, in seconds.")
	m.batchRows.write(&b, "gradgraph_serve_batch_rows", "Rows (instances) per batch run through the model.")
	m.batchReqs.write(&b, "gradgraph_serve_batch_requests", "Predict requests answered by one batch run.")
	m.mu.Unlock()
	_, err := w.Write(b.Bytes())
	return err
}

// histogram counts observations at or below each bound (cumulatively when
// written, as Prometheus's buckets are).
type histogram struct {
	bounds []float64
	counts []uint64 // per bound, not cumulative; len(bounds)+1 with +Inf
	sum    float64
	n      uint64
}

func (h *histogram) observe(v float64) {
	if h.counts == nil {
		h.counts = make([]uint64, len(h.bounds)+1)
	}
	i := sort.SearchFloat64s(h.bounds, v) // the first bound >= v
	h.counts[i]++
	h.sum += v
	h.n++
}

func (h *histogram) write(b *bytes.Buffer, name, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name)
	var cum uint64
	for i, bound := range h.bounds {
		if h.counts != nil {
			cum += h.counts[i]
		}
		fmt.Fprintf(b, "%s_bucket{le=%q} %d\n", name, strconv.FormatFloat(bound, 'g', -1, 64), cum)
	}
	fmt.Fprintf(b, "%s_bucket{le=\"+Inf\"} %d\n", name, h.n)
	fmt.Fprintf(b, "%s_sum %s\n", name, strconv.FormatFloat(h.sum, 'g', -1, 64))
	fmt.Fprintf(b, "%s_count %d\n", name, h.n)
}
