package train

import (
	"errors"
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
	reportAll(t, &wg, errs)
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
	if c.Epoch() != tr.Epoch() || c.NN().Fused() != tr.NN().Fused() {
		t.Errorf("clone: epoch %d fused %v, original epoch %d fused %v", c.Epoch(), c.NN().Fused(), tr.Epoch(), tr.NN().Fused())
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

// TestConcurrentFitContract uses one trainer from eight goroutines as the
// Trainer's comment allows: one Fit, and meanwhile StopTraining, Predict,
// Evaluate, Save, LoadWeights, Clone and Epoch, plus a second Fit, which
// must fail at once with ErrFitRunning. Under -race (make test) it
// also checks that nothing they share is unguarded: a reliability review's
// run of the detector reported Fit's unlocked write of the epoch count
// (against Save and Clone reading it under the lock) and the stop flag,
// now written under the lock and atomic.
func TestConcurrentFitContract(t *testing.T) {
	tr, iris := irisTrainer(t)
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "w.ckpt")
	if err := tr.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	started := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	cb := CallbackFuncs{BatchEnd: func(*Trainer, int, float64) error {
		once.Do(func() { close(started); <-release })
		return nil
	}}
	fitErr, fitDone := make(chan error, 1), make(chan struct{})
	go func() {
		_, err := tr.Fit(iris, FitOptions{Epochs: tr.Epoch() + 3, InitialEpoch: tr.Epoch(), BatchSize: 16, Seed: 5, Callbacks: []Callback{cb}})
		fitErr <- err
		close(fitDone)
	}()
	<-started
	// A second Fit while the first waits in its callback.
	if _, err := tr.Fit(iris, FitOptions{Epochs: 1, BatchSize: 16}); !errors.Is(err, ErrFitRunning) {
		t.Errorf("second Fit: %v, want ErrFitRunning", err)
	}
	// StopTraining from this goroutine, during the first epoch of the Fit.
	tr.StopTraining()
	close(release)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch g {
			case 0:
				_, err = tr.Predict(iris, 32)
			case 1:
				_, err = tr.Evaluate(iris, 32)
			case 2:
				err = tr.Save(filepath.Join(dir, fmt.Sprintf("s%d.ckpt", g)))
			case 3:
				err = tr.LoadWeights(ckpt)
			case 4:
				_, err = tr.Clone()
			case 5: // Epoch all along, as a progress display would
				for done := false; !done && err == nil; {
					select {
					case <-fitDone:
						done = true
					default:
					}
					if e := tr.Epoch(); e < 2 || e > 3 {
						err = fmt.Errorf("Epoch() = %d during or after the third epoch", e)
					}
				}
			}
			errs <- err
		}()
	}
	reportAll(t, &wg, errs)
	if err := <-fitErr; err != nil {
		t.Fatal(err)
	}
	<-fitDone
	// StopTraining ended Fit after the epoch it was called in; the next
	// Fit starts with the flag cleared.
	if e := tr.Epoch(); e != 3 {
		t.Errorf("after StopTraining: epoch %d, want 3", e)
	}
	h, err := tr.Fit(iris, FitOptions{Epochs: tr.Epoch() + 2, InitialEpoch: tr.Epoch(), BatchSize: 16, Seed: 6})
	if err != nil || len(h.Epoch) != 2 {
		t.Errorf("Fit after a stopped one: %v, %d epochs, want 2", err, len(h.Epoch))
	}
}

// reportAll waits for wg and reports every non-nil error the goroutines
// sent on errs.
func reportAll(t *testing.T, wg *sync.WaitGroup, errs chan error) {
	t.Helper()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
