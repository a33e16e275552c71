package graph

import (
	"fmt"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// nilEnv is a builder with a node of every kind the entry points take, for
// the arguments that are not the nil one.
type nilEnv struct {
	b      *Builder
	x2, x4 *G.Node // a (2, 3) matrix and (2, 4, 4, 1) images
	w, b2  *G.Node // p's node and a (1, 2) bias: x2·w + b2 is well shaped
	p      *Param  // a (3, 2) trainable param, used by the graph
	row    *Param  // a (1, 1) param: gamma, beta, moving statistics, bias
	ch     *Param  // a (1, 3) param: x2's or k's per-channel statistics, bias
	k      *Param  // a (2, 2, 1, 3) convolution kernel
	g      Window  // 2×2 pooling/convolution window over x4
}

func newNilEnv(t *testing.T, fused, training bool) *nilEnv {
	t.Helper()
	b, err := NewBuilder(Float64, 2, training)
	if err != nil {
		t.Fatal(err)
	}
	b.Fused = fused
	e := &nilEnv{b: b, x2: b.Input("x2", 2, 3).Node, x4: b.Input("x4", 2, 4, 4, 1).Node}
	if e.p, err = NewParam("p", Float64, true, 3, 2); err != nil {
		t.Fatal(err)
	}
	if e.w, err = b.Param(e.p); err != nil {
		t.Fatal(err)
	}
	e.b2 = b.Input("b2", 1, 2).Node
	if e.row, err = NewParam("row", Float64, true, 1, 1); err != nil {
		t.Fatal(err)
	}
	if e.ch, err = NewParam("ch", Float64, true, 1, 3); err != nil {
		t.Fatal(err)
	}
	if e.k, err = NewParam("k", Float64, true, 2, 2, 1, 3); err != nil {
		t.Fatal(err)
	}
	if e.g, err = NewWindow(4, 4, 1, [2]int{2, 2}, [2]int{2, 2}, "valid"); err != nil {
		t.Fatal(err)
	}
	return e
}

// callNoPanic runs f, turning a panic into an error that says so.
func callNoPanic(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("PANIC: %v", r)
		}
	}()
	return f()
}

