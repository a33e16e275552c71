package recipe

import (
	"math"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// TestResnetSummary checks the resnet's layers, their connections and its
// params, counted by hand:
//
//	stem Conv2D(32, 3×3) on 1 channel:   3·3·1·32 + 32            =    320
//	block 1, 32 → 32, identity shortcut: 2 × (3·3·32·32 + 32)     = 18,496
//	                                     2 BatchNorm × 4·32       =    256
//	block 2, 32 → 64, stride 2:          3·3·32·64 + 64           = 18,496
//	                                     3·3·64·64 + 64           = 36,928
//	  1×1 projection:                    32·64 + 64               =  2,112
//	                                     3 BatchNorm × 4·64       =    768
//	Dense(10) on 64:                     64·10 + 10               =    650
//	                                                        total   78,026
//
// of which the BatchNorms' moving means and variances, 2·(2·32 + 3·64) =
// 512, are not trainable.
func TestResnetSummary(t *testing.T) {
	m, err := Resnet("fashion", []int{28, 28, 1}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.BuildShape([]int{28, 28, 1}, nn.BuildOptions{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	s := m.Summary()
	for _, want := range []string{
		"Connected to", "image (InputLayer)", "(None, 28, 28, 1)",
		"conv2d (Conv2D)", "(None, 28, 28, 32)", "max_pooling2d (MaxPooling2D)", "(None, 14, 14, 32)",
		// Block 1 adds its second BatchNorm to the pooled stem; block 2
		// adds its own to the projection's.
		"add (Add)", "batch_normalization_1[0][0],", "max_pooling2d[0][0]",
		"add_1 (Add)", "batch_normalization_3[0][0],", "batch_normalization_4[0][0]",
		"conv2d_5 (Conv2D)", "(None, 7, 7, 64)", "(None, 64)", "(None, 10)",
		"Total params: 78,026", "Trainable params: 77,514", "Non-trainable params: 512",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	adds := 0
	for _, l := range m.Layers {
		if l.Type() == "Add" {
			adds++
		}
	}
	if adds != 2 || len(m.Layers) != 20 {
		t.Errorf("%d layers with %d Adds, want 20 with 2 (one per block)", len(m.Layers), adds)
	}
}

// TestCosineLR checks the resnet recipe's schedule: each epoch of a run of
// n starts at lr·½(1 + cos(π·k/n)), counted from the run's first epoch,
// and it refuses an optimiser without a learning rate it knows.
func TestCosineLR(t *testing.T) {
	compile := func(opt train.Optimizer) *train.Trainer {
		m := nn.Sequential("s", nn.Dense(2, nn.Softmax))
		if err := m.Build(3, nn.BuildOptions{Seed: 1}); err != nil {
			t.Fatal(err)
		}
		tr, err := train.Compile(m, opt, train.SparseCategoricalCrossentropy())
		if err != nil {
			t.Fatal(err)
		}
		return tr
	}
	adam := train.Adam(1e-3)
	tr := compile(adam)
	fit := train.FitOptions{InitialEpoch: 3, Epochs: 13}
	if err := CosineLR(tr, &fit, 1e-3); err != nil {
		t.Fatal(err)
	}
	if len(fit.Callbacks) != 1 {
		t.Fatalf("%d callbacks, want 1", len(fit.Callbacks))
	}
	// Epochs 3..12 are k = 0..9 of n = 10: 1, ½(1 + cos(π/2)) = ½ at k = 5,
	// ½(1 + cos(0.9π)) = 0.02447 at k = 9.
	for _, c := range []struct {
		epoch int
		want  float64
	}{{3, 1e-3}, {8, 0.5e-3}, {12, 0.5e-3 * (1 + math.Cos(0.9*math.Pi))}} {
		if err := fit.Callbacks[0].OnEpochBegin(tr, c.epoch); err != nil {
			t.Fatal(err)
		}
		if math.Abs(adam.LR-c.want) > 1e-15 {
			t.Errorf("epoch %d: lr %g, want %g", c.epoch, adam.LR, c.want)
		}
	}
	if math.Abs(adam.LR-2.447e-5) > 1e-8 {
		t.Errorf("last epoch's lr %g, want about 2.447e-5", adam.LR)
	}
	if err := CosineLR(compile(train.RMSprop(1e-3)), &train.FitOptions{Epochs: 2}, 1e-3); err == nil || !strings.Contains(err.Error(), "want Adam") {
		t.Errorf("cosine schedule on RMSprop: %v", err)
	}
}

// TestPreLayers: a Rescaling before the resnet's stem, or before the
// convnet, draws nothing from the initialisers' generator, so the recipe's
// weights for a seed are the same with and without it (what lets cmd/images
// put the rescaling inside the model), and the resnet gains exactly that
// layer.
func TestPreLayers(t *testing.T) {
	shape := []int{20, 20, 1}
	build := func(m *nn.Model, err error) *nn.Model {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.BuildShape(shape, nn.BuildOptions{Seed: 7}); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, c := range []struct {
		name       string
		plain, pre *nn.Model
	}{
		{"resnet",
			build(Resnet("r", shape, 3)),
			build(Resnet("r", shape, 3, nn.Rescaling(1.0/255, 0)))},
		{"convnet",
			build(nn.Sequential("c", Convnet(3)...), nil),
			build(nn.Sequential("c", append([]nn.Layer{nn.Rescaling(1.0/255, 0)}, Convnet(3)...)...), nil)},
	} {
		if len(c.pre.Layers) != len(c.plain.Layers)+1 {
			t.Errorf("%s: %d layers with the rescaling, %d without", c.name, len(c.pre.Layers), len(c.plain.Layers))
		}
		a, b := c.plain.Params(), c.pre.Params()
		if len(a) != len(b) || len(a) == 0 {
			t.Fatalf("%s: %d params, %d with the rescaling", c.name, len(a), len(b))
		}
		for i := range a {
			x, y := a[i].Value.Data().([]float32), b[i].Value.Data().([]float32)
			for j := range x {
				if x[j] != y[j] {
					t.Fatalf("%s: param %s[%d] = %v, %v with the rescaling", c.name, a[i].Name, j, x[j], y[j])
				}
			}
		}
	}
}

func TestDefaultsApply(t *testing.T) {
	d := Defaults{Epochs: 5, Batch: 64, LR: 1e-3}
	for _, c := range []struct {
		name          string
		given         map[string]bool
		epochs, batch int
		lr            float64
		zeroOK        bool
		wantE, wantB  int
		wantLR        float64
		err           string
	}{
		{name: "none given", wantE: 5, wantB: 64, wantLR: 1e-3},
		{name: "all given", given: map[string]bool{"epochs": true, "batch": true, "lr": true}, epochs: 2, batch: 8, lr: 0.5, wantE: 2, wantB: 8, wantLR: 0.5},
		{name: "0 epochs allowed", given: map[string]bool{"epochs": true}, zeroOK: true, wantE: 0, wantB: 64, wantLR: 1e-3},
		{name: "0 epochs refused", given: map[string]bool{"epochs": true}, err: "-epochs 0: the number of epochs must be at least 1 (note)"},
		{name: "negative epochs with zeroOK", given: map[string]bool{"epochs": true}, epochs: -1, zeroOK: true, err: "-epochs -1"},
		{name: "batch 0", given: map[string]bool{"batch": true}, err: "-batch 0: the batch size must be at least 1"},
		{name: "lr NaN", given: map[string]bool{"lr": true}, lr: math.NaN(), err: "-lr NaN: the learning rate must be a positive number"},
		{name: "lr +Inf", given: map[string]bool{"lr": true}, lr: math.Inf(1), err: "-lr +Inf"},
	} {
		e, b, lr := c.epochs, c.batch, c.lr
		err := d.Apply(c.given, &e, &b, &lr, c.zeroOK, " (note)")
		if c.err != "" {
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one starting %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil || e != c.wantE || b != c.wantB || lr != c.wantLR {
			t.Errorf("%s: %d, %d, %v, %v; want %d, %d, %v", c.name, e, b, lr, err, c.wantE, c.wantB, c.wantLR)
		}
	}
}
