package train_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/pkg/errors"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// Signum is sign descent with momentum: m = β·m + (1−β)·g, and each
// weight moves by lr against the sign of its m. Its momentum m, one value
// per weight, is state a checkpoint must carry for training to continue
// where it stopped: train.Slots holds it, and Config and Slots make
// Signum a train.SavableOptimizer.
type Signum struct {
	LR, Beta float64
	m        train.Slots
}

// NewSignum returns Signum with learning rate lr and β 0.9.
func NewSignum(lr float64) *Signum { return &Signum{LR: lr, Beta: 0.9, m: train.NewSlots(1, 0)} }

// Name is the name Signum is registered under.
func (o *Signum) Name() string { return "Signum" }

// Update takes one step; float32 models only, to keep the example short.
func (o *Signum) Update(params []*graph.Param, grads []*tensor.Dense) error {
	if err := o.m.Prepare(o.Name(), params, grads); err != nil {
		return err
	}
	beta, omb, lr := float32(o.Beta), float32(1-o.Beta), float32(o.LR)
	for i, p := range params {
		m := o.m.Float32s(i, 0)
		if m == nil {
			return errors.Errorf("Signum: param %q is not float32", p.Name)
		}
		w, g := p.Value.Data().([]float32), grads[i].Data().([]float32)
		for j := range w {
			// Each product rounded before the sum: the same bits on every CPU.
			m[j] = float32(beta*m[j]) + float32(omb*g[j])
			if m[j] > 0 {
				w[j] -= lr
			} else if m[j] < 0 {
				w[j] += lr
			}
		}
	}
	return nil
}

// Config is what signumFromConfig needs to make Signum again.
func (o *Signum) Config() train.OptimizerConfig {
	return train.OptimizerConfig{Settings: map[string]float64{"learning_rate": o.LR, "beta": o.Beta}}
}

// Slots is Signum's state, which Save writes and Load fills.
func (o *Signum) Slots() *train.Slots { return &o.m }

// signumFromConfig is Config's inverse: Load calls it for a checkpoint
// whose optimiser is "Signum".
func signumFromConfig(c train.OptimizerConfig) (train.SavableOptimizer, error) {
	o := NewSignum(0)
	var err error
	if o.LR, err = c.Setting("learning_rate"); err != nil {
		return nil, err
	}
	if o.Beta, err = c.Setting("beta"); err != nil {
		return nil, err
	}
	return o, nil
}

// Register once, in an init function, so that every checkpoint this
// program loads may name Signum.
func init() {
	if err := train.RegisterOptimizer("Signum", signumFromConfig); err != nil {
		panic(err) // registered twice: a bug in this program
	}
}

// A custom optimiser, registered, trains a step, saves and loads with its
// settings and state, and the loaded trainer continues exactly as the
// saved one does.
func ExampleRegisterOptimizer() {
	x := []float32{0, 1, 1, 0, 1, 1, 0, 0}
	toy, err := data.NewDataset("toy", x, 2, []float32{0, 1, 2, 0}, 1, []string{"a", "b", "c"})
	if err != nil {
		fmt.Println(err)
		return
	}
	model := nn.Sequential("m", nn.Dense(3, nn.Softmax))
	if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	tr, err := train.Compile(model, NewSignum(0.01), train.SparseCategoricalCrossentropy())
	if err != nil {
		fmt.Println(err)
		return
	}
	// One epoch of one batch: one step.
	if _, err := tr.Fit(toy, train.FitOptions{Epochs: 1, BatchSize: 4}); err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "signum-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "m.ckpt")
	if err := tr.Save(path); err != nil {
		fmt.Println(err)
		return
	}
	back, err := train.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	saved, loaded := tr.Optimizer.(*Signum), back.Optimizer.(*Signum)
	fmt.Printf("loaded %s: lr %g, beta %g\n", loaded.Name(), loaded.LR, loaded.Beta)
	fmt.Println("registered:", slices.Contains(train.RegisteredOptimizers(), "Signum"))
	same := true
	for i := range model.Trainable() {
		same = same && slices.Equal(loaded.m.Float32s(i, 0), saved.m.Float32s(i, 0))
	}
	fmt.Println("momentum restored:", same)

	// One more step each, from the saved trainer and from the loaded one.
	more := train.FitOptions{Epochs: 2, InitialEpoch: 1, BatchSize: 4}
	if _, err := tr.Fit(toy, more); err != nil {
		fmt.Println(err)
		return
	}
	if _, err := back.Fit(toy, more); err != nil {
		fmt.Println(err)
		return
	}
	same = true
	for i, p := range back.Model.Params() {
		same = same && slices.Equal(p.Float64s(), tr.Model.Params()[i].Float64s())
	}
	fmt.Println("same weights after another step:", same)
	// Output:
	// loaded Signum: lr 0.01, beta 0.9
	// registered: true
	// momentum restored: true
	// same weights after another step: true
}
