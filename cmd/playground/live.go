package main

import (
	"math"
	"strings"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/nn"
	"github.com/gradgraph/gradgraph/train"
)

// settings are what the live page's controls set, as its JSON sends them.
type settings struct {
	Dataset        string   `json:"dataset"`
	Noise          float64  `json:"noise"`       // standard deviation on each coordinate
	TrainRatio     float64  `json:"train_ratio"` // share of the points trained on; the rest are the test points
	Batch          int      `json:"batch"`
	Points         int      `json:"points"`
	Features       []string `json:"features"`
	Hidden         []int    `json:"hidden"`
	Activation     string   `json:"activation"`
	LR             float64  `json:"lr"`
	Regularization string   `json:"regularization"` // none, l1 or l2
	RegRate        float64  `json:"reg_rate"`
	Seed           int64    `json:"seed"`
}

// featureNames are the inputs the page offers, TensorFlow Playground's.
var featureNames = []string{"x1", "x2", "x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"}

// planeScale maps the data sets' coordinates (about [-1, 1]) onto
// TensorFlow Playground's plane of about [-6, 6], so that its features
// (x1², sin x1) and learning rates behave there as in the tutorial.
const planeScale = 5

// feature is input name's value at the point (x1, x2) of the scaled plane.
func feature(name string, x1, x2 float64) float64 {
	switch name {
	case "x1":
		return x1
	case "x2":
		return x2
	case "x1^2":
		return x1 * x1
	case "x2^2":
		return x2 * x2
	case "x1x2":
		return x1 * x2
	case "sin_x1":
		return math.Sin(x1)
	default: // sin_x2
		return math.Sin(x2)
	}
}

func defaultSettings() settings {
	return settings{Dataset: "circles", Noise: 0.05, TrainRatio: 0.5, Batch: 10, Points: 400,
		Features: []string{"x1", "x2"}, Hidden: []int{4, 2}, Activation: "tanh", LR: 0.03,
		Regularization: "none", Seed: 1}
}

// check validates s against the server's limits; its error is one line
// for the page.
func (s settings) check(l limits) error {
	if _, ok := defaultNoise[s.Dataset]; !ok {
		return errors.Errorf("dataset %q: want one of %s", s.Dataset, strings.Join(data.SyntheticNames, ", "))
	}
	switch {
	case !(s.Noise >= 0 && s.Noise <= 1):
		return errors.Errorf("noise %v: want 0..1", s.Noise)
	case !(s.TrainRatio >= 0.1 && s.TrainRatio <= 0.9):
		return errors.Errorf("train_ratio %v: want 0.1..0.9", s.TrainRatio)
	case s.Points < 20 || s.Points > l.points:
		return errors.Errorf("points %d: want 20..%d", s.Points, l.points)
	case s.Batch < 1 || s.Batch > s.Points:
		return errors.Errorf("batch %d: want 1..%d (the points)", s.Batch, s.Points)
	case len(s.Features) == 0:
		return errors.New("features: want at least one")
	case len(s.Hidden) > l.layers:
		return errors.Errorf("hidden: %d layers, want at most %d", len(s.Hidden), l.layers)
	case !contains(activations, s.Activation):
		return errors.Errorf("activation %q: want one of %s", s.Activation, strings.Join(activations, ", "))
	case !(s.LR > 0 && s.LR <= 10):
		return errors.Errorf("lr %v: want a learning rate in (0, 10]", s.LR)
	case s.Regularization != "none" && s.Regularization != "l1" && s.Regularization != "l2":
		return errors.Errorf("regularization %q: want none, l1 or l2", s.Regularization)
	case !(s.RegRate >= 0 && s.RegRate <= 10):
		return errors.Errorf("reg_rate %v: want 0..10", s.RegRate)
	}
	seen := map[string]bool{}
	for _, f := range s.Features {
		if !contains(featureNames, f) || seen[f] {
			return errors.Errorf("features: %q is unknown or repeated (known: %s)", f, strings.Join(featureNames, ", "))
		}
		seen[f] = true
	}
	for i, w := range s.Hidden {
		if w < 1 || w > l.neurons {
			return errors.Errorf("hidden: layer %d has %d neurons, want 1..%d", i+1, w, l.neurons)
		}
	}
	return nil
}

