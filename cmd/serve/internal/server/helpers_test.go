package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

var tmpDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "serve-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tmpDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// irisFixture is a small Iris classifier trained, saved with tr.Save and
// loaded back, with the standardised data set and each sample's answer
// from Predict on that sample alone.
type irisFixture struct {
	path  string
	tr    *train.Trainer // loaded from path
	iris  *data.Dataset
	alone [][]float32 // Predict of each sample alone (a batch of one)
}

var irisOnce = sync.OnceValues(func() (*irisFixture, error) {
	iris, err := data.Iris()
	if err != nil {
		return nil, err
	}
	var sc data.StandardScaler
	if err := sc.FitTransform(iris); err != nil {
		return nil, err
	}
	m := nn.Sequential("iris", nn.Dense(16, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(3, nn.Softmax))
	if err := m.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		return nil, err
	}
	tr, err := train.Compile(m, train.Adam(1e-2), train.SparseCategoricalCrossentropy(), train.Accuracy())
	if err != nil {
		return nil, err
	}
	if _, err := tr.Fit(iris, train.FitOptions{Epochs: 10, BatchSize: 16, Seed: 1}); err != nil {
		return nil, err
	}
	path := filepath.Join(tmpDir, "iris.ckpt")
	if err := tr.Save(path); err != nil {
		return nil, err
	}
	if tr, err = train.Load(path); err != nil {
		return nil, err
	}
	f := &irisFixture{path: path, tr: tr, iris: iris}
	for i := 0; i < iris.Len(); i++ {
		p, err := predictAlone(tr, iris.Row(i))
		if err != nil {
			return nil, err
		}
		f.alone = append(f.alone, p)
	}
	return f, nil
})

func iris(t testing.TB) *irisFixture {
	t.Helper()
	f, err := irisOnce()
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// predictAlone is tr.Predict on one sample.
func predictAlone(tr *train.Trainer, x []float32) ([]float32, error) {
	d, err := data.NewDataset("one", x, len(x), nil, 0, nil)
	if err != nil {
		return nil, err
	}
	p, err := tr.Predict(d, 1)
	if err != nil {
		return nil, err
	}
	return p[0], nil
}

// openIris is the fixture's checkpoint opened as the server opens it.
func openIris(t testing.TB, chunk int) Model {
	t.Helper()
	m, err := Open(iris(t).path, chunk)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// running is a server under test, serving on loopback.
type running struct {
	s    *Server
	url  string // http://127.0.0.1:port
	stop context.CancelFunc
	done chan error // Serve's result
}

// start serves m with cfg on a loopback port until the test ends.
func start(t testing.TB, m Model, cfg Config) *running {
	t.Helper()
	if cfg.Name == "" {
		cfg.Name = "iris"
	}
	s, err := New(m, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{s: s, url: "http://" + ln.Addr().String(), stop: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(10 * time.Second):
			t.Error("Serve did not return 10 s after its context ended")
		}
	})
	return r
}

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 0}, Timeout: 30 * time.Second}

// post sends body to the predict endpoint and returns the status and body.
func post(t testing.TB, url, body string) (int, []byte) {
	t.Helper()
	resp, err := client.Post(url+"/v1/models/iris:predict", "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func get(t testing.TB, url string) (int, http.Header, []byte) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// answer is a predict answer of a one-output model, values read back as
// the float32s they were written from.
type answer struct {
	predictions [][]float32
	classes     []int
	hasClasses  bool
}

func decodeAnswer(b []byte) (answer, error) {
	var raw struct {
		Predictions [][]json.Number `json:"predictions"`
		Classes     *[]int          `json:"classes"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return answer{}, fmt.Errorf("%v in %s", err, b)
	}
	var a answer
	for _, row := range raw.Predictions {
		var r []float32
		for _, n := range row {
			v, err := strconv.ParseFloat(string(n), 32)
			if err != nil {
				return answer{}, err
			}
			r = append(r, float32(v))
		}
		a.predictions = append(a.predictions, r)
	}
	if raw.Classes != nil {
		a.classes, a.hasClasses = *raw.Classes, true
	}
	return a, nil
}

// instances writes rows as {"instances": [[...], ...]}, each value as the
// shortest decimal that reads back as the same float32.
func instances(rows ...[]float32) string {
	var b bytes.Buffer
	b.WriteString(`{"instances":[`)
	for i, r := range rows {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(floats(r))
	}
	b.WriteString("]}")
	return b.String()
}

func floats(r []float32) string {
	var b bytes.Buffer
	b.WriteByte('[')
	for j, v := range r {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

// sameBits reports whether a and b hold the same float32s bit for bit.
func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// probe wraps a Model to record the batches it runs, and can hold them
// (gate) or panic.
type probe struct {
	Model
	mu      sync.Mutex
	batches []int         // rows of each Predict call
	gate    chan struct{} // when not nil, Predict waits for it to close
	entered chan int      // when not nil, told each call's rows on entry
	panics  bool
}

func (p *probe) Predict(x []float32, rows int) ([]float32, error) {
	p.mu.Lock()
	p.batches = append(p.batches, rows)
	gate, entered, panics := p.gate, p.entered, p.panics
	p.mu.Unlock()
	if entered != nil {
		entered <- rows
	}
	if gate != nil {
		<-gate
	}
	if panics {
		panic("probe: a bug in the model")
	}
	return p.Model.Predict(x, rows)
}

func (p *probe) seen() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]int(nil), p.batches...)
}
