package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
)

// splitCheckpoint returns a checkpoint's header JSON and tensor data.
func splitCheckpoint(t testing.TB, raw []byte) (head, data []byte) {
	t.Helper()
	hlen := binary.LittleEndian.Uint64(raw[12:20])
	return raw[ckptPrefix : ckptPrefix+hlen], raw[ckptPrefix+hlen : len(raw)-32]
}

// trainedCheckpoint is blobModel (Dense, BatchNorm, Dropout, Dense, Adam)
// after one epoch, so that it holds moving statistics and Adam state.
func trainedCheckpoint(t testing.TB) []byte {
	t.Helper()
	tr, err := blobModel(1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	raw, err := tr.encode()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// loadBytes writes raw to a file called bad.ckpt and loads it.
func loadBytes(t *testing.T, raw []byte) (string, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bad.ckpt")
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	return path, err
}

// wantCorrupt fails unless err is ErrCorrupt, names path and says want.
func wantCorrupt(t *testing.T, name string, err error, path, want string) {
	t.Helper()
	if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: error %v, want ErrCorrupt naming %s and containing %q", name, err, path, want)
	}
}

// Issue 11: bytes after the last tensor, bytes after the header JSON and
// tensors no param uses were accepted.
func TestLoadRejectsExtraBytesAndTensors(t *testing.T) {
	raw := trainedCheckpoint(t)
	head, data := splitCheckpoint(t, raw)
	var h map[string]any
	if err := json.Unmarshal(head, &h); err != nil {
		t.Fatal(err)
	}
	withTensor := func(name string) string {
		h2 := map[string]any{}
		for k, v := range h {
			h2[k] = v
		}
		h2["tensors"] = append(append([]any(nil), h["tensors"].([]any)...),
			map[string]any{"name": name, "dtype": "float32", "shape": []int{2}, "offset": len(data), "size": 8})
		b, err := json.Marshal(h2)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	moreData := append(append([]byte(nil), data...), make([]byte, 8)...)
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"trailing bytes", craft(1, string(head), append(append([]byte(nil), data...), 1, 2, 3)), "3 trailing bytes after the last tensor"},
		{"space after the header JSON", craft(1, string(head)+" ", data), "1 bytes after the header JSON"},
		{"second JSON value after the header", craft(1, string(head)+"{}", data), "2 bytes after the header JSON"},
		{"extra tensor", craft(1, withTensor("extra"), moreData), `tensor "extra" belongs to no param`},
		{"optimiser state of no param", craft(1, withTensor("optimizer/nothing/0"), moreData), `tensor "optimizer/nothing/0" belongs to no param`},
	}
	for _, c := range cases {
		path, err := loadBytes(t, c.raw)
		wantCorrupt(t, c.name, err, path, c.want)
	}
	// LoadWeights keeps the optimiser state but refuses the rest.
	tr, _ := blobModel(2)
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "bad.ckpt")
		os.WriteFile(path, c.raw, 0o644)
		wantCorrupt(t, "LoadWeights: "+c.name, tr.LoadWeights(path), path, c.want)
	}
	// The untouched file loads both ways, so each case fails for its own
	// reason.
	if _, err := loadBytes(t, craft(1, string(head), data)); err != nil {
		t.Errorf("resealed valid checkpoint: %v", err)
	}
	path := filepath.Join(t.TempDir(), "ok.ckpt")
	os.WriteFile(path, raw, 0o644)
	if err := tr.LoadWeights(path); err != nil {
		t.Errorf("LoadWeights of a valid checkpoint with optimiser state: %v", err)
	}
}

// Issue 11 item 3: NaN and infinite weights, moving statistics and
// optimiser state were loaded.
func TestLoadRejectsNonFiniteWeights(t *testing.T) {
	raw := trainedCheckpoint(t)
	head, data := splitCheckpoint(t, raw)
	var h checkpointHeader
	if err := json.Unmarshal(head, &h); err != nil {
		t.Fatal(err)
	}
	find := func(suffix string) tensorEntry {
		for _, e := range h.Tensors {
			if strings.HasSuffix(e.Name, suffix) {
				return e
			}
		}
		t.Fatalf("no tensor named *%s in %v", suffix, h.Tensors)
		return tensorEntry{}
	}
	cases := []struct {
		tensor string
		elem   int
		v      float64
	}{
		{"dense/kernel", 5, math.NaN()},
		{"dense_1/bias", 0, math.Inf(1)},
		{"moving_variance", 3, math.Inf(-1)},
		{"moving_mean", 0, math.NaN()},
		{"optimizer/dense/kernel/1", 7, math.NaN()},
	}
	for _, c := range cases {
		e := find(c.tensor)
		if e.DType != "float32" {
			t.Fatalf("%s is %s", e.Name, e.DType)
		}
		bad := append([]byte(nil), data...)
		binary.LittleEndian.PutUint32(bad[e.Offset+4*int64(c.elem):], math.Float32bits(float32(c.v)))
		path, err := loadBytes(t, craft(1, string(head), bad))
		wantCorrupt(t, e.Name, err, path, `tensor "`+e.Name+`"`)
		if err != nil && !strings.Contains(err.Error(), "finite") {
			t.Errorf("%s: error %v does not say the weights must be finite", e.Name, err)
		}
	}
}

