package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// TestBatchingKeepsBits: a row's prediction is the same, bit for bit,
// alone and at any place in a batch of any size, for a dense model with
// BatchNorm and for a small convnet, so batching requests together cannot
// change an answer. (The GEMM kernels sum each output in one fixed order
// whatever the batch; a change that blocked rows differently would show
// here.)
func TestBatchingKeepsBits(t *testing.T) {
	f := iris(t)
	for _, batch := range []int{2, 3, 7, 8, 16, 31, 32, 33, 64, 150} {
		p, err := f.tr.Predict(f.iris, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p {
			if !sameBits(p[i], f.alone[i]) {
				t.Fatalf("iris, batch %d: row %d is %v, alone %v", batch, i, p[i], f.alone[i])
			}
		}
	}

	d, err := data.Digits()
	if err != nil {
		t.Fatal(err)
	}
	for i := range d.X {
		d.X[i] /= 16
	}
	idx := make([]int, 120)
	for i := range idx {
		idx[i] = i
	}
	if d, err = d.Take("digits", idx); err != nil {
		t.Fatal(err)
	}
	m := nn.Sequential("conv", nn.Reshape(8, 8, 1), nn.Conv2D(8, 3, nn.ReLU), nn.BatchNorm(), nn.MaxPooling2D(2),
		nn.Flatten(), nn.Dense(24, nn.ReLU), nn.Dense(10, nn.Softmax))
	if err := m.Build(64, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := train.Compile(m, train.Adam(1e-2), train.SparseCategoricalCrossentropy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(d, train.FitOptions{Epochs: 1, BatchSize: 16, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	alone, err := tr.Predict(d, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, batch := range []int{2, 5, 17, 32, 64, 120} {
		p, err := tr.Predict(d, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i := range p {
			if !sameBits(p[i], alone[i]) {
				t.Fatalf("convnet, batch %d: row %d differs from its answer alone", batch, i)
			}
		}
	}
}

func TestPredict(t *testing.T) {
	f := iris(t)
	r := start(t, openIris(t, 32), Config{})
	// Every sample in one request, flat rows.
	rows := make([][]float32, f.iris.Len())
	for i := range rows {
		rows[i] = f.iris.Row(i)
	}
	code, body := post(t, r.url, instances(rows...))
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, body)
	}
	a, err := decodeAnswer(body)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.predictions) != len(rows) || !a.hasClasses || len(a.classes) != len(rows) {
		t.Fatalf("%d predictions, %d classes for %d rows", len(a.predictions), len(a.classes), len(rows))
	}
	want := train.Argmax(f.alone)
	correct := 0
	for i := range rows {
		if !sameBits(a.predictions[i], f.alone[i]) {
			t.Fatalf("row %d: %v, Predict alone %v", i, a.predictions[i], f.alone[i])
		}
		if a.classes[i] != want[i] {
			t.Fatalf("row %d: class %d, argmax %d", i, a.classes[i], want[i])
		}
		if a.classes[i] == f.iris.Label(i) {
			correct++
		}
	}
	if correct < 120 {
		t.Errorf("only %d of 150 classes right: is the model the trained one?", correct)
	}
	// The named form, a signature name, and white space everywhere.
	x := f.iris.Row(7)
	body2 := fmt.Sprintf(` { "signature_name" : "serving_default" , "instances" : [ { "%s" : %s } ] } `, f.tr.Model.InputNames()[0], floats(x))
	code, body = post(t, r.url, body2)
	if code != http.StatusOK {
		t.Fatalf("named instance: status %d: %s", code, body)
	}
	if a, err = decodeAnswer(body); err != nil || !sameBits(a.predictions[0], f.alone[7]) {
		t.Fatalf("named instance: %v %v", a, err)
	}
}

// TestPredictNested: an image model takes each instance nested to its
// shape or flat, with the same answers as Predict.
func TestPredictNested(t *testing.T) {
	img, out := nn.Input("image", 2, 3, 1), (*nn.Tensor)(nil)
	out = nn.Call(nn.Dense(4, nn.Linear), nn.Call(nn.Flatten(), img))
	m, err := nn.NewModel("regress", []*nn.Tensor{img}, []*nn.Tensor{out})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	tr, err := train.Compile(m, train.SGD(0.1), train.MeanSquaredError())
	if err != nil {
		t.Fatal(err)
	}
	sm, err := FromTrainer(tr, 8)
	if err != nil {
		t.Fatal(err)
	}
	if o := sm.Outputs()[0]; o.Classifier {
		t.Error("a linear MSE output is taken for a classifier")
	}
	r := start(t, sm, Config{})
	x := []float32{0.5, -1, 2, 0.25, 3, -0.125}
	want, err := predictAlone(tr, x)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{
		`{"instances": [[[[0.5],[-1],[2]],[[0.25],[3],[-0.125]]]]}`,
		`{"instances": [[0.5,-1,2,0.25,3,-0.125]]}`,
		`{"instances": [[0.5,-1,2,0.25,3,-0.125], [[[0.5],[-1],[2]],[[0.25],[3],[-0.125]]]]}`,
	} {
		code, b := post(t, r.url, body)
		if code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", body, code, b)
		}
		a, err := decodeAnswer(b)
		if err != nil {
			t.Fatal(err)
		}
		if a.hasClasses {
			t.Errorf("%s: a regression model answered classes: %s", body, b)
		}
		for i, p := range a.predictions {
			if !sameBits(p, want) {
				t.Errorf("%s: instance %d: %v, want %v", body, i, p, want)
			}
		}
	}
	for body, msg := range map[string]string{
		`{"instances": [[[0.5,-1,2],[0.25,3,-0.125]]]}`:             "shape [2 3] (6 values) does not fit input shape [2 3 1]",
		`{"instances": [[[[0.5],[-1]],[[0.25],[3]],[[1],[2]]]]}`:    "does not fit input shape [2 3 1]",
		`{"instances": [[[[0.5],[-1],[2],[0.25]],[[3],[-0.125]]]]}`: "ragged nesting: arrays of 4 and 2 at depth 1",
		`{"instances": [[[[0.5],[-1],2],[[0.25],[3],[-0.125]]]]}`:   "ragged nesting: numbers at depths 3 and 2",
		`{"instances": [[[[[0.5]]]]]}`:                              "nested deeper than input shape [2 3 1]",
		`{"instances": [1.5]}`:                                      "does not fit input shape [2 3 1]",
	} {
		code, b := post(t, r.url, body)
		if code != http.StatusBadRequest || !strings.Contains(errorOf(b), msg) {
			t.Errorf("%s: status %d %s, want 400 with %q", body, code, b, msg)
		}
	}
}

// TestPredictSeveralInputsAndOutputs: a model of two inputs takes named
// instances, and answers each output by name, with classes for its
// softmax output only.
func TestPredictSeveralInputsAndOutputs(t *testing.T) {
	a, b := nn.Input("a", 2), nn.Input("b", 3)
	h := nn.Call(nn.Dense(5, nn.ReLU), nn.Call(nn.Concatenate(-1), a, b))
	kl, sl := nn.Dense(3, nn.Softmax), nn.Dense(1, nn.Linear)
	kl.SetName("kind")
	sl.SetName("size")
	kind, size := nn.Call(kl, h), nn.Call(sl, h)
	m, err := nn.NewModel("two", []*nn.Tensor{a, b}, []*nn.Tensor{kind, size})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Init(nn.BuildOptions{Seed: 5}); err != nil {
		t.Fatal(err)
	}
	tr, err := train.CompileOutputs(m, train.Adam(1e-3), map[string]train.Output{
		"kind": {Loss: train.SparseCategoricalCrossentropy()}, "size": {Loss: train.MeanSquaredError()}})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := FromTrainer(tr, 4)
	if err != nil {
		t.Fatal(err)
	}
	r := start(t, sm, Config{})
	xa := [][]float32{{1, -2}, {0.5, 0.25}, {3, 1}}
	xb := [][]float32{{0, 1, 2}, {-1, -0.5, 4}, {2, 2, -2}}
	da, _ := data.NewDataset("a", append(append(append([]float32{}, xa[0]...), xa[1]...), xa[2]...), 2, nil, 0, nil)
	db, _ := data.NewDataset("b", append(append(append([]float32{}, xb[0]...), xb[1]...), xb[2]...), 3, nil, 0, nil)
	j, err := data.Join([]data.Named{{Name: "b", Source: db}, {Name: "a", Source: da}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := tr.Predict(j, 1)
	if err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf(`{"instances": [{"a": %s, "b": %s}, {"b": %s, "a": %s}, {"a": %s, "b": %s}]}`,
		floats(xa[0]), floats(xb[0]), floats(xb[1]), floats(xa[1]), floats(xa[2]), floats(xb[2]))
	code, got := post(t, r.url, body)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, got)
	}
	var ans struct {
		Predictions []map[string][]json.Number
		Classes     []map[string]int
	}
	dec := json.NewDecoder(bytes.NewReader(got))
	dec.UseNumber()
	if err := dec.Decode(&ans); err != nil {
		t.Fatal(err)
	}
	if len(ans.Predictions) != 3 || len(ans.Classes) != 3 {
		t.Fatalf("answer %s", got)
	}
	for i, p := range ans.Predictions {
		var row []float32
		for _, n := range append(p["kind"], p["size"]...) {
			v, _ := strconv.ParseFloat(string(n), 32)
			row = append(row, float32(v))
		}
		if len(p) != 2 || !sameBits(row, want[i]) {
			t.Errorf("instance %d: %v, Predict %v", i, p, want[i])
		}
		if c, ok := ans.Classes[i]["kind"]; !ok || len(ans.Classes[i]) != 1 || c != train.Argmax([][]float32{want[i][:3]})[0] {
			t.Errorf("instance %d: classes %v", i, ans.Classes[i])
		}
	}
	for body, msg := range map[string]string{
		`{"instances": [[1,2,3,4,5]]}`:                            `want an object of the model's 2 inputs by name ("a", "b")`,
		`{"instances": [{"a": [1,2]}]}`:                           `input "b" is missing`,
		`{"instances": [{"a": [1,2], "b": [1,2,3], "c": [1]}]}`:   `"c" is not an input of the model`,
		`{"instances": [{"a": [1,2], "a": [1,2], "b": [1,2,3]}]}`: `input "a" given twice`,
		`{"instances": [{"a": [1,2,3], "b": [1,2,3]}]}`:           `instance 0: input "a": more than the 2 values`,
	} {
		code, b := post(t, r.url, body)
		if code != http.StatusBadRequest || !strings.Contains(errorOf(b), msg) {
			t.Errorf("%s: status %d %s, want 400 with %q", body, code, b, msg)
		}
	}
	_, _, meta := get(t, r.url+"/v1/models/iris")
	if !strings.Contains(string(meta), `"outputs":[{"name":"kind","shape":[3],"classifier":true},{"name":"size","shape":[1]}]`) {
		t.Errorf("metadata %s", meta)
	}
}

func TestMetadataAndHealth(t *testing.T) {
	r := start(t, openIris(t, 32), Config{MaxRows: 77, MaxBatch: 9})
	for _, path := range []string{"/v1/models/iris", "/v1/models/iris/metadata"} {
		code, h, b := get(t, r.url+path)
		var st struct {
			Status []struct {
				Version, State string
				Status         struct {
					ErrorCode string `json:"error_code"`
				}
			} `json:"model_version_status"`
			Metadata struct {
				Name       string
				Inputs     []Tensor
				Outputs    []Tensor
				ClassesKey string `json:"classes_key"`
				MaxRows    int    `json:"max_rows"`
				MaxBatch   int    `json:"max_batch"`
			}
		}
		if err := json.Unmarshal(b, &st); err != nil || code != 200 || h.Get("Content-Type") != "application/json" {
			t.Fatalf("%s: %d %v %s", path, code, err, b)
		}
		md := st.Metadata
		if len(st.Status) != 1 || st.Status[0].State != "AVAILABLE" || st.Status[0].Status.ErrorCode != "OK" ||
			md.Name != "iris" || len(md.Inputs) != 1 || fmt.Sprint(md.Inputs[0].Shape) != "[4]" ||
			len(md.Outputs) != 1 || fmt.Sprint(md.Outputs[0].Shape) != "[3]" || !md.Outputs[0].Classifier ||
			md.Outputs[0].Name != iris(t).tr.Model.OutputNames()[0] || md.Inputs[0].Name != iris(t).tr.Model.InputNames()[0] ||
			md.ClassesKey != "classes" || md.MaxRows != 77 || md.MaxBatch != 9 {
			t.Errorf("%s: %s", path, b)
		}
	}
	code, _, b := get(t, r.url+"/healthz")
	if code != 200 || string(b) != "{\"status\":\"ok\"}\n" {
		t.Errorf("healthz: %d %s", code, b)
	}
}

// TestMetrics: /metrics counts requests by handler and code, and has the
// latency and batch-size histograms, in the text format.
func TestMetrics(t *testing.T) {
	f := iris(t)
	r := start(t, openIris(t, 32), Config{})
	for i := 0; i < 3; i++ {
		if code, b := post(t, r.url, instances(f.iris.Row(i), f.iris.Row(i+1))); code != 200 {
			t.Fatalf("%d %s", code, b)
		}
	}
	post(t, r.url, "{")
	get(t, r.url+"/healthz")
	code, h, b := get(t, r.url+"/metrics")
	if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("%d %v", code, h)
	}
	text := string(b)
	for _, want := range []string{
		`gradgraph_serve_requests_total{handler="predict",code="200"} 3`,
		`gradgraph_serve_requests_total{handler="predict",code="400"} 1`,
		`gradgraph_serve_requests_total{handler="healthz",code="200"} 1`,
		"# TYPE gradgraph_serve_predict_duration_seconds histogram",
		`gradgraph_serve_predict_duration_seconds_bucket{le="+Inf"} 4`,
		"gradgraph_serve_predict_duration_seconds_count 4",
		`gradgraph_serve_batch_rows_bucket{le="1"} 0`,
		`gradgraph_serve_batch_rows_bucket{le="2"} 3`,
		"gradgraph_serve_batch_rows_sum 6",
		"gradgraph_serve_batch_requests_count 3",
		`gradgraph_serve_batch_rows_bucket{le="32"} 3`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("no line %q in\n%s", want, text)
		}
	}
	line := regexp.MustCompile(`^(# (HELP|TYPE) .+|[a-z_]+(\{[a-z]+="[^"]*"(,[a-z]+="[^"]*")*\})? [0-9.e+-]+)$`)
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !line.MatchString(l) {
			t.Errorf("not a text-format line: %q", l)
		}
	}
}

