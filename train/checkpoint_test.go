package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"io/fs"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

func TestSaveLoadEvaluatesBitForBit(t *testing.T) {
	src := blobs(60, 1)
	for _, opt := range []func() Optimizer{
		func() Optimizer { return Adam(0.01) },
		func() Optimizer { return RMSprop(0.01) },
		func() Optimizer { o := SGD(0.05); o.Momentum = 0.9; o.Nesterov = true; return o },
	} {
		tr, _ := blobModel(2)
		tr.Optimizer = opt()
		if _, err := tr.Fit(src, FitOptions{Epochs: 3, BatchSize: 16, Seed: 2}); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "model.ckpt")
		if err := tr.Save(path); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := tr.Evaluate(src, 7)
		b, _ := back.Evaluate(src, 7)
		if a["loss"] != b["loss"] || a["accuracy"] != b["accuracy"] {
			t.Errorf("%s: evaluate %v before saving, %v after loading", tr.Optimizer.Name(), a, b)
		}
		if back.Epoch() != 3 || back.Optimizer.Name() != tr.Optimizer.Name() || back.NN().Summary() != tr.NN().Summary() {
			t.Errorf("%s: loaded epoch %d, optimizer %s", tr.Optimizer.Name(), back.Epoch(), back.Optimizer.Name())
		}
	}
}

// Training resumed from a checkpoint continues exactly as an uninterrupted
// run with the same seed: weights, BatchNorm statistics and optimiser state
// are all restored, and shuffling and dropout depend only on (seed, epoch).
func TestResumeEqualsUninterruptedRun(t *testing.T) {
	src := blobs(90, 3)
	opts := FitOptions{Epochs: 6, BatchSize: 16, ValidationSplit: 0.2, Seed: 5}
	full, _ := blobModel(5)
	hFull, err := full.Fit(src, opts)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := blobModel(5)
	half := opts
	half.Epochs = 3
	if _, err := first.Fit(src, half); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "half.ckpt")
	if err := first.Save(path); err != nil {
		t.Fatal(err)
	}
	resumed, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	rest := opts
	rest.InitialEpoch = resumed.Epoch()
	hRest, err := resumed.Fit(src, rest)
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	hFull.WriteCSV(&a)
	hRest.WriteCSV(&b)
	fullRows := strings.Split(strings.TrimSpace(a.String()), "\n")
	restRows := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(restRows) != 4 || strings.Join(fullRows[4:], "\n") != strings.Join(restRows[1:], "\n") {
		t.Errorf("resumed history differs:\n%s\nuninterrupted:\n%s", b.String(), a.String())
	}
}

// craft builds a checkpoint file around header and data with a valid
// checksum, so that the reader's other checks can be reached.
func craft(version uint32, header string, data []byte) []byte {
	var out bytes.Buffer
	out.WriteString(ckptMagic)
	binary.Write(&out, binary.LittleEndian, version)
	binary.Write(&out, binary.LittleEndian, uint64(len(header)))
	out.WriteString(header)
	out.Write(data)
	sum := sha256.Sum256(out.Bytes())
	out.Write(sum[:])
	return out.Bytes()
}

