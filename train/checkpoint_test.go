package train

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
		if back.Epoch() != 3 || back.Optimizer.Name() != tr.Optimizer.Name() || back.Model.Summary() != tr.Model.Summary() {
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
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"empty file", nil, "too short"},
		{"truncated to half", good[:len(good)/2], "truncated"},
		{"last byte cut", good[:len(good)-1], "checksum mismatch"},
		{"truncated inside the prefix", good[:15], "too short"},
		{"one bit flipped", flip, "checksum mismatch"},
		{"not a checkpoint", append([]byte("PK\x03\x04 zip file"), make([]byte, 60)...), "not a gradgraph checkpoint"},
		{"future version", craft(2, hdr(model, okTensors), make([]byte, 36)), "format version 2, this gradgraph reads version 1"},
		{"header longer than the file", hugeHeader, "does not fit"},
		{"header not JSON", craft(1, "{not json", nil), "header"},
		{"unknown header field", craft(1, `{"format":"gradgraph-checkpoint","exec":"rm -rf /"}`, nil), `unknown field "exec"`},
		{"tensor larger than the data", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24}`), make([]byte, 8)), "do not match shape"},
		{"size disagrees with shape", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":20}`), make([]byte, 24)), "do not match shape"},
		{"shape overflows", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[65536,65536,65536],"offset":0,"size":4}`), make([]byte, 4)), "has shape"},
		{"negative offset", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[1],"offset":-4,"size":4}`), make([]byte, 4)), "do not match shape"},
		{"overlapping tensors", craft(1, hdr(model, `{"name":"a","dtype":"float32","shape":[2],"offset":0,"size":8},{"name":"b","dtype":"float32","shape":[2],"offset":4,"size":8}`), make([]byte, 12)), "overlaps"},
		{"unknown dtype", craft(1, hdr(model, `{"name":"d/kernel","dtype":"int64","shape":[1],"offset":0,"size":8}`), make([]byte, 8)), `dtype "int64"`},
		{"missing tensor", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24}`), make([]byte, 40)), `no tensor "d/bias"`},
		{"tensor of the wrong shape", craft(1, hdr(model, `{"name":"d/kernel","dtype":"float32","shape":[3,2],"offset":0,"size":24},{"name":"d/bias","dtype":"float32","shape":[1,3],"offset":24,"size":12}`), make([]byte, 36)), "has shape [3 2], want [2 3]"},
		{"unknown layer type", craft(1, hdr(`{"name":"m","input":2,"layers":[{"type":"Lambda","name":"x"}]}`, okTensors), make([]byte, 36)), `unknown layer type "Lambda"`},
		{"unknown optimizer", craft(1, strings.Replace(hdr(model, okTensors), `"Adam"`, `"Adagrad"`, 1), make([]byte, 36)), `unknown optimizer "Adagrad"`},
		{"architecture larger than the file", craft(1, hdr(`{"name":"m","input":100000,"layers":[{"type":"Dense","name":"d","units":1000000000}]}`, okTensors), make([]byte, 36)), "100000×1000000000 weights is too many"},
		{"more weights than bytes", craft(1, hdr(`{"name":"m","input":1000,"layers":[{"type":"Dense","name":"d","units":1000}]}`, okTensors), make([]byte, 36)), "declares 1001000 weights, the file holds 36 bytes"},
		{"unknown loss", craft(1, strings.Replace(hdr(model, okTensors), "sparse_categorical_crossentropy", "hinge", 1), make([]byte, 36)), `unknown loss "hinge"`},
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
	}
	// The crafted happy path loads, so the cases above fail for their own reason.
	path := filepath.Join(dir, "ok.ckpt")
	os.WriteFile(path, craft(1, hdr(model, okTensors), make([]byte, 36)), 0o644)
	if _, err := Load(path); err != nil {
		t.Errorf("crafted valid checkpoint: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing.ckpt")); err == nil || !strings.Contains(err.Error(), "missing.ckpt") {
		t.Errorf("missing file: %v", err)
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
	if err == nil || !strings.Contains(err.Error(), "layer 0 is") || !strings.Contains(err.Error(), "Units:16") {
		t.Errorf("error %v", err)
	}
	same, _ := blobModel(9)
	if err := same.LoadWeights(path); err != nil {
		t.Fatal(err)
	}
	if same.Model.Params()[0].At(0) != tr.Model.Params()[0].At(0) {
		t.Error("LoadWeights did not set the weights")
	}
}
