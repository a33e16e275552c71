// Command images trains an image classifier on a folder of your own
// images, as Keras's image_dataset_from_directory tutorials do: -train
// holds one subfolder per class (cats/001.png, dogs/a/002.jpg; PNG, JPEG
// and GIF), the class names are the folder names in sorted order, and
// without -test a seeded fraction (-val) of -train is held out to test on.
//
//	go run ./cmd/images -train DIR [-test DIR] -model dense|convnet|resnet -size WxH [-gray] \
//	    -epochs N -seed S -out DIR [-save PATH] [-onnx PATH] [-batch B] [-val F] [-stream] [-workers K]
//
// Recipes (-model), cmd/mnist's (package cmd/internal/recipe), each
// starting with Rescaling(1/255) inside the model, so that the saved and
// exported model takes raw pixel values 0..255 as Keras's tutorials'
// models do:
//
//   - dense: Flatten → Dense(512, relu) → Dense(classes, softmax), RMSprop
//     1e-3, 5 epochs of batches of 128;
//   - convnet (default): Keras's MNIST convnet, three Conv2D(3×3, relu) of
//     32, 64 and 128 filters with two MaxPooling2D(2) between them →
//     Flatten → Dense(classes, softmax), RMSprop 1e-3, 5 epochs of batches
//     of 64 (images of at least 18×18);
//   - resnet: the small residual convnet, Adam 1e-3 decayed per epoch by a
//     cosine, 10 epochs of batches of 64.
//
// Flags:
//
//	-train DIR      training images, one subfolder per class (required)
//	-test DIR       test images, the same class folders; without it, -val of -train
//	-val F          fraction of -train held out to test on without -test (default 0.2)
//	-model NAME     dense, convnet or resnet (default convnet)
//	-size WxH       resize every image to W×H pixels (bilinear); without it all must share one size
//	-gray           read one grey channel instead of RGB
//	-epochs N       epochs (default per recipe)
//	-batch B        batch size (default per recipe)
//	-lr X           learning rate (default per recipe)
//	-seed S         seed of the split, the weights and the shuffling (default 1)
//	-stream         decode images batch by batch as training asks for them, in bounded memory
//	-workers K      goroutines decoding images (default: one per core); results do not depend on it
//	-out DIR        output folder (default out/images)
//	-save PATH      the checkpoint (default OUT/model.ckpt)
//	-onnx PATH      also export the trained model as ONNX (package onnx)
//	-quiet          print only the test figures
//	-serve ADDR     serve a live page of the run (viz/dashboard), loopback unless ADDR names a host
//	-serve-wait     with -serve, keep serving the finished page and the report until Ctrl-C
//	-write-fashion DIR  write Fashion-MNIST as PNG folders DIR/train and DIR/test, and exit
//
// It writes to -out, checked writable before any image is read (as are
// -save's and -onnx's folders): the checkpoint, history.csv, metrics.json
// (test_accuracy, test_loss, epoch_seconds, class_names, ...), curves.png,
// confusion.png with the
// class names, mistakes.png (a grid of misclassified test images with their
// true and predicted classes), and report.html / report.md (package
// cmd/internal/report). Errors (a missing folder, an empty class folder, a
// single class, images of mixed sizes without -size, a malformed flag) are
// printed as "images: <error>" on one line, with exit status 1. Every file
// is written aside and moved into place only once all of them are, after
// the evaluation: a run that fails leaves an earlier run's files as they
// were. What a killed run leaves aside (a hidden .images-staged-PID-*
// folder in -out, hidden temporary files beside -save and -onnx) is
// removed by the next run once that process has gone. If a move itself
// fails part way, the error names the files moved and those not.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/cmd/internal/cli"
	"github.com/gradgraph/gradgraph/cmd/internal/live"
	rcp "github.com/gradgraph/gradgraph/cmd/internal/recipe"
	"github.com/gradgraph/gradgraph/cmd/internal/report"
	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph/blas"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/onnx"
	"github.com/gradgraph/gradgraph/train"
)

func main() { cli.Main("images", run) }

// recipes are the -model choices and their training defaults.
var recipes = map[string]rcp.Defaults{
	"dense":   rcp.Dense512Defaults,
	"convnet": rcp.ConvnetDefaults,
	"resnet":  rcp.ResnetDefaults,
}

// defaultVal is -val's default, Keras's tutorials' validation_split.
const defaultVal = 0.2

type config struct {
	trainDir, testDir, model, out string
	save, onnxOut, writeFashion   string
	width, height                 int // 0: the images' own size
	epochs, batch, workers        int
	seed                          int64
	lr, val                       float64
	gray, stream, quiet           bool
	serve                         live.Flags
}

