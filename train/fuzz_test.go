package train

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// FuzzLoadCheckpoint feeds arbitrary bytes to the checkpoint reader: it
// must return a trainer or an error, never panic, and never allocate more
// than the input's size calls for. Inputs found to fail are kept in
// testdata/fuzz/FuzzLoadCheckpoint as regression cases. Almost every
// mutation here dies at the checksum; FuzzLoadResealed reaches the parser.
func FuzzLoadCheckpoint(f *testing.F) {
	tr, _ := blobModel(1)
	if _, err := tr.Fit(blobs(30, 1), FitOptions{Epochs: 1, BatchSize: 10, Seed: 1}); err != nil {
		f.Fatal(err)
	}
	good, err := tr.encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("GRADGRPH"))
	model := `{"name":"m","input":2,"dtype":"float32","layers":[{"type":"Dense","name":"d","units":3,"activation":"softmax"}]}`
	hdr := `{"format":"gradgraph-checkpoint","model":` + model + `,"compile":{"loss":"sparse_categorical_crossentropy","metrics":["accuracy"]},"optimizer":{"name":"Adam","config":{"learning_rate":0.01,"beta_1":0.9,"beta_2":0.999,"epsilon":1e-7},"iterations":0,"slots":2},"epoch":0,"tensors":[{"name":"d/kernel","dtype":"float32","shape":[2,3],"offset":0,"size":24},{"name":"d/bias","dtype":"float32","shape":[1,3],"offset":24,"size":12}]}`
	f.Add(craft(1, hdr, make([]byte, 36)))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tr, err := decodeTrainer(raw, "fuzz.ckpt")
		if err != nil {
			return
		}
		// Whatever loads must describe itself and save again.
		if _, err := tr.encode(); err != nil {
			t.Fatalf("loaded checkpoint does not encode: %v", err)
		}
	})
}

// FuzzLoadResealed mutates a checkpoint's header JSON and tensor bytes as
// the fuzzer directs and then seals them as Save does (prefix with the
// header's length, SHA-256 over it all), so that mutations get past the
// checksum to the header parser, the layout checks, the model registry,
// the optimiser state and the graph. Its seed corpus,
// testdata/fuzz/FuzzLoadResealed, holds valid checkpoints of several
// architectures split into (header, data); TestWriteResealedSeeds writes
// them. Whatever loads must be finite, save again, load from that save,
// and predict without panicking.
func FuzzLoadResealed(f *testing.F) {
	f.Fuzz(func(t *testing.T, head, data []byte) {
		checkLoaded(t, craft(1, string(head), data))
	})
}

// checkLoaded loads raw, a sealed checkpoint, and fails if what loads is
// not finite, does not save again, does not load from that save, or panics
// predicting.
func checkLoaded(t *testing.T, raw []byte) {
	tr, err := decodeTrainer(raw, "fuzz.ckpt")
	if err != nil {
		return
	}
	again, err := tr.encode()
	if err != nil {
		t.Fatalf("loaded checkpoint does not encode: %v", err)
	}
	back, err := decodeTrainer(again, "again.ckpt")
	if err != nil {
		t.Fatalf("a loaded checkpoint, saved again, does not load: %v", err)
	}
	for _, p := range back.Model.Params() {
		for i, v := range p.Float64s() {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatalf("param %s[%d] is %v after loading", p.Name, i, v)
			}
		}
	}
	// Predicting builds and runs the graph; a narrow model only, as the
	// width is the header's to choose.
	if mc, err := back.NN().Config(); err == nil && mc.Input.Size() <= 16 {
		x := make([]float32, 2*mc.Input.Size())
		for i := range x {
			x[i] = float32(i%5) - 2
		}
		back.Predict(&memSource{x: x, y: make([]float32, 2), f: mc.Input.Size(), tw: 1}, 2)
	}
}

// FuzzLoadFieldEdits reaches deeper than byte mutations of the header,
// which mostly break its JSON: it takes one of resealedSeeds' checkpoints,
// sets one field of its header (chosen by field, among every leaf of the
// JSON in a fixed order) to a number or a string, flips bits of one data
// byte, re-seals the file and loads it. The invariants are
// FuzzLoadResealed's.
func FuzzLoadFieldEdits(f *testing.F) {
	seeds := resealedSeeds(f)
	names := slices.Sorted(maps.Keys(seeds))
	f.Add(uint8(0), uint16(3), true, 5.0, "", uint32(0), uint8(0))
	f.Add(uint8(1), uint16(10), false, 0.0, "relu", uint32(7), uint8(0x80))
	f.Add(uint8(2), uint16(25), true, -1.0, "", uint32(100), uint8(0))
	f.Add(uint8(3), uint16(1), true, 1e9, "", uint32(0), uint8(0))
	f.Add(uint8(4), uint16(40), false, 0.0, "Dense", uint32(2), uint8(1))
	f.Fuzz(func(t *testing.T, seed uint8, field uint16, useNum bool, num float64, str string, at uint32, flip uint8) {
		head, data := splitCheckpoint(t, seeds[names[int(seed)%len(names)]])
		var h any
		if err := json.Unmarshal(head, &h); err != nil {
			t.Fatal(err)
		}
		var v any = str
		if useNum {
			if math.IsNaN(num) || math.IsInf(num, 0) {
				return // JSON has neither
			}
			v = num
		}
		setLeaf(h, int(field), v)
		edited, err := json.Marshal(h)
		if err != nil {
			t.Fatal(err)
		}
		data = append([]byte(nil), data...)
		if len(data) > 0 {
			data[int(at)%len(data)] ^= flip
		}
		checkLoaded(t, craft(1, string(edited), data))
	})
}