func TestLoadRejectsBadFiles(t *testing.T) {
	tr, _ := blobModel(1)
	good, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)-40] ^= 1
	hugeHeader := append([]byte(nil), good...)
	binary.LittleEndian.PutUint64(hugeHeader[12:], 1<<40)
	model := `{"name":"m","input":2,"dtype":"float32","layers":[{"type":"Dense","name":"d","units":3,"activation":"softmax"}]}`
	hdr := func(model, tensors string) string {
		return `{"format":"gradgraph-checkpoint","model":` + model + `,"compile":{"loss":"sparse_categorical_crossentropy","metrics":["accuracy"]},"optimizer":{"name":"Adam","config":{"learning_rate":0.01,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-7},"iterations":0,"slots":2},"epoch":0,"tensors":[` + tensors + `]}`
	}
	okTensors := `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24},{"name":"d/bias","dtype":"float32","shape":[1,3],"offset":24,"size":12}`
	// is is the error class callers test; want is the reason, checked
	// too so that each case is shown to be caught by its own check and not
	// by an earlier one.
	cases := []struct {
		name string
		raw  []byte
		want string
		is   error
	}{
		{"empty file", nil, "too short", ErrCorrupt},
		{"truncated to half", good[:len(good)/2], "truncated", ErrCorrupt},
		{"last byte cut", good[:len(good)-1], "truncated", ErrCorrupt},
		{"truncated inside the prefix", good[:15], "too short", ErrCorrupt},
		{"one bit flipped", flip, "checksum mismatch", ErrCorrupt},
		{"not a checkpoint", append([]byte("PK\x03\x04 zip file"), make([]byte, 60)...), "not a gradgraph checkpoint", ErrCorrupt},
		{"future version", craft(2, hdr(model, okTensors), make([]byte, 36)), "format version 2, this gradgraph reads version 1", nil},
		{"header longer than the file", hugeHeader, "does not fit", ErrCorrupt},
		{"header not JSON", craft(1, "{not json", nil), "header", ErrCorrupt},
		{"unknown header field", craft(1, `{"format":"gradgraph-checkpoint","exec":"rm -rf /"}`, nil), `unknown field "exec"`, ErrCorrupt},
		{"tensor larger than the data", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24}`), make([]byte, 8)), "ends past the 8 data bytes", ErrCorrupt},
		{"size disagrees with shape", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":20}`), make([]byte, 24)), "do not match shape", ErrCorrupt},
		{"shape overflows", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[65536,65536,65536],"offset":0,"size":4}`), make([]byte, 4)), "has shape", ErrCorrupt},
		{"negative offset", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[1],"offset":-4,"size":4}`), make([]byte, 4)), "negative offset", ErrCorrupt},
		{"overlapping tensors", craft(1, hdr(model, `{"name":"a","dtype":"float32","shape":[2],"offset":0,"size":8},{"name":"b","dtype":"float32","shape":[2],"offset":4,"size":8}`), make([]byte, 12)), "overlaps", ErrCorrupt},
		{"unknown dtype", craft(1, hdr(model, `{"name":"d/kernel","dtype":"int64","shape":[1],"offset":0,"size":8}`), make([]byte, 8)), `dtype "int64"`, ErrCorrupt},
		{"missing tensor", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24},{"name":"d/bias2","dtype":"float32","shape":[1,3],"offset":24,"size":12}`), make([]byte, 36)), `no tensor "d/bias"`, ErrCorrupt},
		{"tensor of the wrong shape", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[3,2],"offset":0,"size":24},{"name":"d/bias","dtype":"float32","shape":[1,3],"offset":24,"size":12}`), make([]byte, 36)), "has shape [3 2], want [2 3]", ErrCorrupt},
		{"unknown layer type", craft(1, hdr(`{"name":"m","input":2,"layers":[{"type":"Lambda","name":"x"}]}`, okTensors), make([]byte, 36)), `unknown layer type "Lambda"`, nn.ErrUnknownLayer},
		{"unknown optimizer", craft(1, strings.Replace(hdr(model, okTensors), `"Adam"`, `"Adafactor"`, 1), make([]byte, 36)), `unknown optimizer "Adafactor" (registered: `, ErrUnknownOptimizer},
		{"architecture larger than the file", craft(1, hdr(`{"name":"m","input":100000,"layers":[{"type":"Dense","name":"d","units":1000000000}]}`, okTensors), make([]byte, 36)), "100000×1000000000 weights is too many", ErrCorrupt},
		{"more weights than bytes", craft(1, hdr(`{"name":"m","input":1000,"layers":[{"type":"Dense","name":"d","units":1000}]}`, okTensors), make([]byte, 36)), "declares 1001000 or more weights, the file holds 36 bytes", ErrCorrupt},
		// A registered custom layer without ParamCounter is built to be
		// counted: 60,000 inputs are 60,000 scales, more than 36 bytes hold.
		{"custom layer larger than the file", craft(1, hdr(`{"name":"m","input":60000,"layers":[{"type":"TrainTestScale","name":"s"}]}`, okTensors), make([]byte, 36)), "declares 60000 or more weights, the file holds 36 bytes", ErrCorrupt},
		// ... but not for a width that would make building it costly.
		{"custom layer too wide to build", craft(1, hdr(`{"name":"m","input":1048576,"layers":[{"type":"TrainTestScale","name":"s"}]}`, okTensors), make([]byte, 36)), "does not implement nn.ParamCounter", ErrCorrupt},
		{"unregistered custom layer", craft(1, hdr(`{"name":"m","input":2,"layers":[{"type":"Scale","name":"s","options":{"init":1}}]}`, okTensors), make([]byte, 36)), `unknown layer type "Scale"`, nn.ErrUnknownLayer},
		{"unknown loss", craft(1, strings.Replace(hdr(model, okTensors), "sparse_categorical_crossentropy", "hinge", 1), make([]byte, 36)), `unknown loss "hinge"`, ErrCorrupt},
	}
	dir := t.TempDir()
	for _, c := range cases {
		path := filepath.Join(dir, "bad.ckpt")
		if err := os.WriteFile(path, c.raw, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.ckpt") {
			t.Errorf("%s: error %v, want one naming bad.ckpt and containing %q", c.name, err, c.want)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: errors.Is(%v, %v) is false", c.name, err, c.is)
		}
		// A sound file of another version, or of an unregistered layer or
		// optimiser, is not reported as damaged.
		if c.is != ErrCorrupt && errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: %v is ErrCorrupt", c.name, err)
		}
		var ce *CorruptError
		if c.is == ErrCorrupt && (!errors.As(err, &ce) || ce.Path != path) {
			t.Errorf("%s: %v is not a *CorruptError for %s", c.name, err, path)
		}
	}
	// The crafted happy path loads, so the cases above fail for their own reason.
	path := filepath.Join(dir, "ok.ckpt")
	os.WriteFile(path, craft(1, hdr(model, okTensors), make([]byte, 36)), 0o644)
	if _, err := Load(path); err != nil {
		t.Errorf("crafted valid checkpoint: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.ckpt")); !errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "missing.ckpt") {
		t.Errorf("missing file: %v, want fs.ErrNotExist naming missing.ckpt", err)
	}
}