func parse(args []string, stdout io.Writer) (config, error) {
	var c config
	var size string
	fs := flag.NewFlagSet("images", flag.ContinueOnError)
	fs.StringVar(&c.trainDir, "train", "", "folder of training images, one subfolder per class (required)")
	fs.StringVar(&c.testDir, "test", "", "folder of test images with the same class folders (default: hold out -val of -train)")
	fs.Float64Var(&c.val, "val", defaultVal, "fraction of -train held out, seeded by -seed, to test on when there is no -test")
	fs.StringVar(&c.model, "model", "convnet", "recipe: dense, convnet or resnet")
	fs.StringVar(&size, "size", "", "resize every image to WIDTHxHEIGHT pixels, e.g. 28x28 (default: the images' own size, which must be the same for all)")
	fs.BoolVar(&c.gray, "gray", false, "read images as one grey channel instead of RGB")
	fs.IntVar(&c.epochs, "epochs", 0, "number of epochs (default 5 for dense and convnet, 10 for resnet)")
	fs.IntVar(&c.batch, "batch", 0, "batch size (default 128 for dense, 64 for convnet and resnet)")
	fs.Float64Var(&c.lr, "lr", 0, "learning rate (default 1e-3: RMSprop for dense and convnet, Adam with a cosine decay for resnet)")
	fs.Int64Var(&c.seed, "seed", 1, "seed of the validation split, the initial weights and the shuffling")
	fs.BoolVar(&c.stream, "stream", false, "decode images as training asks for them, in bounded memory, instead of all up front")
	fs.IntVar(&c.workers, "workers", 0, "goroutines decoding images (0: one per core); the results do not depend on it")
	fs.StringVar(&c.out, "out", "out/images", "folder for the checkpoint, history.csv, metrics.json, the figures and report.html/report.md")
	fs.StringVar(&c.save, "save", "", "checkpoint file (default OUT/model.ckpt)")
	fs.StringVar(&c.onnxOut, "onnx", "", "also write the trained model as an ONNX file (opset 13, float32, raw pixels channels last) to this path")
	fs.BoolVar(&c.quiet, "quiet", false, "print only the test figures")
	fs.StringVar(&c.writeFashion, "write-fashion", "", "write Fashion-MNIST (Debian's dataset-fashion-mnist or the cache) as PNG folders DIR/train and DIR/test, then exit")
	c.serve.Register(fs)
	if err := cli.Parse(fs, args, stdout); err != nil {
		return c, err
	}
	if err := c.serve.Check(); err != nil {
		return c, err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if c.writeFashion != "" {
		if len(given) > 1 {
			return c, errors.New("-write-fashion: give it alone; it writes the folders and exits")
		}
		return c, nil
	}
	if c.trainDir == "" {
		return c, errors.New("-train: give the folder of training images (one subfolder per class, e.g. -train photos with photos/cats/1.jpg and photos/dogs/2.jpg)")
	}
	r, ok := recipes[c.model]
	if !ok {
		return c, errors.Errorf("unknown -model %q: want dense, convnet or resnet", c.model)
	}
	var err error
	if c.width, c.height, err = parseSize(size); err != nil {
		return c, err
	}
	if limit := data.DefaultMaxImagePixels; c.width > 0 && int64(c.width) > limit/int64(c.height) {
		return c, errors.Errorf("-size %q: %d pixels, more than the %d an image may have", size, int64(c.width)*int64(c.height), limit)
	}
	if err := r.Apply(given, &c.epochs, &c.batch, &c.lr, false, ""); err != nil {
		return c, err
	}
	if c.testDir != "" && given["val"] {
		return c, errors.Errorf("-val %v with -test %s: the validation split is made only without -test", c.val, c.testDir)
	}
	if c.testDir == "" && !(c.val > 0 && c.val < 1) {
		return c, errors.Errorf("-val %v: the fraction of -train to test on must lie strictly between 0 and 1", c.val)
	}
	if c.workers < 0 {
		return c, errors.Errorf("-workers %d: must not be negative (0: one per core)", c.workers)
	}
	if c.out == "" {
		return c, errors.New("-out: the output folder must not be empty")
	}
	if c.save == "" {
		c.save = filepath.Join(c.out, "model.ckpt")
	}
	return c, nil
}

// parseSize reads -size WIDTHxHEIGHT; "" is 0, 0 (the images' own size).
func parseSize(s string) (w, h int, err error) {
	if s == "" {
		return 0, 0, nil
	}
	bad := func(why string) error {
		return errors.Errorf("-size %q: %s; want WIDTHxHEIGHT in pixels, e.g. -size 28x28", s, why)
	}
	ws, hs, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok {
		return 0, 0, bad("no x between width and height")
	}
	if w, err = strconv.Atoi(ws); err != nil {
		return 0, 0, bad(fmt.Sprintf("width %q is not a whole number", ws))
	}
	if h, err = strconv.Atoi(hs); err != nil {
		return 0, 0, bad(fmt.Sprintf("height %q is not a whole number", hs))
	}
	if w < 1 || h < 1 {
		return 0, 0, bad("width and height must be at least 1")
	}
	return w, h, nil
}

// useBLAS installs the BLAS once per process: tests call run many times.
var useBLAS = sync.OnceValues(blas.Use)

func run(args []string, stdout io.Writer) error {
	c, err := parse(args, stdout)
	if err != nil {
		return err
	}
	if c.writeFashion != "" {
		return writeFashion(c.writeFashion, stdout)
	}
	backend, err := useBLAS()
	if err != nil {
		fmt.Fprintln(os.Stderr, "images: warning:", err)
	}
	if !c.quiet {
		fmt.Fprintln(stdout, "BLAS:", backend)
	}
	if err := report.OutDir(c.out); err != nil {
		return err
	}
	st, err := stage(c)
	if err != nil {
		return err
	}
	defer st.discard()
	s, err := load(c)
	if err != nil {
		return err
	}
	if !c.quiet {
		fmt.Fprintln(stdout, s.describe())
	}
	tr, title, err := trainer(c, s)
	if err != nil {
		return err
	}
	if !c.quiet {
		fmt.Fprint(stdout, tr.NN().Summary())
	}
	dash, err := live.Start(c.serve, title, map[string]any{
		"model": c.model, "optimizer": tr.Optimizer.Name(), "learning_rate": c.lr, "batch_size": c.batch,
		"epochs": c.epochs, "seed": c.seed, "train_samples": s.train.Len(),
	}, stdout)
	if err != nil {
		return err
	}
	defer dash.Close()
	fit, err := fitTimed(tr, c, s, dash, stdout)
	if err != nil {
		return err
	}
	// Everything that can fail runs before any file is replaced: the
	// evaluation reads test images that a stream has not read yet.
	ev, err := evaluate(tr, c, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s loss: %.4f\n%s accuracy: %.4f\n", s.testName(), ev.logs["loss"], s.testName(), ev.logs["accuracy"])
	if err := tr.Save(st.ckpt); err != nil {
		return errors.Wrapf(err, "-save %s", c.save)
	}
	if c.onnxOut != "" {
		if err := onnx.ExportFile(st.onnx, tr.NN(), onnx.Options{}); err != nil {
			return errors.Wrapf(err, "-onnx %s", c.onnxOut)
		}
	}
	if err := writeOutputs(c, st, s, tr, title, fit, ev); err != nil {
		return err
	}
	if err := st.commit(c); err != nil {
		return err
	}
	return dash.Finish(c.out)
}

// trainer builds and compiles the recipe for the images' shape and
// classes, with Rescaling(1/255) as its first layer. It returns a title
// for the curves too.
func trainer(c config, s *sets) (*train.Trainer, string, error) {
	classes := len(s.classes)
	rescale := nn.Rescaling(1.0/255, 0)
	var (
		model *nn.Model
		opt   train.Optimizer
		net   string
		err   error
	)
	switch c.model {
	case "dense":
		model = nn.Sequential("images", append([]nn.Layer{rescale, nn.Flatten()}, rcp.Dense512(classes)...)...)
		opt, net = train.RMSprop(c.lr), "Dense(512, relu)"
	case "convnet":
		model = nn.Sequential("images", append([]nn.Layer{rescale}, rcp.Convnet(classes)...)...)
		opt, net = train.RMSprop(c.lr), "convnet (3 Conv2D, 2 MaxPooling2D)"
	case "resnet":
		if model, err = rcp.Resnet("images", s.shape(), classes, rescale); err != nil {
			return nil, "", err
		}
		opt, net = train.Adam(c.lr), "resnet (stem, 2 residual blocks, global average pooling)"
	}
	if err := model.BuildShape(s.shape(), nn.BuildOptions{Seed: c.seed}); err != nil {
		return nil, "", errors.Wrapf(err, "-model %s on %dx%dx%d images (width x height x channels; -size changes the size)",
			c.model, s.w, s.h, s.c)
	}
	tr, err := train.Compile(model, opt, train.SparseCategoricalCrossentropy(), train.Accuracy())
	title := fmt.Sprintf("%s: %s → Dense(%d, softmax), %s %g, batch %d", filepath.Base(filepath.Clean(c.trainDir)), net, classes, opt.Name(), c.lr, c.batch)
	return tr, title, err
}

// fitResult is the training history with each epoch's wall time.
type fitResult struct {
	hist             *train.History
	epochSeconds     []float64
	seconds          float64 // their sum
	samplesPerSecond float64
}

// fitTimed trains for -epochs epochs, timing each one.
func fitTimed(tr *train.Trainer, c config, s *sets, dash *live.Session, stdout io.Writer) (fitResult, error) {
	var (
		r     fitResult
		timer report.EpochTimes
	)
	fit := train.FitOptions{Epochs: c.epochs, BatchSize: c.batch, Seed: c.seed, Callbacks: dash.Add([]train.Callback{timer.Callback()})}
	if !c.quiet {
		fit.Progress = stdout
	}
	if recipes[c.model].Cosine {
		if err := rcp.CosineLR(tr, &fit, c.lr); err != nil {
			return r, err
		}
	}
	var err error
	if r.hist, err = tr.Fit(s.train, fit); err != nil {
		return r, err
	}
	r.epochSeconds, r.seconds, r.samplesPerSecond = timer.Seconds, timer.Total(), timer.PerSecond(s.train.Len())
	return r, nil
}
