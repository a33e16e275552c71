package nn_test

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"reflect"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// A model is declared as a stack of layers, built for an input width, and
// summarised in Keras's layout.
func ExampleSequential() {
	model := nn.Sequential("iris",
		nn.Dense(64, nn.ReLU), nn.BatchNorm(), nn.Dropout(0.5),
		nn.Dense(3, nn.Softmax))
	if err := model.Build(4, nn.BuildOptions{Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(model.Summary())
	// Output:
	// Model: "iris"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
	// │ dense (Dense)                   │ (None, 64)             │           320 │
	// │ batch_normalization             │ (None, 64)             │           256 │
	// │ (BatchNormalization)            │                        │               │
	// │ dropout (Dropout)               │ (None, 64)             │             0 │
	// │ dense_1 (Dense)                 │ (None, 3)              │           195 │
	// └─────────────────────────────────┴────────────────────────┴───────────────┘
	//  Total params: 771 (3.01 KB)
	//  Trainable params: 643 (2.51 KB)
	//  Non-trainable params: 128 (512.00 B)
}

// Mistakes in a stack are errors that name the layer.
func ExampleModel_Build_error() {
	model := nn.Sequential("bad", nn.Dense(8, nn.ReLU), nn.Dropout(1.2))
	fmt.Println(model.Build(4, nn.BuildOptions{}))
	// Output:
	// model "bad": layer 1: dropout "dropout": rate must be in [0, 1), got 1.2
}

func ExampleActivationByName() {
	for _, name := range []string{"relu", "gelu"} {
		a, err := nn.ActivationByName(name)
		fmt.Println(a.Name(), err)
	}
	// Output:
	// relu <nil>
	// linear unknown activation "gelu" (known: elu, linear, log_softmax, relu, sigmoid, softmax, tanh)
}

// Scale is a custom layer: each feature times a trainable factor, y = x·s
// with s of shape (1, in), every factor starting at Init.
type Scale struct {
	nn.Named
	Init float64
	S    *graph.Param
}

// ScaleConfig is Scale's settings as a checkpoint holds them, after the
// layer's type and name: {"type":"Scale","name":"scale","init":0.5}.
type ScaleConfig struct {
	Init float64 `json:"init"`
}

// Type names the layer in summaries and files; it is the registered name.
func (l *Scale) Type() string { return "Scale" }

// Registering the type once, in init, is what lets train.Load rebuild it:
// the file's settings are decoded into a ScaleConfig (strictly: a field it
// does not have is an error) and the layer made from it.
func init() {
	if err := nn.RegisterLayer("Scale", func(c ScaleConfig) (nn.Layer, error) {
		return &Scale{Init: c.Init}, nil
	}); err != nil {
		panic(err)
	}
}

// Config describes the layer for a checkpoint (nn.Configurer): the
// inverse of the constructor registered above.
func (l *Scale) Config() nn.LayerConfig {
	return nn.NewLayerConfig(l.Type(), l.Name(), ScaleConfig{Init: l.Init})
}

// CountParams lets train.Load check a file's size before building the
// model (nn.ParamCounter): one factor per feature.
func (l *Scale) CountParams(in []int) (int64, []int, error) {
	if len(in) != 1 {
		return 0, nil, fmt.Errorf("scale %q: input shape %v, want 1-D", l.Name(), in)
	}
	return int64(in[0]), in, nil
}

// Build creates s for a 1-D input shape (in features); the output has
// the input's shape.
func (l *Scale) Build(in []int, dt tensor.Dtype, _ *rand.Rand) ([]int, error) {
	if _, _, err := l.CountParams(in); err != nil {
		return nil, err
	}
	var err error
	if l.S, err = graph.NewParam(l.Name()+"/s", dt, true, 1, in[0]); err != nil {
		return nil, err
	}
	for i := 0; i < in[0]; i++ {
		l.S.SetAt(i, l.Init)
	}
	return in, nil
}

// Params lists s.
func (l *Scale) Params() []*graph.Param { return []*graph.Param{l.S} }

// Forward multiplies every row of x by s.
func (l *Scale) Forward(b *graph.Builder, x *G.Node) (*G.Node, error) {
	s, err := b.Param(l.S)
	if err != nil {
		return nil, err
	}
	return G.BroadcastHadamardProd(x, s, nil, []byte{0})
}

// A custom layer with its own config struct, registered, trains in a
// Sequential model, saves with train's Save and comes back from train.Load
// with its setting and predicting the same.
func ExampleRegisterLayer() {
	model := nn.Sequential("scaled", nn.Dense(4, nn.ReLU), &Scale{Init: 0.5}, nn.Dense(3, nn.Softmax))
	if err := model.Build(2, nn.BuildOptions{Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	points, _ := data.NewDataset("points", []float32{-2, 0, 2, 0, 0, 2, -1.5, 0.2, 1.8, -0.1, 0.1, 2.2}, 2,
		[]float32{0, 1, 2, 0, 1, 2}, 1, []string{"left", "right", "up"})
	tr, _ := train.Compile(model, train.Adam(0.05), train.SparseCategoricalCrossentropy())
	if _, err := tr.Fit(points, train.FitOptions{Epochs: 3, BatchSize: 6}); err != nil {
		fmt.Println(err)
		return
	}
	dir, _ := os.MkdirTemp("", "scale-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "scaled.ckpt")
	if err := tr.Save(path); err != nil {
		fmt.Println(err)
		return
	}
	back, err := train.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	before, _ := tr.Predict(points, 6)
	after, _ := back.Predict(points, 6)
	s := back.NN().Layers[1].(*Scale)
	fmt.Println("saved as:", s.Config())
	fmt.Println("loaded layer:", s.Name(), s.Type(), "init", s.Init)
	fmt.Println("trained away from 0.5:", s.S.At(0) != 0.5)
	fmt.Println("same prediction:", reflect.DeepEqual(before, after))
	fmt.Print(back.NN().Summary())
	// Output:
	// saved as: {"type":"Scale","name":"scale","init":0.5}
	// loaded layer: scale Scale init 0.5
	// trained away from 0.5: true
	// same prediction: true
	// Model: "scaled"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
	// │ dense (Dense)                   │ (None, 4)              │            12 │
	// │ scale (Scale)                   │ (None, 4)              │             4 │
	// │ dense_1 (Dense)                 │ (None, 3)              │            15 │
	// └─────────────────────────────────┴────────────────────────┴───────────────┘
	//  Total params: 31 (124.00 B)
	//  Trainable params: 31 (124.00 B)
	//  Non-trainable params: 0 (0.00 B)
}