// Issue 11 item 4: a header over the cap was reported as not fitting the
// file; now it is too large, whatever the file's size.
func TestLoadRejectsHeaderOverCap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.ckpt")
	var prefix bytes.Buffer
	prefix.WriteString(ckptMagic)
	binary.Write(&prefix, binary.LittleEndian, uint32(ckptVersion))
	binary.Write(&prefix, binary.LittleEndian, uint64(maxHeader+1))
	if err := os.WriteFile(path, prefix.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Room for the header, a tensor and the checksum, mostly a hole.
	if err := os.Truncate(path, ckptPrefix+maxHeader+1+64); err != nil {
		t.Skip("cannot extend a file:", err)
	}
	_, err := Load(path)
	wantCorrupt(t, "header over the cap", err, path, "header of 16777217 bytes is too large")
}

// Issue 11 item 5: a file may declare any number of weightless layers, and
// building the graph takes time quadratic in its depth (a minute for
// 20,000). The layer count is capped, in Load and in Save.
func TestLoadRejectsTooManyLayers(t *testing.T) {
	hdr := func(layers int) string {
		var b strings.Builder
		b.WriteString(`{"format":"gradgraph-checkpoint","model":{"name":"m","input":2,"dtype":"float32","layers":[`)
		for i := 0; i < layers; i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"type":"Activation","name":"a` + strconv.Itoa(i) + `","activation":"relu"}`)
		}
		b.WriteString(`]},"compile":{"loss":"mean_squared_error","metrics":[]},"optimizer":{"name":"SGD","config":{"learning_rate":0.01,"momentum":0,"nesterov":0},"iterations":0,"slots":1},"epoch":0,"tensors":[]}`)
		return b.String()
	}
	for _, n := range []int{MaxCheckpointLayers + 1, 20000} {
		path, err := loadBytes(t, craft(1, hdr(n), nil))
		wantCorrupt(t, "layers", err, path, "more than the 1000 a checkpoint may hold")
	}
	// At the cap the same header loads, so the cases above fail for
	// their count alone.
	if _, err := loadBytes(t, craft(1, hdr(MaxCheckpointLayers), nil)); err != nil {
		t.Errorf("%d layers: %v", MaxCheckpointLayers, err)
	}
	layers := make([]nn.Layer, MaxCheckpointLayers+1)
	for i := range layers {
		layers[i] = nn.Act(nn.ReLU)
	}
	m := nn.Sequential("deep", layers...)
	if err := m.Build(2, nn.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, SGD(0.1), MeanSquaredError())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "deep.ckpt")
	if err := tr.Save(path); err == nil || !strings.Contains(err.Error(), "1001 layers (those of models called as layers included), more than the 1000") {
		t.Errorf("Save of %d layers: %v, want a refusal", len(layers), err)
	}
	if _, err := os.Stat(path); err == nil {
		t.Error("a file was written")
	}
}

// Found by FuzzLoadFieldEdits: a float64 tensor in a float32 model was
// checked for finiteness before its conversion to float32, so 1e300 loaded
// as +Inf (and the trainer then saved a file it could not load).
func TestLoadRejectsWeightsBeyondFloat32(t *testing.T) {
	for _, c := range []struct {
		dtype string
		v     float64
		ok    bool
	}{
		{"float32", 1e300, false},
		{"float32", -math.MaxFloat64, false},
		{"", 1e39, false}, // "" is float32
		{"float32", math.MaxFloat32, true},
		{"float64", 1e300, true},
	} {
		model := `{"name":"m","input":1,"dtype":"` + c.dtype + `","layers":[{"type":"Dense","name":"d","units":1}]}`
		hdr := `{"format":"gradgraph-checkpoint","model":` + model + `,"compile":{"loss":"mean_squared_error","metrics":[]},"optimizer":{"name":"SGD","config":{"learning_rate":0.01,"momentum":0,"nesterov":0},"iterations":0,"slots":1},"epoch":0,"tensors":[{"name":"d/kernel","dtype":"float64","shape":[1,1],"offset":0,"size":8},{"name":"d/bias","dtype":"float64","shape":[1,1],"offset":8,"size":8}]}`
		data := make([]byte, 16)
		binary.LittleEndian.PutUint64(data, math.Float64bits(c.v))
		path, err := loadBytes(t, craft(1, hdr, data))
		if c.ok {
			if err != nil {
				t.Errorf("%q model, weight %v: %v", c.dtype, c.v, err)
			}
			continue
		}
		wantCorrupt(t, c.dtype+" model", err, path, `tensor "d/kernel": element 0 is`)
		if err != nil && !strings.Contains(err.Error(), "beyond float32's range") {
			t.Errorf("%q model, weight %v: %v does not say it is beyond float32's range", c.dtype, c.v, err)
		}
	}
}

// Issue 23: a sealed checkpoint whose input shape had 1,000,000 singleton
// dimensions kept Load busy for 391 s before a 3 MB error, and 200,000
// dimensions under Dropout layers for 36 s. Shapes are capped at nn.MaxRank
// dimensions, refused while the header is read, with a one-line error.
func TestLoadRejectsHostileShapes(t *testing.T) {
	hdr := func(input string, layers string) string {
		return `{"format":"gradgraph-checkpoint","model":{"name":"m","input":` + input + `,"dtype":"float32","layers":[` + layers +
			`]},"compile":{"loss":"mean_squared_error","metrics":[]},"optimizer":{"name":"SGD","config":{"learning_rate":0.01,"momentum":0,"nesterov":0},"iterations":0,"slots":1},"epoch":0,"tensors":[]}`
	}
	ones := func(n int) string {
		return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]"
	}
	dropouts := strings.TrimSuffix(strings.Repeat(`{"type":"Dropout","name":"d","rate":0.5},`, 1), ",")
	for _, c := range []struct {
		name, input, layers, want string
	}{
		{"1,000,000 dimensions", ones(1_000_000), "", "1000000 dimensions, at most 8"},
		{"100,000 dimensions", ones(100_000), "", "100000 dimensions, at most 8"},
		{"200,000 dimensions under Dropout", ones(200_000), dropouts, "200000 dimensions, at most 8"},
		{"9 dimensions", ones(9), "", "9 dimensions, at most 8"},
		{"reshape to 200,000 dimensions", "4", `{"type":"Reshape","name":"r","target_shape":` + ones(200_000) + `}`, "200000 dimensions, at most 8"},
	} {
		path, err := loadBytes(t, craft(1, hdr(c.input, c.layers), nil))
		wantCorrupt(t, c.name, err, path, c.want)
		if err != nil && (len(err.Error()) > 300 || strings.Contains(err.Error(), "\n")) {
			t.Errorf("%s: the error is %d bytes or several lines, want one short line", c.name, len(err.Error()))
		}
	}
	// At the cap the input shape loads (Flatten takes any rank), so the
	// cases above fail for their rank alone.
	if _, err := loadBytes(t, craft(1, hdr(ones(nn.MaxRank), `{"type":"Flatten","name":"f"}`), nil)); err != nil {
		t.Errorf("%d dimensions: %v", nn.MaxRank, err)
	}
}

// TestLoadRejectsTooManyNestedLayers: layers of models called as layers
// count against MaxCheckpointLayers too, however the file nests them.
func TestLoadRejectsTooManyNestedLayers(t *testing.T) {
	// nested(depth, width) is a Sequential of width activations inside depth
	// levels of Sequential models called as layers.
	var nested func(depth, width int, name string) string
	nested = func(depth, width int, name string) string {
		var b strings.Builder
		b.WriteString(`{"name":"` + name + `","input":2,"dtype":"float32","layers":[`)
		if depth == 0 {
			for i := 0; i < width; i++ {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString(`{"type":"Activation","name":"` + name + `_a` + strconv.Itoa(i) + `","activation":"relu"}`)
			}
		} else {
			inner := "m" + strconv.Itoa(depth)
			b.WriteString(`{"type":"Sequential","name":"` + inner + `","model":` + nested(depth-1, width, inner) + `}`)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	hdr := func(model string) string {
		return `{"format":"gradgraph-checkpoint","model":` + model + `,"compile":{"loss":"mean_squared_error","metrics":[]},"optimizer":{"name":"SGD","config":{"learning_rate":0.01,"momentum":0,"nesterov":0},"iterations":0,"slots":1},"epoch":0,"tensors":[]}`
	}
	for _, tc := range []struct {
		name         string
		depth, width int
		want         string
	}{
		{"wide inside one model", 1, MaxCheckpointLayers, "more than the 1000 layers a checkpoint may hold"},
		{"deep nesting", nn.MaxModelNesting + 1, 1, "nested more than 16 deep"},
		{"deeper nesting", 2000, 1, "nested more than 16 deep"},
	} {
		path, err := loadBytes(t, craft(1, hdr(nested(tc.depth, tc.width, "m")), nil))
		wantCorrupt(t, tc.name, err, path, tc.want)
	}
	// At the caps the nested file loads.
	if _, err := loadBytes(t, craft(1, hdr(nested(nn.MaxModelNesting, 10, "m")), nil)); err != nil {
		t.Errorf("a model nested %d deep: %v", nn.MaxModelNesting, err)
	}
}
