package train

import (
	"math"
	"strings"
	"testing"
)

// drive feeds es one monitored value per epoch, setting the model's first
// weight to the epoch number first so that restoring can be checked, and
// returns the epoch after which training was asked to stop (-1 for none).
func drive(t *testing.T, es *EarlyStopping, key string, values []float64) (*Trainer, int) {
	t.Helper()
	tr, err := blobModel(1)
	if err != nil {
		t.Fatal(err)
	}
	if err := es.OnTrainBegin(tr); err != nil {
		t.Fatal(err)
	}
	stopped := -1
	for e, v := range values {
		tr.Model.Params()[0].SetAt(0, float64(e))
		if err := es.OnEpochEnd(tr, e, Logs{key: v, "loss": 1}); err != nil {
			t.Fatal(err)
		}
		if tr.stop.Load() {
			stopped = e
			break
		}
	}
	if err := es.OnTrainEnd(tr, nil); err != nil {
		t.Fatal(err)
	}
	return tr, stopped
}

func TestEarlyStoppingKerasSemantics(t *testing.T) {
	cases := []struct {
		name      string
		es        EarlyStopping
		key       string
		values    []float64
		stop      int // epoch at which training stops, -1 for none
		best      int
		restoreTo float64 // first weight after training (epoch it came from)
	}{
		{"patience 2", EarlyStopping{Patience: 2}, "val_loss", []float64{1, .8, .85, .9, .7}, 3, 1, 3},
		{"patience 2 restore", EarlyStopping{Patience: 2, RestoreBestWeights: true}, "val_loss", []float64{1, .8, .85, .9, .7}, 3, 1, 1},
		{"min delta hides a small gain", EarlyStopping{Patience: 2, MinDelta: 0.02}, "val_loss", []float64{1, .8, .79, .795, .5}, 3, 1, 3},
		{"patience 0 stops at the first non-improvement", EarlyStopping{}, "val_loss", []float64{1, .9, .95, .5}, 2, 1, 2},
		{"never stops at epoch 0", EarlyStopping{}, "val_loss", []float64{1}, -1, 0, 0},
		{"accuracy is maximised in auto mode", EarlyStopping{Monitor: "val_accuracy", Patience: 1, RestoreBestWeights: true}, "val_accuracy", []float64{.5, .9, .8, .95}, 2, 1, 1},
		{"ran to the end still restores", EarlyStopping{Patience: 5, RestoreBestWeights: true}, "val_loss", []float64{.5, .4, .6, .7}, -1, 1, 1},
		{"explicit max mode", EarlyStopping{Monitor: "val_loss", Mode: "max", Patience: 1}, "val_loss", []float64{1, 2, 1.5, 1.4}, 2, 1, 2},
		{"start from epoch", EarlyStopping{Patience: 1, StartFromEpoch: 2, RestoreBestWeights: true}, "val_loss", []float64{.1, .2, 1, .9, 1.1, 1.2}, 4, 3, 3},
	}
	for _, c := range cases {
		es := c.es
		tr, stop := drive(t, &es, c.key, c.values)
		if stop != c.stop || es.BestEpoch != c.best {
			t.Errorf("%s: stopped at %d, best %d; want %d, %d", c.name, stop, es.BestEpoch, c.stop, c.best)
		}
		if got := tr.Model.Params()[0].At(0); got != c.restoreTo {
			t.Errorf("%s: weight after training is from epoch %v, want %v", c.name, got, c.restoreTo)
		}
	}
}

func TestEarlyStoppingErrors(t *testing.T) {
	tr, _ := blobModel(1)
	es := &EarlyStopping{Monitor: "val_acc"}
	_ = es.OnTrainBegin(tr)
	if err := es.OnEpochEnd(tr, 0, Logs{"loss": 1, "val_loss": 1}); err == nil || !strings.Contains(err.Error(), `"val_acc" is not among the logs (loss, val_loss)`) {
		t.Errorf("missing monitor: %v", err)
	}
	if err := (&EarlyStopping{Mode: "lowest"}).OnTrainBegin(tr); err == nil {
		t.Error("mode \"lowest\" accepted")
	}
}

func TestFitWithEarlyStoppingRestoresBestWeights(t *testing.T) {
	src := blobs(90, 7)
	tr, err := blobModel(3)
	if err != nil {
		t.Fatal(err)
	}
	es := &EarlyStopping{Patience: 3, RestoreBestWeights: true}
	// A learning rate this high makes validation loss bounce, so the best
	// epoch is not the last one.
	tr.Optimizer = Adam(0.3)
	split := 0.3
	h, err := tr.Fit(src, FitOptions{Epochs: 60, BatchSize: 8, ValidationSplit: split, Seed: 3, Callbacks: []Callback{es}})
	if err != nil {
		t.Fatal(err)
	}
	n := len(h.Epoch)
	if es.StoppedEpoch == 0 || n != es.StoppedEpoch+1 || n == 60 {
		t.Fatalf("ran %d epochs, stopped at %d", n, es.StoppedEpoch)
	}
	if n-1-es.BestEpoch != 3 {
		t.Errorf("stopped %d epochs after the best, want patience 3", n-1-es.BestEpoch)
	}
	// Evaluating the validation part now gives the best epoch's val_loss.
	// Keras splits at floor(90·(1−0.3)), which is 62, not 63, in float64
	// arithmetic (a Go constant expression would give 63).
	at := int(math.Floor(90 * (1 - split)))
	val := &memSource{x: src.x[at*2:], y: src.y[at:], f: 2, tw: 1, class: 3}
	ev, err := tr.Evaluate(val, 8)
	if err != nil {
		t.Fatal(err)
	}
	if want := h.Logs["val_loss"][es.BestEpoch]; ev["loss"] != want {
		t.Errorf("val loss after restoring = %v, best epoch's = %v", ev["loss"], want)
	}
}