// TestNilNodes passes a nil node, one argument at a time, to every
// exported entry point of the package that takes nodes (the node of a
// call whose error was ignored): each must return an error naming the op
// and the argument, not panic. So must a nil *Builder passed to a twin or
// a Builder op method, and a nil *Param passed to BatchNorm or Conv2D
// (named by its argument, not the generic "the param is nil"). The
// Builder's op methods are called in both fusion modes, BatchNorm in
// training and inference.
func TestNilNodes(t *testing.T) {
	var none *G.Node
	op := func(n *G.Node, err error) error { return err }
	cases := []struct {
		name string
		want []string // substrings of the error: the op and the argument
		call func(e *nilEnv) error
	}{
		{"AffineTransform x", []string{"affine transform", "x is nil"}, func(e *nilEnv) error {
			return op(AffineTransform(none, e.x2, FillConstant, 0, InterpolationBilinear))
		}},
		{"AffineTransform t", []string{"affine transform", "t is nil"}, func(e *nilEnv) error {
			return op(AffineTransform(e.x4, none, FillConstant, 0, InterpolationBilinear))
		}},
		{"AdjustContrast x", []string{"contrast", "x is nil"}, func(e *nilEnv) error { return op(AdjustContrast(none, e.x2, 0, 1)) }},
		{"AdjustContrast f", []string{"contrast", "f is nil"}, func(e *nilEnv) error { return op(AdjustContrast(e.x4, none, 0, 1)) }},
		{"BatchNormTrain x", []string{"batchnorm", "x is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTrain(none, e.x2, e.x2, 1e-3, true)
			return err
		}},
		{"BatchNormTrain gamma", []string{"batchnorm", "gamma is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTrain(e.x2, none, e.x2, 1e-3, true)
			return err
		}},
		{"BatchNormTrain beta", []string{"batchnorm", "beta is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTrain(e.x2, e.x2, none, 1e-3, true)
			return err
		}},
		{"BatchNormInfer x", []string{"batchnorm", "x is nil"}, func(e *nilEnv) error {
			return op(BatchNormInfer(none, e.x2, e.x2, e.x2, e.x2, 1e-3, true))
		}},
		{"BatchNormInfer gamma", []string{"batchnorm", "gamma is nil"}, func(e *nilEnv) error {
			return op(BatchNormInfer(e.x2, none, e.x2, e.x2, e.x2, 1e-3, true))
		}},
		{"BatchNormInfer beta", []string{"batchnorm", "beta is nil"}, func(e *nilEnv) error {
			return op(BatchNormInfer(e.x2, e.x2, none, e.x2, e.x2, 1e-3, true))
		}},
		{"BatchNormInfer mean", []string{"batchnorm", "mean is nil"}, func(e *nilEnv) error {
			return op(BatchNormInfer(e.x2, e.x2, e.x2, none, e.x2, 1e-3, true))
		}},
		{"BatchNormInfer variance", []string{"batchnorm", "variance is nil"}, func(e *nilEnv) error {
			return op(BatchNormInfer(e.x2, e.x2, e.x2, e.x2, none, 1e-3, true))
		}},
		{"BatchNormTwin", []string{"batchnorm twin", "x is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTwin(e.b, none, e.row, e.row, e.row, e.row, 1e-3)
			return err
		}},
		{"Builder.BatchNorm", []string{"batchnorm", "x is nil"}, func(e *nilEnv) error {
			_, _, _, err := e.b.BatchNorm(none, e.row, e.row, e.row, e.row, 1e-3)
			return err
		}},
		{"ConvTwin", []string{"conv twin", "x is nil"}, func(e *nilEnv) error {
			return op(ConvTwin(e.b, e.g, none, e.k, nil, false, nil))
		}},
		{"Builder.Conv2D", []string{"conv", "x is nil"}, func(e *nilEnv) error {
			return op(e.b.Conv2D(e.g, none, e.k, nil, true, nil))
		}},
		{"Builder.Conv2D act returns nil", []string{"reshape", "x is nil"}, func(e *nilEnv) error {
			return op(e.b.Conv2D(e.g, e.x4, e.k, nil, false, func(*G.Node) (*G.Node, error) { return nil, nil }))
		}},
		{"Dense x", []string{"dense", "x is nil"}, func(e *nilEnv) error { return op(Dense(none, e.x2, e.x2, false, true)) }},
		{"Dense w", []string{"dense", "w is nil"}, func(e *nilEnv) error { return op(Dense(e.x2, none, e.x2, false, true)) }},
		{"Dense b", []string{"dense", "b is nil"}, func(e *nilEnv) error { return op(Dense(e.x2, e.x2, none, false, true)) }},
		{"DenseTwin x", []string{"dense twin", "x is nil"}, func(e *nilEnv) error { return op(DenseTwin(e.b, none, e.x2, e.x2, true)) }},
		{"DenseTwin w", []string{"dense twin", "w is nil"}, func(e *nilEnv) error { return op(DenseTwin(e.b, e.x2, none, e.x2, true)) }},
		{"DenseTwin bias", []string{"dense twin", "bias is nil"}, func(e *nilEnv) error { return op(DenseTwin(e.b, e.x2, e.x2, none, true)) }},
		{"Builder.Dense x", []string{"dense", "x is nil"}, func(e *nilEnv) error { return op(e.b.Dense(none, e.x2, e.x2, true)) }},
		{"Builder.Dense w", []string{"dense", "w is nil"}, func(e *nilEnv) error { return op(e.b.Dense(e.x2, none, e.x2, true)) }},
		{"Builder.Dense bias", []string{"dense", "is nil"}, func(e *nilEnv) error { return op(e.b.Dense(e.x2, e.x2, none, true)) }},
		{"Dropout x", []string{"dropout", "x is nil"}, func(e *nilEnv) error { return op(Dropout(none, e.x2)) }},
		{"Dropout mask", []string{"dropout", "mask is nil"}, func(e *nilEnv) error { return op(Dropout(e.x2, none)) }},
		{"Builder.Dropout x", []string{"dropout", "x is nil"}, func(e *nilEnv) error { return op(e.b.Dropout(none, e.x2)) }},
		{"Builder.Dropout mask", []string{"dropout", "mask is nil"}, func(e *nilEnv) error { return op(e.b.Dropout(e.x2, none)) }},
		{"GlobalAvgPoolTwin", []string{"global average pool twin", "x is nil"}, func(e *nilEnv) error { return op(GlobalAvgPoolTwin(none)) }},
		{"GlobalMaxPoolTwin", []string{"global max pool twin", "x is nil"}, func(e *nilEnv) error { return op(GlobalMaxPoolTwin(none)) }},
		{"Builder.GlobalAvgPool2D", []string{"global average pool", "x is nil"}, func(e *nilEnv) error { return op(e.b.GlobalAvgPool2D(none)) }},
		{"Builder.GlobalMaxPool2D", []string{"global max pool", "x is nil"}, func(e *nilEnv) error { return op(e.b.GlobalMaxPool2D(none)) }},
		{"LogSoftmax", []string{"log-softmax", "x is nil"}, func(e *nilEnv) error { return op(LogSoftmax(none)) }},
		{"LogSoftmaxTwin", []string{"log-softmax twin", "x is nil"}, func(e *nilEnv) error { return op(LogSoftmaxTwin(e.b, none)) }},
		{"Builder.LogSoftmax", []string{"log-softmax", "x is nil"}, func(e *nilEnv) error { return op(e.b.LogSoftmax(none)) }},
		{"Softmax", []string{"softmax", "lp is nil"}, func(e *nilEnv) error { return op(Softmax(none)) }},
		{"SoftmaxTwin", []string{"softmax twin", "lp is nil"}, func(e *nilEnv) error { return op(SoftmaxTwin(e.b, none)) }},
		{"Builder.Softmax", []string{"softmax", "lp is nil"}, func(e *nilEnv) error { return op(e.b.Softmax(none)) }},
		{"MaxPoolTwin", []string{"maxpool twin", "x is nil"}, func(e *nilEnv) error { return op(MaxPoolTwin(none, e.g)) }},
		{"Builder.MaxPool2D", []string{"maxpool", "x is nil"}, func(e *nilEnv) error { return op(e.b.MaxPool2D(e.g, none)) }},
		{"Maximum m", []string{"maximum", "m is nil"}, func(e *nilEnv) error { return op(Maximum(none, e.x2)) }},
		{"Maximum v", []string{"maximum", "v is nil"}, func(e *nilEnv) error { return op(Maximum(e.x2, none)) }},
		{"StdFloor", []string{"stdfloor", "v is nil"}, func(e *nilEnv) error { return op(StdFloor(none, 1e-3)) }},
		{"ReLU", []string{"relu", "x is nil"}, func(e *nilEnv) error { return op(ReLU(none)) }},
		{"ReLUTwin", []string{"relu twin", "x is nil"}, func(e *nilEnv) error { return op(ReLUTwin(e.b, none)) }},
		{"Builder.ReLU", []string{"relu", "x is nil"}, func(e *nilEnv) error { return op(e.b.ReLU(none)) }},
		{"Reshape", []string{"reshape", "x is nil"}, func(e *nilEnv) error { return op(Reshape(none, 6)) }},
		{"Sigmoid", []string{"sigmoid", "x is nil"}, func(e *nilEnv) error { return op(Sigmoid(none)) }},
		{"SigmoidTwin", []string{"sigmoid twin", "x is nil"}, func(e *nilEnv) error { return op(SigmoidTwin(e.b, none)) }},
		{"Builder.Sigmoid", []string{"sigmoid", "x is nil"}, func(e *nilEnv) error { return op(e.b.Sigmoid(none)) }},
		{"CrossEntropy logp", []string{"cross-entropy", "logp is nil"}, func(e *nilEnv) error { return op(CrossEntropy(none, e.x2)) }},
		{"CrossEntropy target", []string{"cross-entropy", "target is nil"}, func(e *nilEnv) error { return op(CrossEntropy(e.x2, none)) }},
		{"CrossEntropyTwin logp", []string{"cross-entropy twin", "logp is nil"}, func(e *nilEnv) error { return op(CrossEntropyTwin(e.b, none, e.x2)) }},
		{"CrossEntropyTwin target", []string{"cross-entropy twin", "target is nil"}, func(e *nilEnv) error { return op(CrossEntropyTwin(e.b, e.x2, none)) }},
		{"Builder.CrossEntropy logp", []string{"cross-entropy", "logp is nil"}, func(e *nilEnv) error { return op(e.b.CrossEntropy(none, e.x2)) }},
		{"Builder.CrossEntropy target", []string{"cross-entropy", "target is nil"}, func(e *nilEnv) error { return op(e.b.CrossEntropy(e.x2, none)) }},
		{"GradCheck loss", []string{"gradcheck", "loss is nil"}, func(e *nilEnv) error {
			_, err := GradCheck(e.b, none, []*Param{e.p}, 1e-6, 1)
			return err
		}},
		{"GradCheck builder", []string{"gradcheck", "builder is nil"}, func(e *nilEnv) error {
			_, err := GradCheck(nil, e.x2, []*Param{e.p}, 1e-6, 1)
			return err
		}},
		{"Builder.Compile loss", []string{"compile", "loss is nil"}, func(e *nilEnv) error {
			_, err := e.b.Compile(none, []*Param{e.p})
			return err
		}},
		{"Builder.Compile output", []string{"compile", "output 1 of 2 is nil"}, func(e *nilEnv) error {
			_, err := e.b.Compile(nil, nil, e.x2, none)
			return err
		}},
		{"Builder.Compile wrt", []string{"compile", "param 0 of 1 in wrt is nil"}, func(e *nilEnv) error {
			s, err := G.Sum(e.x2)
			if err != nil {
				return fmt.Errorf("setting up: %v", err)
			}
			_, err = e.b.Compile(s, []*Param{nil})
			return err
		}},
		{"Builder.Observe", []string{"compile", `observed as "stats" (Builder.Observe) is nil`}, func(e *nilEnv) error {
			e.b.Observe(none, "stats", func(*tensor.Dense) error { return nil })
			_, err := e.b.Compile(nil, nil, e.x2)
			return err
		}},
		{"Builder.Compile nil builder", []string{"compile", "builder is nil"}, func(e *nilEnv) error {
			var b *Builder
			_, err := b.Compile(nil, nil, e.x2)
			return err
		}},
		{"Builder.Param", []string{"param is nil"}, func(e *nilEnv) error { return op(e.b.Param(nil)) }},

		// A nil *Builder: every twin and op method that takes one names
		// the op, in both fusion modes (the builder's mode cannot be read).
		{"DenseTwin nil builder", []string{"dense twin", "the builder is nil"}, func(e *nilEnv) error { return op(DenseTwin(nil, e.x2, e.w, e.b2, true)) }},
		{"DenseTwin nil builder no relu", []string{"dense twin", "the builder is nil"}, func(e *nilEnv) error { return op(DenseTwin(nil, e.x2, e.w, e.b2, false)) }},
		{"ReLUTwin nil builder", []string{"relu twin", "the builder is nil"}, func(e *nilEnv) error { return op(ReLUTwin(nil, e.x2)) }},
		{"SigmoidTwin nil builder", []string{"sigmoid twin", "the builder is nil"}, func(e *nilEnv) error { return op(SigmoidTwin(nil, e.x2)) }},
		{"LogSoftmaxTwin nil builder", []string{"log-softmax twin", "the builder is nil"}, func(e *nilEnv) error { return op(LogSoftmaxTwin(nil, e.x2)) }},
		{"SoftmaxTwin nil builder", []string{"softmax twin", "the builder is nil"}, func(e *nilEnv) error { return op(SoftmaxTwin(nil, e.x2)) }},
		{"CrossEntropyTwin nil builder", []string{"cross-entropy twin", "the builder is nil"}, func(e *nilEnv) error { return op(CrossEntropyTwin(nil, e.x2, e.x2)) }},
		{"BatchNormTwin nil builder", []string{"batchnorm twin", "the builder is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTwin(nil, e.x2, e.ch, e.ch, e.ch, e.ch, 1e-3)
			return err
		}},
		{"ConvTwin nil builder", []string{"conv twin", "the builder is nil"}, func(e *nilEnv) error {
			return op(ConvTwin(nil, e.g, e.x4, e.k, nil, false, nil))
		}},
		{"Builder.Dense nil builder", []string{"dense", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).Dense(e.x2, e.w, e.b2, true)) }},
		{"Builder.ReLU nil builder", []string{"relu", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).ReLU(e.x2)) }},
		{"Builder.Sigmoid nil builder", []string{"sigmoid", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).Sigmoid(e.x2)) }},
		{"Builder.LogSoftmax nil builder", []string{"log-softmax", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).LogSoftmax(e.x2)) }},
		{"Builder.Softmax nil builder", []string{"softmax", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).Softmax(e.x2)) }},
		{"Builder.CrossEntropy nil builder", []string{"cross-entropy", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).CrossEntropy(e.x2, e.x2)) }},
		{"Builder.Dropout nil builder", []string{"dropout", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).Dropout(e.x2, e.x2)) }},
		{"Builder.MaxPool2D nil builder", []string{"maxpool", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).MaxPool2D(e.g, e.x4)) }},
		{"Builder.GlobalAvgPool2D nil builder", []string{"global average pool", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).GlobalAvgPool2D(e.x4)) }},
		{"Builder.GlobalMaxPool2D nil builder", []string{"global max pool", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).GlobalMaxPool2D(e.x4)) }},
		{"Builder.BatchNorm nil builder", []string{"batchnorm", "the builder is nil"}, func(e *nilEnv) error {
			_, _, _, err := (*Builder)(nil).BatchNorm(e.x2, e.ch, e.ch, e.ch, e.ch, 1e-3)
			return err
		}},
		{"Builder.Conv2D nil builder", []string{"conv2d", "the builder is nil"}, func(e *nilEnv) error {
			return op((*Builder)(nil).Conv2D(e.g, e.x4, e.k, nil, true, nil))
		}},
		{"Builder.Param nil builder", []string{"param", "the builder is nil"}, func(e *nilEnv) error { return op((*Builder)(nil).Param(e.p)) }},

		// A nil *Param is named by its argument, whatever the mode: a
		// moving statistic is refused in training too, where it is not
		// used, since the same layer's inference graph needs it.
		{"Builder.BatchNorm gamma", []string{"batchnorm: gamma param is nil"}, func(e *nilEnv) error {
			_, _, _, err := e.b.BatchNorm(e.x2, nil, e.ch, e.ch, e.ch, 1e-3)
			return err
		}},
		{"Builder.BatchNorm beta", []string{"batchnorm: beta param is nil"}, func(e *nilEnv) error {
			_, _, _, err := e.b.BatchNorm(e.x2, e.ch, nil, e.ch, e.ch, 1e-3)
			return err
		}},
		{"Builder.BatchNorm moving mean", []string{"batchnorm: moving mean param is nil"}, func(e *nilEnv) error {
			_, _, _, err := e.b.BatchNorm(e.x2, e.ch, e.ch, nil, e.ch, 1e-3)
			return err
		}},
		{"Builder.BatchNorm moving variance", []string{"batchnorm: moving variance param is nil"}, func(e *nilEnv) error {
			_, _, _, err := e.b.BatchNorm(e.x2, e.ch, e.ch, e.ch, nil, 1e-3)
			return err
		}},
		{"BatchNormTwin gamma", []string{"batchnorm twin: gamma param is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTwin(e.b, e.x2, nil, e.ch, e.ch, e.ch, 1e-3)
			return err
		}},
		{"BatchNormTwin beta", []string{"batchnorm twin: beta param is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTwin(e.b, e.x2, e.ch, nil, e.ch, e.ch, 1e-3)
			return err
		}},
		{"BatchNormTwin moving mean", []string{"batchnorm twin: moving mean param is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTwin(e.b, e.x2, e.ch, e.ch, nil, e.ch, 1e-3)
			return err
		}},
		{"BatchNormTwin moving variance", []string{"batchnorm twin: moving variance param is nil"}, func(e *nilEnv) error {
			_, _, _, err := BatchNormTwin(e.b, e.x2, e.ch, e.ch, e.ch, nil, 1e-3)
			return err
		}},
		{"Builder.Conv2D kernel", []string{"conv2d: kernel param is nil"}, func(e *nilEnv) error {
			return op(e.b.Conv2D(e.g, e.x4, nil, nil, true, nil))
		}},
		{"Builder.Conv2D kernel with bias", []string{"conv2d: kernel param is nil"}, func(e *nilEnv) error {
			return op(e.b.Conv2D(e.g, e.x4, nil, e.ch, false, nil))
		}},
		{"ConvTwin kernel", []string{"conv twin: kernel param is nil"}, func(e *nilEnv) error {
			return op(ConvTwin(e.b, e.g, e.x4, nil, nil, false, nil))
		}},
	}
	for _, c := range cases {
		for _, fused := range []bool{true, false} {
			for _, training := range []bool{true, false} {
				name := fmt.Sprintf("%s/fused=%v/training=%v", c.name, fused, training)
				e := newNilEnv(t, fused, training)
				err := callNoPanic(func() error { return c.call(e) })
				if err == nil {
					t.Errorf("%s: no error", name)
					continue
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not say %q", name, err, w)
						break
					}
				}
			}
		}
	}
}

