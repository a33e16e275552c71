// Package onnxtest runs exported ONNX files in a real ONNX Runtime (the
// onnxruntime-node package under Node.js, through onnx/testdata/run.mjs)
// and through the ONNX checker (Debian's python3-onnx), for the tests of
// package onnx and of the commands' -onnx flags.
//
// The runtime is looked for in the folder GRADGRAPH_ONNXRUNTIME names, by
// default $HOME/.cache/gradgraph/onnx, where `make onnx-deps` installs it.
// Where Node, the runtime or the checker is missing, tests skip with one
// line naming what is missing and how to install it; with
// GRADGRAPH_ONNX_REQUIRED=1 (as .ci/run sets it) they fail instead, so CI
// never skips silently.
package onnxtest

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/train"
)

// Runtime is ONNX Runtime reached through Node.
type Runtime struct {
	Node   string // the node executable
	Dir    string // the folder holding node_modules/onnxruntime-node
	Script string // run.mjs
}

// Install is the command that installs the runtime and the checker.
const Install = "make onnx-deps"

// Dir is where the runtime is looked for: $GRADGRAPH_ONNXRUNTIME, else
// $HOME/.cache/gradgraph/onnx.
func Dir() string {
	if d := os.Getenv("GRADGRAPH_ONNXRUNTIME"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "gradgraph-onnx")
	}
	return filepath.Join(home, ".cache", "gradgraph", "onnx")
}

// Find locates Node, the runtime and run.mjs; on failure the string says
// what is missing and how to install it, in one line.
func Find() (*Runtime, string) {
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "node (Node.js) not found on PATH: apt-get install nodejs npm, then " + Install
	}
	dir := Dir()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "onnxruntime-node", "package.json")); err != nil {
		return nil, "ONNX Runtime (onnxruntime-node) not found in " + dir + ": " + Install
	}
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return nil, "run.mjs: cannot locate the onnxtest package's source"
	}
	script := filepath.Join(filepath.Dir(file), "..", "testdata", "run.mjs")
	if _, err := os.Stat(script); err != nil {
		return nil, "run.mjs not found at " + script
	}
	return &Runtime{Node: node, Dir: dir, Script: script}, ""
}

// Required reports whether a missing tool fails tests instead of skipping
// them (GRADGRAPH_ONNX_REQUIRED=1, set by .ci/run).
func Required() bool { return os.Getenv("GRADGRAPH_ONNX_REQUIRED") == "1" }

// Need returns the runtime, or skips the test with one line (fails it
// when Required).
func Need(t testing.TB) *Runtime {
	t.Helper()
	r, why := Find()
	if r == nil {
		missing(t, why)
	}
	return r
}

func missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("onnx: %s (GRADGRAPH_ONNX_REQUIRED=1)", why)
	}
	t.Skipf("onnx: %s", why)
}

// Tensor is a float32 tensor: its dimensions (the batch first) and its
// values, row-major.
type Tensor struct {
	Dims []int
	Data []float32
}

// Job is one model run on one set of inputs.
type Job struct {
	Model  string
	Inputs map[string]Tensor
	// Optimization is ONNX Runtime's graph optimisation level: "all" when
	// empty, or "disabled", "basic", "extended".
	Optimization string
}

// Result is what the runtime gave for a job: the session's input and
// output names and the outputs, or the error it reported.
type Result struct {
	InputNames, OutputNames []string
	Outputs                 map[string]Tensor
	Error                   string
}

type wireTensor struct {
	Type string `json:"type,omitempty"`
	Dims []int  `json:"dims"`
	Data string `json:"data"`
}

type wireJob struct {
	Model        string                `json:"model"`
	Inputs       map[string]wireTensor `json:"inputs"`
	Optimization string                `json:"optimization,omitempty"`
}

type wireResult struct {
	InputNames  []string              `json:"inputNames"`
	OutputNames []string              `json:"outputNames"`
	Outputs     map[string]wireTensor `json:"outputs"`
	Error       string                `json:"error"`
}

func encode(v []float32) string {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return base64.StdEncoding.EncodeToString(b)
}

func decode(s string) ([]float32, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if len(b)%4 != 0 {
		return nil, errors.Errorf("%d bytes is not a float32 array", len(b))
	}
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, nil
}

// Run runs the jobs in one Node process, in order.
func (r *Runtime) Run(jobs []Job) ([]Result, error) {
	dir, err := os.MkdirTemp("", "onnxtest-")
	if err != nil {
		return nil, errors.Wrap(err, "onnxtest")
	}
	defer os.RemoveAll(dir)
	wj := make([]wireJob, len(jobs))
	for i, j := range jobs {
		wj[i] = wireJob{Model: j.Model, Inputs: map[string]wireTensor{}, Optimization: j.Optimization}
		for name, t := range j.Inputs {
			wj[i].Inputs[name] = wireTensor{Dims: t.Dims, Data: encode(t.Data)}
		}
	}
	b, err := json.Marshal(wj)
	if err != nil {
		return nil, errors.Wrap(err, "onnxtest")
	}
	in, out := filepath.Join(dir, "jobs.json"), filepath.Join(dir, "results.json")
	if err := os.WriteFile(in, b, 0o600); err != nil {
		return nil, errors.Wrap(err, "onnxtest")
	}
	cmd := exec.Command(r.Node, r.Script, in, out)
	cmd.Env = append(os.Environ(), "GRADGRAPH_ONNXRUNTIME="+r.Dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, errors.Wrapf(err, "onnxtest: node %s: %s", r.Script, strings.TrimSpace(string(msg)))
	}
	b, err = os.ReadFile(out)
	if err != nil {
		return nil, errors.Wrap(err, "onnxtest")
	}
	var wr []wireResult
	if err := json.Unmarshal(b, &wr); err != nil {
		return nil, errors.Wrap(err, "onnxtest: results")
	}
	if len(wr) != len(jobs) {
		return nil, errors.Errorf("onnxtest: %d results for %d jobs", len(wr), len(jobs))
	}
	res := make([]Result, len(wr))
	for i, w := range wr {
		res[i] = Result{InputNames: w.InputNames, OutputNames: w.OutputNames, Error: w.Error, Outputs: map[string]Tensor{}}
		for name, t := range w.Outputs {
			if t.Type != "float32" {
				return nil, errors.Errorf("onnxtest: job %d: output %q is %s, want float32", i, name, t.Type)
			}
			v, err := decode(t.Data)
			if err != nil {
				return nil, errors.Wrapf(err, "onnxtest: job %d: output %q", i, name)
			}
			res[i].Outputs[name] = Tensor{Dims: t.Dims, Data: v}
		}
	}
	return res, nil
}