func TestLoadWeightsRejectsAnotherArchitecture(t *testing.T) {
	tr, _ := blobModel(1)
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	other := nn.Sequential("blobs", nn.Dense(32, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(3, nn.Softmax))
	_ = other.Build(2, nn.BuildOptions{})
	ot, _ := Compile(other, Adam(0.1), SparseCategoricalCrossentropy())
	err := ot.LoadWeights(path)
	var ae *ArchitectureError
	if !errors.Is(err, ErrArchitecture) || !errors.As(err, &ae) || ae.Path != path || ae.Model != "blobs" || errors.Is(err, ErrCorrupt) {
		t.Fatalf("error %v, want an *ArchitectureError for %s and model blobs", err, path)
	}
	// The message names the first difference: the point of the message.
	if !strings.Contains(err.Error(), "layer 0 is") || !strings.Contains(err.Error(), `"units":16`) {
		t.Errorf("error %v does not name layer 0's units", err)
	}
	same, _ := blobModel(9)
	if err := same.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	if same.Model.Params()[0].At(0) != tr.Model.Params()[0].At(0) {
		t.Error("LoadWeights did not set the weights")
	}
}

// testScale is a custom layer, y = x·s with a trainable (1, in) s whose
// entries start at the "init" of its settings' options. It does not implement nn.ParamCounter,
// so Load counts its params by building it.
type testScale struct {
	nn.Named
	Init float64
	S    *graph.Param
}

func (l *testScale) Type() string { return "TrainTestScale" }
func (l *testScale) Build(in []int, dt tensor.Dtype, _ *rand.Rand) ([]int, error) {
	var err error
	if l.S, err = graph.NewParam(l.Name()+"/s", dt, true, 1, in[0]); err != nil {
		return nil, err
	}
	v := make([]float64, in[0])
	for i := range v {
		v[i] = l.Init
	}
	return in, l.S.SetFloat64s(v)
}
func (l *testScale) Params() []*graph.Param { return []*graph.Param{l.S} }
func (l *testScale) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	s, err := b.Param(l.S)
	if err != nil {
		return nil, err
	}
	return G.BroadcastHadamardProd(x, s, nil, []byte{0})
}

// testScaleConfig is testScale's settings. They sit under "options", as
// custom layers' settings did before each layer had its own config struct,
// so that files written then (the fuzz seeds) load unchanged.
type testScaleConfig struct {
	Options struct {
		Init float64 `json:"init"`
	} `json:"options"`
}

func (l *testScale) Config() nn.LayerConfig {
	var c testScaleConfig
	c.Options.Init = l.Init
	return nn.NewLayerConfig(l.Type(), l.Name(), c)
}

func init() {
	err := nn.RegisterLayer("TrainTestScale", func(c testScaleConfig) (nn.Layer, error) {
		return &testScale{Init: c.Options.Init}, nil
	})
	if err != nil {
		panic(err)
	}
}