// TestBadRequests: every malformed request gets its 4xx with a one-line
// JSON error, and the server goes on answering.
func TestBadRequests(t *testing.T) {
	f := iris(t)
	r := start(t, openIris(t, 32), Config{MaxRows: 5, MaxBodyBytes: 4096})
	row := floats(f.iris.Row(0))
	cases := []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"bad JSON", "POST", "", `{"instances": [[1,2,3,4]`, 400, "bad JSON"},
		{"not JSON", "POST", "", `instances=1`, 400, "bad JSON"},
		{"trailing data", "POST", "", `{"instances": [` + row + `]} {}`, 400, "data after the request object"},
		{"a number", "POST", "", `3`, 400, "bad JSON"},
		{"unknown field", "POST", "", `{"instances": [` + row + `], "x": 1}`, 400, `unknown field "x"`},
		{"columnar", "POST", "", `{"inputs": [` + row + `]}`, 400, `columnar "inputs" form is not supported`},
		{"signature", "POST", "", `{"signature_name": "other", "instances": [` + row + `]}`, 400, `unknown signature_name "other"`},
		{"no instances", "POST", "", `{}`, 400, `no "instances"`},
		{"null instances", "POST", "", `{"instances": null}`, 400, `no "instances"`},
		{"empty body", "POST", "", ``, 400, "bad JSON"},
		{"instances not an array", "POST", "", `{"instances": {"a": 1}}`, 400, `"instances" must be an array`},
		{"empty instances", "POST", "", `{"instances": []}`, 400, `"instances" is empty`},
		{"short row", "POST", "", `{"instances": [[1,2,3]]}`, 400, "instance 0: shape [3] (3 values) does not fit input shape [4]"},
		{"long row", "POST", "", `{"instances": [` + row + `, [1,2,3,4,5]]}`, 400, "instance 1: more than the 4 values of input shape [4]"},
		{"empty row", "POST", "", `{"instances": [[]]}`, 400, "shape [0] (0 values) does not fit"},
		{"nested too deep", "POST", "", `{"instances": [[[1,2,3,4]]]}`, 400, "nested deeper than input shape [4]"},
		{"string value", "POST", "", `{"instances": [[1,2,"3",4]]}`, 400, "want numbers, found a string"},
		{"NaN string", "POST", "", `{"instances": [[1,2,"NaN",4]]}`, 400, "want numbers, found a string"},
		{"NaN literal", "POST", "", `{"instances": [[1,2,NaN,4]]}`, 400, "bad JSON"},
		{"Infinity literal", "POST", "", `{"instances": [[1,2,Infinity,4]]}`, 400, "bad JSON"},
		{"overflow", "POST", "", `{"instances": [[1,2,1e39,4]]}`, 400, "value 1e39 is not a finite float32"},
		{"negative overflow", "POST", "", `{"instances": [[1,2,-4e38,4]]}`, 400, "value -4e38 is not a finite float32"},
		{"null value", "POST", "", `{"instances": [[1,null,3,4]]}`, 400, "want numbers, found null"},
		{"boolean", "POST", "", `{"instances": [[1,true,3,4]]}`, 400, "want numbers, found a boolean"},
		{"object value", "POST", "", `{"instances": [[1,{},3,4]]}`, 400, "want numbers, found an object"},
		{"wrong input name", "POST", "", `{"instances": [{"nope": ` + row + `}]}`, 400, `"nope" is not an input of the model`},
		{"too many rows", "POST", "", `{"instances": [` + strings.Repeat(row+",", 5) + row + `]}`, 413, "more than 5 instances in one request"},
		{"huge body", "POST", "", `{"instances": [` + strings.Repeat(row+",", 400) + row + `]}`, 413, "the limit is 4096"},
		{"GET predict", "GET", "/v1/models/iris:predict", ``, 405, "method \"GET\": use POST"},
		{"POST metadata", "POST", "/v1/models/iris", `{}`, 405, "use GET"},
		{"other model", "POST", "/v1/models/other:predict", `{}`, 404, `serves model "iris"`},
		{"other verb", "POST", "/v1/models/iris:classify", `{}`, 404, "no such model or endpoint"},
		{"no such path", "GET", "/nope", ``, 404, `no endpoint "/nope"`},
	}
	for _, c := range cases {
		path := c.path
		if path == "" {
			path = "/v1/models/iris:predict"
		}
		req, err := http.NewRequest(c.method, r.url+path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var e struct{ Error string }
		if resp.StatusCode != c.code || json.Unmarshal(b, &e) != nil || !strings.Contains(e.Error, c.msg) ||
			bytes.Count(b, []byte("\n")) != 1 || !bytes.HasSuffix(b, []byte("\n")) || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: status %d, body %q; want %d with an error containing %q on one line", c.name, resp.StatusCode, b, c.code, c.msg)
		}
	}
	// A chunked body (no Content-Length) over the limit.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(`{"instances": [`))
		for i := 0; i < 1000; i++ {
			pw.Write([]byte(row + ","))
		}
		pw.Close()
	}()
	resp, err := client.Post(r.url+"/v1/models/iris:predict", "application/json", pr)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || !strings.Contains(string(b), "body over the limit of 4096 bytes") {
		t.Errorf("chunked huge body: %d %s", resp.StatusCode, b)
	}
	// Still serving.
	if code, b := post(t, r.url, instances(f.iris.Row(0))); code != 200 {
		t.Errorf("after the bad requests: %d %s", code, b)
	}
}

