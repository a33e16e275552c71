package server

import (
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// workload is what a load sends: samples, each one's answer from Predict
// alone, and the model's name in the URL.
type workload struct {
	name  string
	rows  [][]float32
	alone [][]float32
}

func irisWorkload(tb testing.TB) workload {
	f := iris(tb)
	w := workload{name: "iris", alone: f.alone}
	for i := 0; i < f.iris.Len(); i++ {
		w.rows = append(w.rows, f.iris.Row(i))
	}
	return w
}

// drive sends total requests from clients goroutines over loopback to the
// server at url, request i carrying the samples i, i+1, ... (1 to rows of
// them, modulo the workload's). It checks every answer against Predict's
// for each sample alone and returns the number of failures and each
// request's latency.
func drive(tb testing.TB, url string, w workload, clients, total, rows int) (failures int64, latencies []time.Duration) {
	n := len(w.rows)
	bodies := make([]string, n*rows)
	for i := range bodies {
		rs := make([][]float32, 1+i%rows)
		for k := range rs {
			rs[k] = w.rows[(i+k)%n]
		}
		bodies[i] = instances(rs...)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: time.Minute}
	var next, bad atomic.Int64
	latencies = make([]time.Duration, total)
	var firstErr sync.Once
	fail := func(format string, args ...any) {
		bad.Add(1)
		firstErr.Do(func() { tb.Errorf(format, args...) })
	}
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				b := i % len(bodies)
				began := time.Now()
				resp, err := c.Post(url+"/v1/models/"+w.name+":predict", "application/json", strings.NewReader(bodies[b]))
				if err != nil {
					fail("request %d: %v", i, err)
					continue
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				latencies[i] = time.Since(began)
				if err != nil || resp.StatusCode != http.StatusOK {
					fail("request %d: status %d: %s %v", i, resp.StatusCode, body, err)
					continue
				}
				a, err := decodeAnswer(body)
				if err != nil || len(a.predictions) != 1+b%rows {
					fail("request %d: %v, %s", i, err, body)
					continue
				}
				for k, p := range a.predictions {
					if !sameBits(p, w.alone[(b+k)%n]) {
						fail("request %d: row %d answered %v, Predict alone %v", i, k, p, w.alone[(b+k)%n])
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	return bad.Load(), latencies
}

// TestLoad: 200 concurrent clients send 10,000 requests of one to three
// Iris samples over loopback to a server with the default configuration;
// none fails and every answer equals Predict's for its samples alone.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("the load test sends 10,000 requests; run without -short")
	}
	total := 10000
	if raceEnabled {
		total = 2000 // the race detector slows each request about tenfold
	}
	r := start(t, openIris(t, DefaultConfig.MaxBatch), Config{MaxBatch: DefaultConfig.MaxBatch, BatchDelay: DefaultConfig.BatchDelay})
	began := time.Now()
	failures, lat := drive(t, r.url, irisWorkload(t), 200, total, 3)
	if failures != 0 {
		t.Fatalf("%d of %d requests failed", failures, total)
	}
	code, _, b := get(t, r.url+"/metrics")
	want := fmt.Sprintf(`gradgraph_serve_requests_total{handler="predict",code="200"} %d`, total)
	if code != 200 || !strings.Contains(string(b), want+"\n") {
		t.Errorf("metrics lack %q", want)
	}
	p50, p99 := percentiles(lat)
	t.Logf("%d requests from 200 clients in %v: %.0f requests/s, p50 %v, p99 %v", total, time.Since(began).Round(time.Millisecond),
		float64(total)/time.Since(began).Seconds(), p50, p99)
}

func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return at(0.50), at(0.99)
}

// mnistLike is Keras's MNIST model, Dense(512, relu) → Dense(10,
// softmax) on 784 inputs, with its initial weights, and 64 random images
// in [0, 1) with their answers from Predict alone: a model whose work per
// sample outweighs the HTTP and JSON around it, as Iris's does not.
func mnistLike(tb testing.TB) (Model, workload) {
	m := nn.Sequential("mnist", nn.Dense(512, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := m.Build(784, nn.BuildOptions{Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	tr, err := train.Compile(m, train.RMSprop(1e-3), train.SparseCategoricalCrossentropy())
	if err != nil {
		tb.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	w := workload{name: "mnist"}
	for range 64 {
		x := make([]float32, 784)
		for j := range x {
			x[j] = rng.Float32()
		}
		p, err := predictAlone(tr, x)
		if err != nil {
			tb.Fatal(err)
		}
		w.rows, w.alone = append(w.rows, x), append(w.alone, p)
	}
	sm, err := FromTrainer(tr, DefaultConfig.MaxBatch)
	if err != nil {
		tb.Fatal(err)
	}
	return sm, w
}

// BenchmarkServe drives the server from 200 concurrent clients over
// loopback with one-sample requests, with batching off (-max-batch 1) and
// on (32 rows, with no delay and with 1 ms), with one worker and two, for the
// Iris model and an MNIST-sized one, and reports the throughput and the
// p50 and p99 latency, the mean rows per batch run, and the CPU time per
// request of the process (clients and server). Every answer is checked against Predict's.
func BenchmarkServe(b *testing.B) {
	for _, model := range []string{"iris", "mnist"} {
		for _, c := range []struct {
			name string
			cfg  Config
		}{
			{"batching=off/workers=1", Config{MaxBatch: 1}},
			{"batching=32,0ms/workers=1", Config{MaxBatch: 32}},
			{"batching=32,1ms/workers=1", Config{MaxBatch: 32, BatchDelay: time.Millisecond}},
			{"batching=off/workers=2", Config{MaxBatch: 1, Workers: 2}},
			{"batching=32,0ms/workers=2", Config{MaxBatch: 32, Workers: 2}},
			{"batching=32,1ms/workers=2", Config{MaxBatch: 32, BatchDelay: time.Millisecond, Workers: 2}},
		} {
			b.Run(model+"/"+c.name, func(b *testing.B) {
				var m Model
				var w workload
				if model == "iris" {
					m, w = openIris(b, c.cfg.MaxBatch), irisWorkload(b)
				} else {
					m, w = mnistLike(b)
				}
				c.cfg.Name = w.name
				r := start(b, m, c.cfg)
				drive(b, r.url, w, 200, 400, 1) // warm up: graphs for the batch sizes, connections
				batches := func() (float64, uint64) {
					r.s.metrics.mu.Lock()
					defer r.s.metrics.mu.Unlock()
					return r.s.metrics.batchRows.sum, r.s.metrics.batchRows.n
				}
				rows0, runs0 := batches()
				b.ResetTimer()
				began, cpu := time.Now(), processCPU()
				failures, lat := drive(b, r.url, w, 200, b.N, 1)
				elapsed, cpu := time.Since(began), processCPU()-cpu
				b.StopTimer()
				if failures != 0 {
					b.Fatalf("%d of %d requests failed", failures, b.N)
				}
				p50, p99 := percentiles(lat)
				b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
				b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
				rows, runs := batches()
				b.ReportMetric((rows-rows0)/float64(runs-runs0), "rows/batch")
				if cpu > 0 {
					// Clients and server together: the load on a shared machine
					// moves the wall times far more than this.
					b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu-µs/req")
				}
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
