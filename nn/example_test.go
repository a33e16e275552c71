package nn_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/nn"
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
	// linear unknown activation "gelu" (known: linear, relu, sigmoid, softmax, tanh)
}
