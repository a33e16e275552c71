// Command functional-api builds models with gradgraph's functional API
// (nn.Input, nn.Call, nn.NewModel), prints their summaries, draws a small
// residual convnet's graph as the report's model.png draws it, and shows
// the errors a mistaken call gives, for notebook 05-functional.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/viz"
)

func main() {
	img := flag.String("img", "out/notebooks/05-functional", "folder for the figures")
	flag.Parse()
	if err := os.MkdirAll(*img, 0o755); err != nil {
		log.Fatal(err)
	}
	if err := run(*img); err != nil {
		log.Fatal(err)
	}
}

func run(img string) error {
	fmt.Println("notebook:section first") // notebook:hide
	// notebook:begin first
	// keras.Input(shape=(64,)): a symbolic tensor, one flat 8×8 digit per
	// sample; None in its shape is the batch axis, unknown until data comes.
	inputs := nn.Input("pixels", 64)
	fmt.Println(inputs)

	// Calling a layer on a tensor, Keras's Dense(64)(inputs), gives the
	// tensor of its output. Nothing is computed and no weight exists yet:
	// the call records the layer and checks the shapes.
	x := nn.Call(nn.Dense(64, nn.ReLU), inputs)
	fmt.Println(x)
	x = nn.Call(nn.Dense(64, nn.ReLU), x)
	outputs := nn.Call(nn.Dense(10, nn.Softmax), x)
	fmt.Println(outputs)

	// keras.Model(inputs, outputs): the layers between them, in call order;
	// Init creates their weights from the seed.
	model, err := nn.NewModel("digits_mlp", []*nn.Tensor{inputs}, []*nn.Tensor{outputs})
	if err != nil {
		return err
	}
	if err := model.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(model.Summary())
	// The model named its layers, Keras's way: x is now dense_1's output.
	fmt.Println(x)
	// notebook:end

	fmt.Println("notebook:section exercise-first") // notebook:hide
	// notebook:begin exercise-first
	// One hidden layer of 128 units instead of two of 64.
	wideIn := nn.Input("pixels", 64)
	wideOut := nn.Call(nn.Dense(10, nn.Softmax), nn.Call(nn.Dense(128, nn.ReLU), wideIn))
	wide, err := nn.NewModel("digits_wide", []*nn.Tensor{wideIn}, []*nn.Tensor{wideOut})
	if err != nil {
		return err
	}
	if err := wide.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	params := 0
	for _, p := range wide.Params() {
		params += p.Size()
	}
	fmt.Println("one layer of 128:", params, "params")
	// notebook:end

	fmt.Println("notebook:section resnet") // notebook:hide
	// notebook:begin resnet
	// Keras's "toy ResNet" from its functional API guide, cut down to the
	// 8×8 digits: two residual blocks, each adding its input back to the
	// output of two convolutions ("same" padding keeps 8×8×16, so the
	// shapes agree).
	image := nn.Input("image", 8, 8, 1)
	h := nn.Call(nn.Conv2D(16, 3, nn.ReLU).WithPadding("same"), image)
	for range 2 {
		f := nn.Call(nn.Conv2D(16, 3, nn.ReLU).WithPadding("same"), h)
		f = nn.Call(nn.Conv2D(16, 3, nn.Linear).WithPadding("same"), f)
		h = nn.Call(nn.Act(nn.ReLU), nn.Call(nn.Add(), h, f))
	}
	h = nn.Call(nn.GlobalAveragePooling2D(), h)
	digit := nn.Call(nn.Dense(10, nn.Softmax), h)
	resnet, err := nn.NewModel("toy_resnet", []*nn.Tensor{image}, []*nn.Tensor{digit})
	if err != nil {
		return err
	}
	if err := resnet.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	fmt.Print(resnet.Summary())
	if err := viz.PlotModel(filepath.Join(img, "toy-resnet.png"), resnet); err != nil {
		return err
	}
	// notebook:end

	fmt.Println("notebook:section exercise-widen") // notebook:hide
	// notebook:begin exercise-widen
	// A block that widens 16 maps to 32: the skip path has 16 channels,
	// F's output 32, and Add refuses them...
	maps := nn.Input("maps", 8, 8, 16)
	f := nn.Call(nn.Conv2D(32, 3, nn.ReLU).WithPadding("same"), maps)
	f = nn.Call(nn.Conv2D(32, 3, nn.Linear).WithPadding("same"), f)
	fmt.Println(nn.Call(nn.Add(), maps, f))
	// ... unless a 1×1 convolution projects the skip path to 32 channels.
	project := nn.Conv2D(32, 1, nn.Linear)
	widened := nn.Call(nn.Add(), nn.Call(project, maps), f)
	wm, err := nn.NewModel("widen", []*nn.Tensor{maps}, []*nn.Tensor{widened})
	if err != nil {
		return err
	}
	if err := wm.Init(nn.BuildOptions{Seed: 1}); err != nil {
		return err
	}
	projParams := 0
	for _, p := range project.Params() {
		projParams += p.Size()
	}
	fmt.Println(widened, "; the projection has", projParams, "params")
	// notebook:end

	fmt.Println("notebook:section errors") // notebook:hide
	// notebook:begin errors
	// Adding a (None, 64) tensor to a (None, 32) one: the call fails at
	// once, and the tensor it returns carries the error...
	a := nn.Input("a", 64)
	b := nn.Call(nn.Dense(32, nn.ReLU), a)
	sum := nn.Call(nn.Add(), a, b)
	fmt.Println(sum)
	// ... through every later call, so that a model is written as a chain of
	// calls and the first mistake comes back once, from NewModel.
	out := nn.Call(nn.Dense(10, nn.Softmax), sum)
	_, err = nn.NewModel("bad_add", []*nn.Tensor{a}, []*nn.Tensor{out})
	fmt.Println("1:", err)

	// A Dense layer on an image, without a Flatten.
	_, err = nn.NewModel("bad_dense", []*nn.Tensor{image},
		[]*nn.Tensor{nn.Call(nn.Dense(10, nn.Softmax), image)})
	fmt.Println("2:", err)

	// An output that needs an input the model is not given.
	other := nn.Input("other", 64)
	both := nn.Call(nn.Concatenate(-1), a, other)
	_, err = nn.NewModel("bad_inputs", []*nn.Tensor{a}, []*nn.Tensor{nn.Call(nn.Dense(10, nn.Softmax), both)})
	fmt.Println("3:", err)
	// notebook:end

	fmt.Println("notebook:section exercise-concat") // notebook:hide
	// notebook:begin exercise-concat
	// Concatenate instead of Add on the first mistake's two tensors.
	fmt.Println(nn.Call(nn.Concatenate(-1), a, b))
	// notebook:end
	return nil
}