// lab is one session's network and data: what the training goroutine
// owns. Nothing else touches it.
type lab struct {
	s             settings
	tr            *train.Trainer
	train, test   *data.Dataset
	trainPts      [][3]float64 // x1, x2 (scaled), label
	testPts       [][3]float64
	extent        [4]float64 // x1 min, max, x2 min, max of the plane drawn
	epoch         int
	history       [][3]float64 // epoch, train loss, test loss
	reinitialised int          // resets so far: each draws new weights
}

// newLab draws the data, splits it, and builds and compiles the network.
func newLab(s settings) (*lab, error) {
	ds, err := data.Synthetic(s.Dataset, s.Points, 2, s.Noise, s.Seed)
	if err != nil {
		return nil, errors.Wrap(err, "dataset")
	}
	lb := &lab{s: s}
	nTrain := int(float64(s.Points) * s.TrainRatio)
	labels := ds.Labels()
	var trX, teX, trY, teY []float32
	lo, hi := [2]float64{math.Inf(1), math.Inf(1)}, [2]float64{math.Inf(-1), math.Inf(-1)}
	for i := 0; i < ds.Len(); i++ {
		r := ds.Row(i)
		x1, x2 := planeScale*float64(r[0]), planeScale*float64(r[1])
		lo[0], hi[0] = math.Min(lo[0], x1), math.Max(hi[0], x1)
		lo[1], hi[1] = math.Min(lo[1], x2), math.Max(hi[1], x2)
		pt := [3]float64{x1, x2, float64(labels[i])}
		row := lb.features(x1, x2)
		if i < nTrain {
			lb.trainPts, trX, trY = append(lb.trainPts, pt), append(trX, row...), append(trY, float32(labels[i]))
		} else {
			lb.testPts, teX, teY = append(lb.testPts, pt), append(teX, row...), append(teY, float32(labels[i]))
		}
	}
	// A square plane around the points with a margin, at least [-6, 6].
	half := 6.0
	for k := 0; k < 2; k++ {
		half = math.Max(half, 1.1*math.Max(math.Abs(lo[k]), math.Abs(hi[k])))
	}
	lb.extent = [4]float64{-half, half, -half, half}
	nf := len(s.Features)
	classes := []string{"0", "1"}
	if lb.train, err = data.NewDataset("train", trX, nf, trY, 1, classes); err != nil {
		return nil, err
	}
	if lb.test, err = data.NewDataset("test", teX, nf, teY, 1, classes); err != nil {
		return nil, err
	}
	return lb, lb.init()
}

// features is the row of the selected features at (x1, x2).
func (lb *lab) features(x1, x2 float64) []float32 {
	row := make([]float32, len(lb.s.Features))
	for j, f := range lb.s.Features {
		row[j] = float32(feature(f, x1, x2))
	}
	return row
}

// init builds the network with fresh weights and forgets the history.
func (lb *lab) init() error {
	s := lb.s
	act, err := nn.ActivationByName(s.Activation)
	if err != nil {
		return errors.Wrap(err, "activation")
	}
	var reg *nn.Regularizer
	switch s.Regularization {
	case "l1":
		reg = nn.L1(s.RegRate)
	case "l2":
		reg = nn.L2(s.RegRate)
	}
	var layers []nn.Layer
	for _, w := range s.Hidden {
		layers = append(layers, nn.Dense(w, act).WithRegularizer(reg))
	}
	layers = append(layers, nn.Dense(2, nn.Softmax).WithRegularizer(reg))
	model := nn.Sequential("playground", layers...)
	if err := model.Build(len(s.Features), nn.BuildOptions{Seed: s.Seed + int64(lb.reinitialised)}); err != nil {
		return err
	}
	if lb.tr, err = train.Compile(model, train.SGD(s.LR), train.SparseCategoricalCrossentropy()); err != nil {
		return err
	}
	lb.epoch, lb.history = 0, nil
	return lb.record()
}

