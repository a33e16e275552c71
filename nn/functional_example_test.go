package nn_test

import (
	"fmt"

	"github.com/gradgraph/gradgraph/nn"
)

// A residual block and a second input, with the functional API.
func ExampleNewModel() {
	img, meta := nn.Input("image", 8, 8, 1), nn.Input("meta", 3)
	h := nn.Call(nn.Conv2D(4, 3, nn.ReLU).WithPadding("same"), img)
	r := nn.Call(nn.Conv2D(4, 3, nn.Linear).WithPadding("same"), h)
	h = nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, r)) // the skip connection
	h = nn.Call(nn.Concatenate(-1), nn.Call(nn.GlobalAveragePooling2D(), h), meta)
	out := nn.Call(nn.Dense(2, nn.Softmax), h)
	model, err := nn.NewModel("two_inputs", []*nn.Tensor{img, meta}, []*nn.Tensor{out})
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := model.Init(nn.BuildOptions{Seed: 1}); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(model.Summary())

	// A merge of two shapes is an error naming the layer and both shapes.
	_, err = nn.NewModel("bad", []*nn.Tensor{meta}, []*nn.Tensor{nn.Call(nn.Add(), meta, nn.Call(nn.Dense(4, nn.ReLU), meta))})
	fmt.Println(err)
	// Output:
	// Model: "two_inputs"
	// ┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┓
	// ┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃ Connected to                    ┃
	// ┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┩
	// │ image (InputLayer)              │ (None, 8, 8, 1)        │             0 │ -                               │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ meta (InputLayer)               │ (None, 3)              │             0 │ -                               │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ conv2d (Conv2D)                 │ (None, 8, 8, 4)        │            40 │ image[0][0]                     │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ conv2d_1 (Conv2D)               │ (None, 8, 8, 4)        │           148 │ conv2d[0][0]                    │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ add (Add)                       │ (None, 8, 8, 4)        │             0 │ conv2d[0][0],                   │
	// │                                 │                        │               │ conv2d_1[0][0]                  │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ activation (Activation)         │ (None, 8, 8, 4)        │             0 │ add[0][0]                       │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ global_average_pooling2d        │ (None, 4)              │             0 │ activation[0][0]                │
	// │ (GlobalAveragePooling2D)        │                        │               │                                 │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ concatenate (Concatenate)       │ (None, 7)              │             0 │ global_average_pooling2d[0][0], │
	// │                                 │                        │               │ meta[0][0]                      │
	// ├─────────────────────────────────┼────────────────────────┼───────────────┼─────────────────────────────────┤
	// │ dense (Dense)                   │ (None, 2)              │            16 │ concatenate[0][0]               │
	// └─────────────────────────────────┴────────────────────────┴───────────────┴─────────────────────────────────┘
	//  Total params: 204 (816.00 B)
	//  Trainable params: 204 (816.00 B)
	//  Non-trainable params: 0 (0.00 B)
	// model "bad": output 0: call Add on (None, 3) and (None, 4): Add: input 1 has shape (None, 4), input 0 (None, 3); Add needs inputs of one shape
}
