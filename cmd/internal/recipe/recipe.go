package recipe

import (
	"math"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// Defaults are a recipe's training settings when no flag overrides them.
type Defaults struct {
	Epochs int
	Batch  int
	LR     float64
	Cosine bool // the learning rate decays over the run's epochs (CosineLR)
}

// Apply fills the settings no flag gave (given names the flags set) with
// d's and checks those given: at least one epoch (zeroOK allows 0, as
// cmd/mnist's evaluate-only -load run; zeroNote, when not empty, ends the
// error to say when 0 is allowed), a positive batch size and a positive
// finite learning rate. Errors name the flag.
func (d Defaults) Apply(given map[string]bool, epochs, batch *int, lr *float64, zeroOK bool, zeroNote string) error {
	if !given["epochs"] {
		*epochs = d.Epochs
	} else if *epochs < 1 && !(*epochs == 0 && zeroOK) {
		return errors.Errorf("-epochs %d: the number of epochs must be at least 1%s", *epochs, zeroNote)
	}
	if !given["batch"] {
		*batch = d.Batch
	} else if *batch < 1 {
		return errors.Errorf("-batch %d: the batch size must be at least 1", *batch)
	}
	if !given["lr"] {
		*lr = d.LR
	} else if !(*lr > 0) || math.IsInf(*lr, 0) {
		return errors.Errorf("-lr %v: the learning rate must be a positive number", *lr)
	}
	return nil
}

var (
	// Dense512Defaults: Keras's seed, RMSprop 1e-3, 5 epochs of batches of
	// 128.
	Dense512Defaults = Defaults{Epochs: 5, Batch: 128, LR: 1e-3}
	// ConvnetDefaults: Keras's MNIST convnet example, RMSprop 1e-3, with
	// the batch size issue 14 names.
	ConvnetDefaults = Defaults{Epochs: 5, Batch: 64, LR: 1e-3}
	// ResnetDefaults: Adam 1e-3 as the PyTorch ResNet runs; 10 epochs,
	// issue 19's budget (measurements in cmd/mnist/RESNET.md), and a
	// per-epoch cosine decay of the learning rate (CosineLR).
	ResnetDefaults = Defaults{Epochs: 10, Batch: 64, LR: 1e-3, Cosine: true}
)

// Dense512 is the layers of Keras's first example after its inputs:
// Dense(512, relu) → Dense(classes, softmax), on flat rows.
func Dense512(classes int) []nn.Layer {
	return []nn.Layer{nn.Dense(512, nn.ReLU), nn.Dense(classes, nn.Softmax)}
}

// Convnet is the layers of Keras's MNIST convnet example after its input:
// Conv2D(32, 3, relu) → MaxPooling2D(2) → Conv2D(64, 3, relu) →
// MaxPooling2D(2) → Conv2D(128, 3, relu) → Flatten → Dense(classes,
// softmax), on images channels last.
func Convnet(classes int) []nn.Layer {
	return []nn.Layer{
		nn.Conv2D(32, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(64, 3, nn.ReLU), nn.MaxPooling2D(2),
		nn.Conv2D(128, 3, nn.ReLU), nn.Flatten(), nn.Dense(classes, nn.Softmax)}
}

// CosineLR makes fit set the learning rate at the start of each of its
// epochs to lr·½(1 + cos(π·k/n)), k = 0..n−1 counting this run's n epochs
// (Keras's CosineDecay to 0, stepped per epoch): the first epoch at lr, the
// last at lr·½(1 − cos(π/n)) (0.0245·lr for 10). The optimiser must have a
// learning rate to set (Adam, the resnet recipe's).
func CosineLR(tr *train.Trainer, fit *train.FitOptions, lr float64) error {
	adam, ok := tr.Optimizer.(*train.AdamOptimizer)
	if !ok {
		return errors.Errorf("cosine learning-rate schedule: optimizer %s, want Adam", tr.Optimizer.Name())
	}
	first, n := fit.InitialEpoch, fit.Epochs-fit.InitialEpoch
	fit.Callbacks = append(fit.Callbacks, train.CallbackFuncs{
		EpochBegin: func(_ *train.Trainer, epoch int) error {
			adam.LR = lr * 0.5 * (1 + math.Cos(math.Pi*float64(epoch-first)/float64(n)))
			return nil
		},
	})
	return nil
}
