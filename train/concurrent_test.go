package train

import (
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
)

// irisTrainer returns the Iris recipe's trainer after two epochs, and the
// scaled data.
func irisTrainer(t *testing.T) (*Trainer, data.Source) {
	t.Helper()
	iris, err := data.Iris()
	if err != nil {
		t.Fatal(err)
	}
	var sc data.StandardScaler
	if err := sc.FitTransform(iris); err != nil {
		t.Fatal(err)
	}
	model := nn.Sequential("iris", nn.Dense(16, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.2), nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(model, Adam(1e-2), SparseCategoricalCrossentropy(), Accuracy())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Fit(iris, FitOptions{Epochs: 2, BatchSize: 16, Seed: 1}); err != nil {
		t.Fatal(err)
	}
	return tr, iris
}

// TestConcurrentPredictEvaluate calls Predict and Evaluate from eight
// goroutines at once on one trainer (they panicked in the tape before the
// trainer took turns), and Predict on eight clones in parallel: every call
// must give the serial results. Run with -race (make test does) it also
// shows the calls share nothing unguarded.
func TestConcurrentPredictEvaluate(t *testing.T) {
	tr, iris := irisTrainer(t)
	wantP, err := tr.Predict(iris, 32)
	if err != nil {
		t.Fatal(err)
	}
	wantE, err := tr.Evaluate(iris, 32)
	if err != nil {
		t.Fatal(err)
	}
	clones := make([]*Trainer, 8)
	for i := range clones {
		if clones[i], err = tr.Clone(); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := 0; g < 8; g++ {
		wg.Add(3)
		go func() {
			defer wg.Done()
			p, err := tr.Predict(iris, 7+g)
			if err == nil && !reflect.DeepEqual(p, wantP) {
				err = fmt.Errorf("goroutine %d: Predict differs", g)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			e, err := tr.Evaluate(iris, 32)
			if err == nil && !reflect.DeepEqual(e, wantE) {
				err = fmt.Errorf("goroutine %d: Evaluate gave %v, want %v", g, e, wantE)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			p, err := clones[g].Predict(iris, 32)
			if err == nil && !reflect.DeepEqual(p, wantP) {
				err = fmt.Errorf("clone %d: Predict differs", g)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// TestCloneIsIndependent: training the clone leaves the original's
// predictions as they were, and the clone starts from the same ones.
func TestCloneIsIndependent(t *testing.T) {
	tr, iris := irisTrainer(t)
	before, _ := tr.Predict(iris, 50)
	c, err := tr.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Predict(iris, 50); !reflect.DeepEqual(got, before) {
		t.Fatal("the clone predicts differently from the original")
	}
	if c.Epoch() != tr.Epoch() || c.Model.Fused() != tr.Model.Fused() {
		t.Errorf("clone: epoch %d fused %v, original epoch %d fused %v", c.Epoch(), c.Model.Fused(), tr.Epoch(), tr.Model.Fused())
	}
	if _, err := c.Fit(iris, FitOptions{Epochs: c.Epoch() + 1, InitialEpoch: c.Epoch(), BatchSize: 16, Seed: 2}); err != nil {
		t.Fatal(err)
	}
	if after, _ := tr.Predict(iris, 50); !reflect.DeepEqual(after, before) {
		t.Error("training the clone changed the original")
	}
	if got, _ := c.Predict(iris, 50); reflect.DeepEqual(got, before) {
		t.Error("training the clone did not change it")
	}
}

// TestEvaluateBetweenStepsLeavesTrainingMetrics evaluates on other data
// after every training batch (a callback, as a user's might): the epoch's
// training accuracy must be what it is without the evaluations.
func TestEvaluateBetweenStepsLeavesTrainingMetrics(t *testing.T) {
	fit := func(evaluate bool) Logs {
		tr, iris := irisTrainer(t)
		other, _ := data.Slice(iris, 0, 10)
		var last Logs
		cb := CallbackFuncs{
			BatchEnd: func(tr *Trainer, _ int, _ float64) error {
				if evaluate {
					_, err := tr.Evaluate(other, 5)
					return err
				}
				return nil
			},
			EpochEnd: func(_ *Trainer, _ int, logs Logs) error { last = logs; return nil },
		}
		if _, err := tr.Fit(iris, FitOptions{Epochs: tr.Epoch() + 1, InitialEpoch: tr.Epoch(), BatchSize: 16, Seed: 3, Callbacks: []Callback{cb}}); err != nil {
			t.Fatal(err)
		}
		return last
	}
	want, got := fit(false), fit(true)
	if got["accuracy"] != want["accuracy"] || got["loss"] != want["loss"] {
		t.Errorf("with evaluations between steps: %v, without: %v", got, want)
	}
}

// TestPredictWhileFitRestoresAndLoads: Predict runs on another goroutine
// while Fit trains with EarlyStopping restoring its best weights and while
// LoadWeights replaces them. Under -race (make test) an unguarded snapshot,
// restore or load is reported; here every call must succeed.
func TestPredictWhileFitRestoresAndLoads(t *testing.T) {
	tr, iris := irisTrainer(t)
	path := filepath.Join(t.TempDir(), "w.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	errs := make(chan error, 1)
	go func() {
		defer close(errs)
		for {
			select {
			case <-done:
				return
			default:
			}
			if _, err := tr.Predict(iris, 32); err != nil {
				errs <- err
				return
			}
		}
	}()
	stop := &EarlyStopping{Monitor: "loss", Patience: 1, RestoreBestWeights: true}
	_, err := tr.Fit(iris, FitOptions{Epochs: tr.Epoch() + 4, InitialEpoch: tr.Epoch(), BatchSize: 16, Seed: 5, Callbacks: []Callback{stop}})
	if err == nil {
		err = tr.LoadWeights(path)
	}
	close(done)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}