// epochs trains n epochs over the training points, in shuffled batches.
func (lb *lab) epochs(n int) error {
	for i := 0; i < n; i++ {
		if _, err := lb.tr.Fit(lb.train, train.FitOptions{Epochs: 1, BatchSize: lb.s.Batch, Seed: lb.s.Seed + int64(lb.epoch)}); err != nil {
			return errors.Wrapf(err, "epoch %d", lb.epoch+1)
		}
		lb.epoch++
		if err := lb.record(); err != nil {
			return err
		}
	}
	return nil
}

// maxHistory bounds the losses a session keeps: past it, every other
// point is dropped, so that a long run keeps its whole shape.
const maxHistory = 400

// record appends the train and test losses of the weights now.
func (lb *lab) record() error {
	tl, err := lb.tr.Evaluate(lb.train, lb.train.Len())
	if err != nil {
		return err
	}
	te, err := lb.tr.Evaluate(lb.test, lb.test.Len())
	if err != nil {
		return err
	}
	lb.history = append(lb.history, [3]float64{float64(lb.epoch), tl["loss"], te["loss"]})
	if len(lb.history) > maxHistory {
		kept := lb.history[:0]
		for i, h := range lb.history {
			if i%2 == 0 || i == len(lb.history)-1 {
				kept = append(kept, h)
			}
		}
		lb.history = kept
	}
	return nil
}

// frame is what the page draws, one server-sent event.
type frame struct {
	Epoch     int          `json:"epoch"`
	Playing   bool         `json:"playing"`
	TrainLoss float64      `json:"train_loss"`
	TestLoss  float64      `json:"test_loss"`
	History   [][3]float64 `json:"history"`
	Extent    [4]float64   `json:"extent"`
	Grid      int          `json:"grid"`
	Boundary  []int8       `json:"boundary"` // grid², row 0 at the top: 100·(p(class 1) − p(class 0))
	Thumb     int          `json:"thumb"`
	// Nodes are every node's output over a thumb² grid, scaled to
	// −100..100 by its largest magnitude: the features, then each hidden
	// layer's neurons, then the output's p(1) − p(0).
	Nodes    [][]int8      `json:"nodes"`
	Layers   []int         `json:"layers"`  // nodes per column: features, hidden layers, 1 output
	Weights  [][][]float64 `json:"weights"` // per layer, [in][out]; the output layer's as p(1) − p(0) weights
	Biases   [][]float64   `json:"biases"`
	Features []string      `json:"features"`
	Settings settings      `json:"settings"`
	// Points are the data, sent with the first frame of a connection and
	// whenever they change (DataVersion).
	DataVersion int          `json:"data_version"`
	TrainPoints [][3]float64 `json:"train_points,omitempty"`
	TestPoints  [][3]float64 `json:"test_points,omitempty"`
}

// Resolutions of the frame's grids.
const (
	boundaryGrid = 50
	thumbGrid    = 20
)

// render computes the frame for the weights now, in plain Go: the nets
// are small, and one pass over the grid gives every neuron's output at
// once (TestForwardMatchesPredict checks it against the trainer).
func (lb *lab) render(playing bool) (frame, error) {
	f := frame{Epoch: lb.epoch, Playing: playing, History: lb.history, Extent: lb.extent,
		Grid: boundaryGrid, Thumb: thumbGrid, Features: lb.s.Features, Settings: lb.s}
	if n := len(lb.history); n > 0 {
		f.TrainLoss, f.TestLoss = lb.history[n-1][1], lb.history[n-1][2]
	}
	ws, bs, err := lb.weights()
	if err != nil {
		return f, err
	}
	f.Layers = append(append([]int{len(lb.s.Features)}, lb.s.Hidden...), 1)
	// The output layer as the page draws it: one node, p(1) − p(0) =
	// tanh((z1 − z0)/2), so its weights are the differences of the two
	// softmax columns' weights.
	last := len(ws) - 1
	diffW := make([][]float64, len(ws[last]))
	for i, row := range ws[last] {
		diffW[i] = []float64{row[1] - row[0]}
	}
	f.Weights = append(append([][][]float64{}, ws[:last]...), diffW)
	f.Biases = append(append([][]float64{}, bs[:last]...), []float64{bs[last][1] - bs[last][0]})

	big := lb.forwardGrid(ws, bs, boundaryGrid)
	f.Boundary = quantize(big[len(big)-1], 1)
	small := lb.forwardGrid(ws, bs, thumbGrid)
	for _, v := range small {
		scale := 0.0
		for _, x := range v {
			scale = math.Max(scale, math.Abs(x))
		}
		f.Nodes = append(f.Nodes, quantize(v, scale))
	}
	return f, nil
}