// TestNilNodeQueries checks the Builder's methods that take a node and
// return no error: a nil node gets an answer, not a panic, and noting a
// softmax without its probabilities leaves nothing for LogProbsOf(nil).
func TestNilNodeQueries(t *testing.T) {
	e := newNilEnv(t, true, true)
	err := callNoPanic(func() error {
		if e.b.IsData(nil) {
			return fmt.Errorf("IsData(nil) = true")
		}
		if e.b.FromData(nil) {
			return fmt.Errorf("FromData(nil) = true")
		}
		e.b.NoteSoftmax(e.x2, e.x2, nil)
		if n := e.b.LogProbsOf(nil); n != nil {
			return fmt.Errorf("LogProbsOf(nil) = %v after NoteSoftmax(x, x, nil)", n)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}

// TestRefusedCompileLeavesBuilder checks that a Compile refused for a nil
// argument adds nothing to the graph and does not mark the builder
// compiled: the same builder then compiles and runs, and its output is the
// input's value.
func TestRefusedCompileLeavesBuilder(t *testing.T) {
	b, err := NewBuilder(Float64, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	in := b.Input("x", 1, 2)
	if err := in.Set([]float32{3, 4}); err != nil {
		t.Fatal(err)
	}
	y, err := ReLU(in.Node)
	if err != nil {
		t.Fatal(err)
	}
	nodes := b.G.Nodes().Len()
	if _, err := b.Compile(nil, nil, y, nil); err == nil {
		t.Fatal("Compile with a nil output: no error")
	}
	if got := b.G.Nodes().Len(); got != nodes {
		t.Errorf("refused Compile: graph has %d nodes, had %d", got, nodes)
	}
	m, err := b.Compile(nil, nil, y)
	if err != nil {
		t.Fatalf("Compile after a refused one: %v", err)
	}
	defer m.Close()
	if err := m.Run(nil); err != nil {
		t.Fatal(err)
	}
	if got := m.Output(0).Data().([]float64); got[0] != 3 || got[1] != 4 {
		t.Errorf("output %v, want [3 4]", got)
	}
}
