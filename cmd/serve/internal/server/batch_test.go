package server

import (
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitFor polls cond every millisecond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// sendAll posts the requests of rows (sample indices, one list per request)
// at once and checks each answer against Predict's for its rows alone.
func sendAll(t *testing.T, url string, requests [][]int) {
	t.Helper()
	f := iris(t)
	var wg sync.WaitGroup
	errs := make(chan string, len(requests))
	for _, idx := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rows := make([][]float32, len(idx))
			for k, i := range idx {
				rows[k] = f.iris.Row(i)
			}
			resp, err := client.Post(url+"/v1/models/iris:predict", "application/json", strings.NewReader(instances(rows...)))
			if err != nil {
				errs <- err.Error()
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				errs <- fmt.Sprintf("rows %v: status %d: %s %v", idx, resp.StatusCode, body, err)
				return
			}
			a, err := decodeAnswer(body)
			if err != nil || len(a.predictions) != len(idx) {
				errs <- fmt.Sprintf("rows %v: %v %s", idx, err, body)
				return
			}
			for k, i := range idx {
				if !sameBits(a.predictions[k], f.alone[i]) {
					errs <- fmt.Sprintf("rows %v: row %d answered %v, Predict alone %v", idx, i, a.predictions[k], f.alone[i])
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestBatching: concurrent requests land in one batch (one Predict call),
// and each gets exactly its own rows' answers, equal to Predict's for
// those rows alone.
func TestBatching(t *testing.T) {
	t.Run("eight requests fill a batch", func(t *testing.T) {
		p := &probe{Model: openIris(t, 8)}
		// The delay is far longer than the test: the batch runs because it is
		// full, not because the delay ran out.
		r := start(t, p, Config{MaxBatch: 8, BatchDelay: 10 * time.Second})
		sendAll(t, r.url, [][]int{{0}, {10}, {20}, {55}, {60}, {99}, {120}, {149}})
		if got := p.seen(); len(got) != 1 || got[0] != 8 {
			t.Errorf("batches %v, want one of 8 rows", got)
		}
	})
	t.Run("requests of several rows", func(t *testing.T) {
		p := &probe{Model: openIris(t, 8)}
		r := start(t, p, Config{MaxBatch: 8, BatchDelay: 10 * time.Second})
		sendAll(t, r.url, [][]int{{1, 2, 3}, {140, 70, 7, 77, 17}})
		if got := p.seen(); len(got) != 1 || got[0] != 8 {
			t.Errorf("batches %v, want one of 8 rows", got)
		}
	})
	t.Run("a request that does not fit starts the next batch", func(t *testing.T) {
		p := &probe{Model: openIris(t, 4)}
		r := start(t, p, Config{MaxBatch: 4, BatchDelay: 200 * time.Millisecond})
		sendAll(t, r.url, [][]int{{5, 6, 7}, {8, 9}})
		got := p.seen()
		sort.Ints(got)
		if fmt.Sprint(got) != "[2 3]" {
			t.Errorf("batches %v, want one of 3 rows and one of 2", got)
		}
	})
	t.Run("a request over the batch size runs alone", func(t *testing.T) {
		p := &probe{Model: openIris(t, 4)}
		r := start(t, p, Config{MaxBatch: 4})
		sendAll(t, r.url, [][]int{{0, 11, 22, 33, 44, 55, 66, 77, 88, 99}})
		if got := p.seen(); fmt.Sprint(got) != "[10]" {
			t.Errorf("batches %v, want one of 10 rows (run by Predict in parts of 4)", got)
		}
	})
	t.Run("without delay, the requests waiting are batched", func(t *testing.T) {
		p := &probe{Model: openIris(t, 32), gate: make(chan struct{}), entered: make(chan int, 10)}
		r := start(t, p, Config{BatchDelay: 0})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); sendAll(t, r.url, [][]int{{3}}) }()
		<-p.entered // the first request holds the worker
		wg.Add(1)
		go func() { defer wg.Done(); sendAll(t, r.url, [][]int{{30}, {31, 32}, {33}, {34}, {35}}) }()
		waitFor(t, "five requests waiting", func() bool { return r.s.waiting.Load() == 5 })
		close(p.gate)
		wg.Wait()
		if got := p.seen(); fmt.Sprint(got) != "[1 6]" {
			t.Errorf("batches %v, want [1 6]", got)
		}
	})
	t.Run("max batch 1 turns batching off", func(t *testing.T) {
		p := &probe{Model: openIris(t, 1)}
		r := start(t, p, Config{MaxBatch: 1, BatchDelay: 10 * time.Second})
		sendAll(t, r.url, [][]int{{0}, {1}, {2}, {3}, {4}, {5}})
		if got := p.seen(); fmt.Sprint(got) != "[1 1 1 1 1 1]" {
			t.Errorf("batches %v, want six of one row", got)
		}
	})
	t.Run("workers run batches at once", func(t *testing.T) {
		p := &probe{Model: openIris(t, 32), gate: make(chan struct{}), entered: make(chan int, 10)}
		wm := &cloneProbe{probe: p}
		r := start(t, wm, Config{Workers: 2, MaxBatch: 1})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); sendAll(t, r.url, [][]int{{12}, {13}}) }()
		<-p.entered
		<-p.entered // both workers are in Predict at once
		close(p.gate)
		wg.Wait()
	})
}

// cloneProbe clones to itself, so that every worker's calls are probed.
type cloneProbe struct{ *probe }

func (c *cloneProbe) Clone() (Model, error) { return c, nil }

// TestShutdownDrains: once Serve's context ends, the server takes no new
// connections but answers the requests in flight (the one running and
// the one waiting for a batch) before Serve returns.
func TestShutdownDrains(t *testing.T) {
	p := &probe{Model: openIris(t, 32), gate: make(chan struct{}), entered: make(chan int, 10)}
	r := start(t, p, Config{MaxBatch: 1})
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); sendAll(t, r.url, [][]int{{42}}) }()
	<-p.entered
	go func() { defer wg.Done(); sendAll(t, r.url, [][]int{{43}}) }()
	waitFor(t, "a request waiting", func() bool { return r.s.waiting.Load() == 1 })

	r.stop()
	addr := strings.TrimPrefix(r.url, "http://")
	waitFor(t, "the listener to close", func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	select {
	case err := <-r.done:
		t.Fatalf("Serve returned (%v) with two requests in flight", err)
	default:
	}
	close(p.gate)
	wg.Wait() // both answered, each with its own answer (sendAll checks)
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
		r.done <- err // for the cleanup
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the requests in flight were answered")
	}
	if got := p.seen(); len(got) != 2 {
		t.Errorf("batches %v, want both requests run", got)
	}
}

// TestShutdownCutsOffAfterDrainTimeout: a request that outlasts the drain
// timeout is cut off and Serve says so.
func TestShutdownCutsOffAfterDrainTimeout(t *testing.T) {
	p := &probe{Model: openIris(t, 32), gate: make(chan struct{}), entered: make(chan int, 10)}
	r := start(t, p, Config{DrainTimeout: 100 * time.Millisecond})
	go func() {
		resp, err := client.Post(r.url+"/v1/models/iris:predict", "application/json", strings.NewReader(instances(iris(t).iris.Row(0))))
		if err == nil {
			resp.Body.Close()
		}
	}()
	<-p.entered
	r.stop()
	var err error
	select {
	case err = <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the drain timeout")
	}
	if err == nil || !strings.Contains(err.Error(), "still in flight after 100ms") {
		t.Errorf("Serve: %v", err)
	}
	close(p.gate)
	r.done <- err
}