// Checker is a Python interpreter that can import onnx.
type Checker struct{ Python string }

// FindChecker looks for a Python with the onnx package: $GRADGRAPH_ONNX_PYTHON,
// Debian's /usr/bin/python3 (python3-onnx), then python3 on PATH.
func FindChecker() (*Checker, string) {
	var tries []string
	if p := os.Getenv("GRADGRAPH_ONNX_PYTHON"); p != "" {
		tries = append(tries, p)
	}
	tries = append(tries, "/usr/bin/python3")
	if p, err := exec.LookPath("python3"); err == nil {
		tries = append(tries, p)
	}
	for _, p := range tries {
		if exec.Command(p, "-c", "import onnx.checker").Run() == nil {
			return &Checker{Python: p}, ""
		}
	}
	return nil, "the ONNX checker (Python's onnx package) not found: apt-get install python3-onnx, or " + Install
}

// NeedChecker returns the checker, or skips (fails when Required).
func NeedChecker(t testing.TB) *Checker {
	t.Helper()
	c, why := FindChecker()
	if c == nil {
		missing(t, why)
	}
	return c
}

const checkScript = `
import sys, onnx
for p in sys.argv[1:]:
    m = onnx.load(p)
    try:
        onnx.checker.check_model(m, full_check=True)
    except Exception as e:
        print(p + ": " + str(e).strip().replace("\n", " "))
        sys.exit(1)
`

// Check runs onnx.checker.check_model (full_check: with strict shape
// inference) on each file.
func (c *Checker) Check(paths ...string) error {
	out, err := exec.Command(c.Python, append([]string{"-c", checkScript}, paths...)...).CombinedOutput()
	if err != nil {
		return errors.Errorf("onnx checker: %s: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Agreement is how an ONNX file's outputs compare with Predict's on the
// same samples.
type Agreement struct {
	Samples int
	// MaxError is the largest |ONNX − Predict| over every output value,
	// relative to the largest |Predict| value.
	MaxError float64
	// ClassesDiffer counts the samples whose argmax differs.
	ClassesDiffer int
}

// MatchPredict runs the ONNX file of tr's model (one input, one output) on
// n random samples (normal, seeded) and compares its outputs with
// tr.Predict's on the same samples.
func (r *Runtime) MatchPredict(path string, tr *train.Trainer, n int, seed int64) (Agreement, error) {
	m := tr.NN()
	if len(m.InputNames()) != 1 || len(m.OutputNames()) != 1 {
		return Agreement{}, errors.Errorf("onnxtest: model %q has %d inputs and %d outputs, want 1 and 1", m.Name, len(m.InputNames()), len(m.OutputNames()))
	}
	width := m.InputWidth()
	rng := rand.New(rand.NewSource(seed))
	x := make([]float32, n*width)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	ds, err := data.NewDataset("onnxtest", x, width, nil, 0, nil)
	if err != nil {
		return Agreement{}, err
	}
	want, err := tr.Predict(ds, 32)
	if err != nil {
		return Agreement{}, err
	}
	res, err := r.Run([]Job{{Model: path, Inputs: map[string]Tensor{m.InputNames()[0]: {Dims: append([]int{n}, m.InputShape()...), Data: x}}}})
	if err != nil {
		return Agreement{}, err
	}
	if res[0].Error != "" {
		return Agreement{}, errors.Errorf("onnxtest: ONNX Runtime: %s", res[0].Error)
	}
	got, ok := res[0].Outputs[m.OutputNames()[0]]
	if !ok {
		return Agreement{}, errors.Errorf("onnxtest: no output %q from the runtime (it has %v)", m.OutputNames()[0], res[0].OutputNames)
	}
	w := m.OutputWidth()
	if len(got.Data) != n*w {
		return Agreement{}, errors.Errorf("onnxtest: %d output values, want %d", len(got.Data), n*w)
	}
	a := Agreement{Samples: n}
	var scale, diff float64
	for i, row := range want {
		g := got.Data[i*w : (i+1)*w]
		gi, wi := 0, 0
		for j := range row {
			scale = math.Max(scale, math.Abs(float64(row[j])))
			diff = math.Max(diff, math.Abs(float64(g[j])-float64(row[j])))
			if g[j] > g[gi] {
				gi = j
			}
			if row[j] > row[wi] {
				wi = j
			}
		}
		if gi != wi {
			a.ClassesDiffer++
		}
	}
	a.MaxError = diff
	if scale > 0 {
		a.MaxError = diff / scale
	}
	return a, nil
}