// setLeaf replaces the n-th leaf (modulo their number) of a decoded JSON
// value, in depth-first order with object keys sorted, by v.
func setLeaf(root any, n int, v any) {
	type slot struct{ set func(any) }
	var leaves []slot
	var walk func(x any, set func(any))
	walk = func(x any, set func(any)) {
		switch x := x.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				walk(x[k], func(v any) { x[k] = v })
			}
		case []any:
			for i := range x {
				walk(x[i], func(v any) { x[i] = v })
			}
		default:
			leaves = append(leaves, slot{set})
		}
	}
	walk(root, nil)
	if len(leaves) > 0 {
		leaves[n%len(leaves)].set(v)
	}
}

// resealedSeeds returns valid checkpoints of several architectures,
// dtypes and optimisers, trained or not, by name.
func resealedSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	add := func(name string, m *nn.Model, dt string, opt Optimizer, loss Loss, epochs int, src *memSource) {
		bo := nn.BuildOptions{Seed: 1}
		if dt == "float64" {
			bo.DType = graph.Float64
		}
		if err := m.Build(src.f, bo); err != nil {
			t.Fatal(err)
		}
		tr, err := Compile(m, opt, loss, Accuracy())
		if err != nil {
			t.Fatal(err)
		}
		if epochs > 0 {
			if _, err := tr.Fit(src, FitOptions{Epochs: epochs, BatchSize: 10, Seed: 1}); err != nil {
				t.Fatal(err)
			}
		}
		raw, err := tr.encode()
		if err != nil {
			t.Fatal(err)
		}
		out[name] = raw
	}
	momentum := SGD(0.05)
	momentum.Momentum, momentum.Nesterov = 0.9, true
	regression := &memSource{x: []float32{-1, 2, 0.5, -3, 1, 1}, y: []float32{0.5, 1, -1}, f: 2, tw: 1}
	add("dense_batchnorm_dropout_adam", nn.Sequential("blobs", nn.Dense(4, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(3, nn.Softmax)),
		"float32", Adam(0.01), SparseCategoricalCrossentropy(), 1, blobs(30, 1))
	add("float64_tanh_sgd_nesterov", nn.Sequential("f64", nn.Dense(3, nn.Tanh), nn.Dense(3, nn.Linear)),
		"float64", momentum, &CrossEntropy{Sparse: true, FromLogits: true}, 1, blobs(30, 2))
	add("custom_layer_rmsprop", nn.Sequential("custom", nn.Dense(3, nn.Sigmoid), &testScale{Init: 0.5}, nn.Dense(3, nn.Softmax)),
		"float32", RMSprop(0.01), SparseCategoricalCrossentropy(), 1, blobs(30, 3))
	add("activation_only_untrained", nn.Sequential("act", nn.Act(nn.ReLU), nn.Dropout(0.5)),
		"float32", SGD(0.1), MeanSquaredError(), 0, regression)
	add("dense_mse_untrained_adam", nn.Sequential("reg", nn.Dense(1, nn.Linear)),
		"float32", Adam(0.01), MeanSquaredError(), 0, regression)
	return out
}

// TestWriteResealedSeeds writes FuzzLoadResealed's seed corpus when
// GRADGRAPH_WRITE_FUZZ_SEEDS is set (after a change to the format or to
// the models above), and otherwise checks that each seed still loads, so
// that the corpus cannot silently go stale and start at the checksum's
// or parser's first error.
func TestWriteResealedSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLoadResealed")
	for name, raw := range resealedSeeds(t) {
		head, data := splitCheckpoint(t, raw)
		path := filepath.Join(dir, name)
		if os.Getenv("GRADGRAPH_WRITE_FUZZ_SEEDS") != "" {
			os.MkdirAll(dir, 0o755)
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", head, data)
			if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("seed %s: %v (set GRADGRAPH_WRITE_FUZZ_SEEDS=1 to write it)", name, err)
		}
		var h, d string
		if _, err := fmt.Sscanf(string(b), "go test fuzz v1\n[]byte(%q)\n[]byte(%q)\n", &h, &d); err != nil {
			t.Fatalf("seed %s: %v", name, err)
		}
		if _, err := decodeTrainer(craft(1, h, []byte(d)), name); err != nil {
			t.Errorf("seed %s does not load: %v", name, err)
		}
	}
}