// errorOf is the message of an error answer.
func errorOf(b []byte) string {
	var e struct{ Error string }
	json.Unmarshal(b, &e)
	return e.Error
}

// TestNonFiniteOutput: finite inputs that drive a linear output past
// float32's range get a 422, not a NaN in the JSON.
func TestNonFiniteOutput(t *testing.T) {
	m := nn.Sequential("big", nn.Dense(2, nn.Linear))
	if err := m.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := train.Compile(m, train.SGD(0.1), train.MeanSquaredError())
	if err != nil {
		t.Fatal(err)
	}
	sm, err := FromTrainer(tr, 4)
	if err != nil {
		t.Fatal(err)
	}
	r := start(t, sm, Config{Name: "big"})
	resp, err := client.Post(r.url+"/v1/models/big:predict", "application/json",
		strings.NewReader(`{"instances": [[1, 2], [3e38, -3e38]]}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 422 || !strings.Contains(string(b), "instance 1: output") || !strings.Contains(string(b), "JSON cannot carry") {
		t.Errorf("%d %s", resp.StatusCode, b)
	}
}

// TestSlowClients: a client that sends a body too slowly gets a 408; one
// that never finishes its headers is cut off (there is no request to
// answer); the server serves others meanwhile and after.
func TestSlowClients(t *testing.T) {
	f := iris(t)
	r := start(t, openIris(t, 32), Config{ReadHeaderTimeout: 300 * time.Millisecond, ReadTimeout: 500 * time.Millisecond})
	addr := strings.TrimPrefix(r.url, "http://")

	body, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer body.Close()
	fmt.Fprintf(body, "POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"instances\": [")
	header, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer header.Close()
	fmt.Fprintf(header, "POST /v1/models/iris:predict HTTP/1.1\r\nHost: x\r\n")

	if code, b := post(t, r.url, instances(f.iris.Row(3))); code != 200 {
		t.Errorf("while two clients dawdle: %d %s", code, b)
	}

	body.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(body), nil)
	if err != nil {
		t.Fatalf("slow body: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "not received within 500ms") {
		t.Errorf("slow body: %d %s", resp.StatusCode, b)
	}

	began := time.Now()
	header.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := header.Read(make([]byte, 512))
	if err == nil && n > 0 || time.Since(began) > 4*time.Second {
		t.Errorf("slow headers: read %d bytes, %v after %v; want the connection closed", n, err, time.Since(began))
	}
	if code, b := post(t, r.url, instances(f.iris.Row(4))); code != 200 {
		t.Errorf("after: %d %s", code, b)
	}
}

// TestTimeout: a request the model does not answer within Timeout gets a
// 503; the server answers the next one once the model is free.
func TestTimeout(t *testing.T) {
	f := iris(t)
	p := &probe{Model: openIris(t, 32), gate: make(chan struct{})}
	r := start(t, p, Config{Timeout: 200 * time.Millisecond})
	code, b := post(t, r.url, instances(f.iris.Row(0)))
	if code != 503 || !strings.Contains(string(b), "no answer within the time limit of 200ms") {
		t.Errorf("%d %s", code, b)
	}
	p.mu.Lock()
	close(p.gate)
	p.gate = nil
	p.mu.Unlock()
	code, b = post(t, r.url, instances(f.iris.Row(1)))
	a, err := decodeAnswer(b)
	if code != 200 || err != nil || !sameBits(a.predictions[0], f.alone[1]) {
		t.Errorf("after: %d %s", code, b)
	}
}

// TestModelPanic: a panic in the model fails its batch with a 500, and the
// server keeps serving.
func TestModelPanic(t *testing.T) {
	f := iris(t)
	p := &probe{Model: openIris(t, 32), panics: true}
	r := start(t, p, Config{})
	code, b := post(t, r.url, instances(f.iris.Row(0)))
	if code != 500 || !strings.Contains(string(b), "probe: a bug in the model") {
		t.Errorf("%d %s", code, b)
	}
	p.mu.Lock()
	p.panics = false
	p.mu.Unlock()
	if code, b := post(t, r.url, instances(f.iris.Row(0))); code != 200 {
		t.Errorf("after: %d %s", code, b)
	}
}

func TestOpenAndConfig(t *testing.T) {
	if _, err := Open("model.onnx", 8); err == nil || !strings.Contains(err.Error(), "load model: onnx: import") {
		t.Errorf("missing ONNX file: %v", err)
	}
	if _, err := Open("/nonexistent/m.ckpt", 8); err == nil || !strings.Contains(err.Error(), "load model") {
		t.Errorf("missing file: %v", err)
	}
	for path, want := range map[string]string{"models/iris.ckpt": "iris", "a.b.c": "a.b", "plain": "plain", "/x/.hidden": ""} {
		if got := NameOf(path); got != want {
			t.Errorf("NameOf(%q) = %q, want %q", path, got, want)
		}
	}
	m := openIris(t, 4)
	for _, c := range []struct {
		cfg Config
		msg string
	}{
		{Config{Name: ""}, "model name"},
		{Config{Name: "a b"}, "model name"},
		{Config{Name: "x:predict"}, "model name"},
		{Config{Name: "ok", MaxRows: -1}, "max rows"},
		{Config{Name: "ok", MaxBatch: 5000}, "max batch"},
		{Config{Name: "ok", Workers: -2}, "workers"},
		{Config{Name: "ok", BatchDelay: -time.Second}, "batch delay"},
		{Config{Name: "ok", MaxBodyBytes: 10}, "max body"},
		{Config{Name: "ok", Timeout: -time.Second}, "timeouts"},
		{Config{Name: "ok", Timeout: time.Minute}, "timeout 1m0s: want less than the write timeout, 30s"},
	} {
		if _, err := New(m, c.cfg); err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%+v: %v, want an error about %s", c.cfg, err, c.msg)
		}
	}
	if _, err := FromTrainer(iris(t).tr, 0); err == nil {
		t.Error("FromTrainer with chunk 0: no error")
	}
}