// A trained model with a custom layer saves and loads: its settings,
// weights and optimiser state come back, and it evaluates bit for bit the
// same.
func TestSaveLoadCustomLayer(t *testing.T) {
	src := blobs(60, 4)
	m := nn.Sequential("custom", nn.Dense(8, nn.ReLU), &testScale{Init: 0.5}, nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 3}); err != nil {
		t.Fatal(err)
	}
	tr, _ := Compile(m, Adam(0.01), SparseCategoricalCrossentropy(), Accuracy())
	if _, err := tr.Fit(src, FitOptions{Epochs: 2, BatchSize: 16, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	s := m.Layers[1].(*testScale).S.Float64s()
	if s[0] == 0.5 {
		t.Fatal("training did not move the custom layer's param")
	}
	path := filepath.Join(t.TempDir(), "custom.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	l, ok := back.NN().Layers[1].(*testScale)
	if !ok || l.Init != 0.5 || l.Name() != "train_test_scale" {
		t.Fatalf("layer 1 loaded as %#v", back.NN().Layers[1])
	}
	for i, v := range l.S.Float64s() {
		if v != s[i] {
			t.Fatalf("s[%d] = %v, saved %v", i, v, s[i])
		}
	}
	a, _ := tr.Evaluate(src, 7)
	b, _ := back.Evaluate(src, 7)
	if a["loss"] != b["loss"] || a["accuracy"] != b["accuracy"] {
		t.Errorf("evaluate %v before saving, %v after loading", a, b)
	}
	// Another setting of the custom layer is another architecture.
	other := nn.Sequential("custom", nn.Dense(8, nn.ReLU), &testScale{Init: 2}, nn.Dense(3, nn.Softmax))
	_ = other.Build(2, nn.BuildOptions{})
	ot, _ := Compile(other, Adam(0.01), SparseCategoricalCrossentropy())
	if err := ot.LoadWeights(path); !errors.Is(err, ErrArchitecture) || !strings.Contains(err.Error(), `"init":0.5`) {
		t.Errorf("LoadWeights with init 2: %v, want ErrArchitecture naming init:0.5", err)
	}
}

// unregistered is a layer that describes itself but was never registered.
type unregistered struct{ nn.ActivationLayer }

func (l *unregistered) Type() string { return "Unregistered" }
func (l *unregistered) Config() nn.LayerConfig {
	return nn.LayerConfig{Type: l.Type(), Name: l.Name()}
}

func TestSaveRefusesUnregisteredLayer(t *testing.T) {
	m := nn.Sequential("m", nn.Dense(3, nn.Softmax), &unregistered{ActivationLayer: *nn.Act(nn.Linear)})
	if err := m.Build(2, nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, _ := Compile(m, Adam(0.01), SparseCategoricalCrossentropy())
	path := filepath.Join(t.TempDir(), "m.ckpt")
	err := tr.Save(path)
	if err == nil || !strings.Contains(err.Error(), `type "Unregistered" is not registered`) {
		t.Errorf("error %v, want one saying Unregistered is not registered", err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a file was written")
	}
}

// Issue 11 item 1: a model without params saved, and loading it panicked
// reading the first param's optimiser state.
func TestSaveLoadModelWithoutParams(t *testing.T) {
	src := &memSource{x: []float32{-1, 2, 0.5, -3}, y: []float32{0, 1, 0, 1}, f: 2, tw: 2}
	m := nn.Sequential("act", nn.Act(nn.ReLU), nn.Dropout(0.5))
	if err := m.Build(2, nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, opt := range []Optimizer{Adam(0.01), SGD(0.1), RMSprop(0.01)} {
		tr, err := Compile(m, opt, MeanSquaredError())
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "act.ckpt")
		if err := tr.Save(path); err != nil {
			t.Fatal(err)
		}
		back, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", opt.Name(), err)
		}
		got, err := back.Predict(src, 2)
		if err != nil {
			t.Fatalf("%s: %v", opt.Name(), err)
		}
		// ReLU, then inference-time dropout (the identity).
		want := [][]float32{{0, 2}, {0.5, 0}}
		for i := range want {
			for j := range want[i] {
				if got[i][j] != want[i][j] {
					t.Errorf("%s: prediction %v, want %v", opt.Name(), got, want)
				}
			}
		}
	}
}
