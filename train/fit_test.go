package train

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
)

func blobModel(seed int64) (*Trainer, error) {
	m := nn.Sequential("blobs", nn.Dense(16, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: seed}); err != nil {
		return nil, err
	}
	return Compile(m, Adam(0.01), SparseCategoricalCrossentropy(), Accuracy())
}

func TestFitLearnsAndIsDeterministic(t *testing.T) {
	src := blobs(150, 1)
	run := func(seed int64) (string, Logs) {
		tr, err := blobModel(seed)
		if err != nil {
			t.Fatal(err)
		}
		h, err := tr.Fit(src, FitOptions{Epochs: 15, BatchSize: 16, ValidationSplit: 0.2, Seed: seed})
		if err != nil {
			t.Fatal(err)
		}
		var csv bytes.Buffer
		if err := h.WriteCSV(&csv); err != nil {
			t.Fatal(err)
		}
		ev, err := tr.Evaluate(src, 32)
		if err != nil {
			t.Fatal(err)
		}
		return csv.String(), ev
	}
	a, evA := run(4)
	b, _ := run(4)
	c, _ := run(5)
	if a != b {
		t.Errorf("same seed, different histories:\n%s\n%s", a, b)
	}
	if a == c {
		t.Error("seeds 4 and 5 gave identical histories")
	}
	if !strings.HasPrefix(a, "epoch,loss,accuracy,val_loss,val_accuracy\n1,") {
		t.Errorf("history header: %q", a[:60])
	}
	if evA["accuracy"] < 0.95 {
		t.Errorf("accuracy on separable blobs after 15 epochs = %v, want ≥ 0.95", evA["accuracy"])
	}
}

// Keras's validation_split holds out the last fraction before shuffling:
// with 10 samples and split 0.3, samples 7, 8, 9. A model that sees their
// labels flipped in validation only must score 0 there and learn the rest.
func TestValidationSplitTakesTheLastSamples(t *testing.T) {
	src := blobs(60, 3)
	// Validation loss on the held-out part must equal Evaluate on exactly
	// that part, computed separately.
	tr, err := blobModel(1)
	if err != nil {
		t.Fatal(err)
	}
	h, err := tr.Fit(src, FitOptions{Epochs: 2, BatchSize: 7, ValidationSplit: 0.25, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	tail := &memSource{x: src.x[45*2:], y: src.y[45:], f: 2, tw: 1, class: 3}
	ev, err := tr.Evaluate(tail, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got := h.Logs["val_loss"][1]; math.Abs(got-ev["loss"]) > 1e-6 {
		t.Errorf("val_loss = %v, Evaluate on the last 15 samples = %v", got, ev["loss"])
	}
	if got := h.Logs["val_accuracy"][1]; got != ev["accuracy"] {
		t.Errorf("val_accuracy = %v, Evaluate on the last 15 samples = %v", got, ev["accuracy"])
	}
}

// Evaluation covers every sample whatever the batch size: the partial last
// batch runs through a graph of its own size.
func TestEvaluateAndPredictCoverEverySample(t *testing.T) {
	src := blobs(31, 2)
	tr, err := blobModel(2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(src, FitOptions{Epochs: 3, BatchSize: 8, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	whole, err := tr.Evaluate(src, 31)
	if err != nil {
		t.Fatal(err)
	}
	for _, bs := range []int{1, 5, 8, 30, 64} {
		ev, err := tr.Evaluate(src, bs)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(ev["loss"]-whole["loss"]) > 1e-5 || ev["accuracy"] != whole["accuracy"] {
			t.Errorf("batch %d: %v, one batch of 31: %v", bs, ev, whole)
		}
		p, err := tr.Predict(src, bs)
		if err != nil {
			t.Fatal(err)
		}
		if len(p) != 31 {
			t.Fatalf("batch %d: %d predictions for 31 samples", bs, len(p))
		}
		correct, loss := 0, 0.0
		for i, c := range Argmax(p) {
			if c == int(src.y[i]) {
				correct++
			}
			loss -= math.Log(float64(p[i][int(src.y[i])])) / 31
		}
		if got := float64(correct) / 31; got != whole["accuracy"] {
			t.Errorf("batch %d: accuracy from Predict %v, Evaluate %v", bs, got, whole["accuracy"])
		}
		if math.Abs(loss-whole["loss"]) > 1e-4 {
			t.Errorf("batch %d: loss from Predict %v, Evaluate %v", bs, loss, whole["loss"])
		}
	}
}

func TestProgressLinesInKerasFormat(t *testing.T) {
	tr, err := blobModel(1)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if _, err := tr.Fit(blobs(120, 1), FitOptions{Epochs: 2, BatchSize: 8, ValidationSplit: 0.2, Seed: 1, Progress: &out}); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^Epoch 1/2\n12/12 ━{20} \d+s \d+(us|ms|s)/step - accuracy: \d\.\d{4} - loss: \d\.\d{4} - val_accuracy: \d\.\d{4} - val_loss: \d\.\d{4}\nEpoch 2/2\n`)
	if !re.MatchString(out.String()) {
		t.Errorf("progress output:\n%s", out.String())
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	good := blobs(30, 1)
	cases := []struct {
		name string
		src  *memSource
		opt  FitOptions
		want string
	}{
		{"batch size 0", good, FitOptions{Epochs: 1}, "batch size must be positive"},
		{"negative batch size", good, FitOptions{Epochs: 1, BatchSize: -4}, "batch size must be positive"},
		{"negative epochs", good, FitOptions{Epochs: -1, BatchSize: 4}, "must not be negative"},
		{"split 1", good, FitOptions{Epochs: 1, BatchSize: 4, ValidationSplit: 1}, "validation split must be in [0, 1)"},
		{"split leaving no training data", &memSource{x: good.x[:2], y: good.y[:1], f: 2, tw: 1, class: 3}, FitOptions{Epochs: 1, BatchSize: 4, ValidationSplit: 0.5}, "leaves 0 for training"},
		{"label out of range", &memSource{x: good.x[:8], y: []float32{0, 1, 3, 2}, f: 2, tw: 1, class: 4}, FitOptions{Epochs: 1, BatchSize: 4}, "sample 2 has label 3"},
		{"wrong feature count", &memSource{x: good.x[:6], y: good.y[:2], f: 3, tw: 1, class: 3}, FitOptions{Epochs: 1, BatchSize: 4}, "data has 3 features"},
		{"empty data", &memSource{f: 2, tw: 1, class: 3}, FitOptions{Epochs: 1, BatchSize: 4}, "no training data"},
	}
	for _, c := range cases {
		tr, err := blobModel(1)
		if err != nil {
			t.Fatal(err)
		}
		_, err = tr.Fit(c.src, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
}

func TestFitStopsOnNaNLoss(t *testing.T) {
	src := blobs(30, 1)
	src.x[7] = float32(math.NaN())
	tr, err := blobModel(1)
	if err != nil {
		t.Fatal(err)
	}
	before := tr.Model.Params()[0].Float64s()
	_, err = tr.Fit(src, FitOptions{Epochs: 2, BatchSize: 30, Seed: 1})
	if err == nil || !strings.Contains(err.Error(), "loss is NaN at epoch 1, batch 1/1") {
		t.Fatalf("error %v, want a NaN loss at epoch 1, batch 1", err)
	}
	for i, v := range tr.Model.Params()[0].Float64s() {
		if v != before[i] {
			t.Fatalf("weights changed by the NaN step")
		}
	}
}