// quantize writes values as integers −100..100 of scale (0 or less: all 0).
func quantize(v []float64, scale float64) []int8 {
	q := make([]int8, len(v))
	if !(scale > 0) {
		return q
	}
	for i, x := range v {
		q[i] = int8(math.Round(100 * math.Max(-1, math.Min(1, x/scale))))
	}
	return q
}

// weights reads each Dense layer's kernel as [in][out] and bias.
func (lb *lab) weights() ([][][]float64, [][]float64, error) {
	var ws [][][]float64
	var bs [][]float64
	for _, l := range lb.tr.NN().Layers {
		d, ok := l.(*nn.DenseLayer)
		if !ok || d.Kernel == nil {
			return nil, nil, errors.Errorf("layer %q is not a built Dense layer", l.Name())
		}
		k, sh := d.Kernel.Float64s(), d.Kernel.Shape()
		w := make([][]float64, sh[0])
		for i := range w {
			w[i] = k[i*sh[1] : (i+1)*sh[1]]
		}
		ws, bs = append(ws, w), append(bs, d.Bias.Float64s())
	}
	return ws, bs, nil
}

// forwardGrid runs the network over an n×n grid of the plane (row 0 at
// the top, the largest x2) and returns every node's output at each cell:
// the features, the hidden neurons and last p(1) − p(0).
func (lb *lab) forwardGrid(ws [][][]float64, bs [][]float64, n int) [][]float64 {
	var out [][]float64
	nodes := func(k int) [][]float64 {
		v := make([][]float64, k)
		for i := range v {
			v[i] = make([]float64, n*n)
		}
		out = append(out, v...)
		return v
	}
	x := nodes(len(lb.s.Features))
	act := lb.s.Activation
	e := lb.extent
	for r := 0; r < n; r++ {
		x2 := e[3] - (float64(r)+0.5)*(e[3]-e[2])/float64(n)
		for c := 0; c < n; c++ {
			x1 := e[0] + (float64(c)+0.5)*(e[1]-e[0])/float64(n)
			for j, f := range lb.s.Features {
				// float32 as the network's inputs are.
				x[j][r*n+c] = float64(float32(feature(f, x1, x2)))
			}
		}
	}
	in := x
	for l, w := range ws {
		last := l == len(ws)-1
		var y [][]float64
		if last {
			y = make([][]float64, 2)
			for i := range y {
				y[i] = make([]float64, n*n)
			}
		} else {
			y = nodes(len(bs[l]))
		}
		for o := range y {
			for p := 0; p < n*n; p++ {
				z := bs[l][o]
				for i := range in {
					z += float64(in[i][p] * w[i][o])
				}
				if !last {
					z = activate(act, z)
				}
				y[o][p] = z
			}
		}
		if last {
			d := nodes(1)[0]
			for p := range d {
				d[p] = math.Tanh((y[1][p] - y[0][p]) / 2) // p(1) − p(0) of a two-way softmax
			}
		}
		in = y
	}
	return out
}

func activate(name string, z float64) float64 {
	switch name {
	case "relu":
		return math.Max(0, z)
	case "tanh":
		return math.Tanh(z)
	case "sigmoid":
		return 1 / (1 + math.Exp(-z))
	}
	return z
}
