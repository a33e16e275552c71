package nn

import (
	"math"
	"math/rand"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
)

// NormalizationEpsilon is the smallest standard deviation Normalization
// divides by: Keras's backend.epsilon(), so that a constant feature
// (variance 0) maps to 0 instead of a division by zero.
const NormalizationEpsilon = 1e-7

// NormalizationLayer standardises each feature, in training and inference
// alike: y = (x − mean)/max(√variance, 1e-7) (Keras's Normalization with
// axis=-1). Over an N-d input the features are the channels, the last
// axis, as BatchNorm's: a channel's mean and variance are taken over every
// position.
//
// The statistics come from Adapt (or AdaptRows), which reads a data set
// once and computes each feature's mean and biased variance in float64, as
// scikit-learn's StandardScaler and Keras's adapt do, or are given with
// WithStats; a layer given neither is the identity (mean 0, variance 1),
// as Keras builds it. They live in two non-trainable params, Mean and
// Variance of shape (1, features), so a checkpoint carries them and a
// saved model takes raw features: no scaler to ship beside it. Only the
// last axis may be the feature axis (Keras also allows other axes, or
// none); Keras's invert option is not offered.
//
// The layer is built from Gorgonia's broadcast subtraction and division
// (an N-d input reshaped, by copying, to (positions, channels) and back,
// as BatchNorm's twin), differentiated by gorgonia.Grad. In a float32
// graph the statistics are rounded to float32 and the arithmetic is
// float32, as in Keras; see the tests for how far that is from a float64
// StandardScaler.
type NormalizationLayer struct {
	Named
	Axis int // the feature axis counting the batch, as Keras's: −1 (or the per-sample rank) only

	// InitMean and InitVariance are statistics given to the layer
	// (WithStats), one number for every feature or one per feature. A
	// saved model's description holds them; adapted statistics live in
	// the params alone, as Keras's adapted weights.
	InitMean, InitVariance []float64

	Mean, Variance *graph.Param // non-trainable, (1, features)

	adapted *normStats // the last Adapt's, for a Build after it
	in      Shape
}

// normStats is a feature's mean and biased variance, one per feature.
type normStats struct{ mean, variance []float64 }

// Normalization returns a normalisation layer over the last axis, to be
// adapted to data (Adapt) or given statistics (WithStats).
func Normalization() *NormalizationLayer { return &NormalizationLayer{Axis: -1} }

// WithStats gives the layer its statistics, Keras's mean and variance
// arguments: one number for every feature, or one per feature. Build
// checks them.
func (l *NormalizationLayer) WithStats(mean, variance []float64) *NormalizationLayer {
	l.InitMean, l.InitVariance = append([]float64(nil), mean...), append([]float64(nil), variance...)
	return l
}

// Type implements Layer.
func (l *NormalizationLayer) Type() string { return "Normalization" }

// NormalizationConfig is a Normalization layer's settings as a saved model
// holds them: {"axis":-1}, and the mean and variance when they were given
// (WithStats); Build checks them.
type NormalizationConfig struct {
	Axis     int       `json:"axis"`
	Mean     []float64 `json:"mean,omitempty"`
	Variance []float64 `json:"variance,omitempty"`
}

func init() {
	mustRegister("Normalization", func(c NormalizationConfig) (Layer, error) {
		return &NormalizationLayer{Axis: c.Axis, InitMean: c.Mean, InitVariance: c.Variance}, nil
	})
}

// Config implements Configurer.
func (l *NormalizationLayer) Config() LayerConfig {
	return NewLayerConfig(l.Type(), l.Name(), NormalizationConfig{Axis: l.Axis, Mean: l.InitMean, Variance: l.InitVariance})
}

// features checks the settings against a per-sample shape and returns the
// number of features, its last dimension.
func (l *NormalizationLayer) features(in []int) (int, error) {
	if err := checkShape("normalization", l.Name(), in); err != nil {
		return 0, err
	}
	if l.Axis != -1 && l.Axis != len(in) {
		return 0, errors.Errorf("normalization %q: axis %d: only the last axis (-1, or %d for input shape %s) is supported", l.Name(), l.Axis, len(in), ShapeString(in))
	}
	n := in[len(in)-1]
	if (l.InitMean == nil) != (l.InitVariance == nil) {
		return 0, errors.Errorf("normalization %q: give both a mean and a variance, or neither", l.Name())
	}
	for _, s := range []struct {
		what string
		v    []float64
	}{{"mean", l.InitMean}, {"variance", l.InitVariance}} {
		if s.v == nil {
			continue
		}
		if len(s.v) != 1 && len(s.v) != n {
			return 0, errors.Errorf("normalization %q: %d %s values for %d features (want 1 or %d)", l.Name(), len(s.v), s.what, n, n)
		}
		for _, v := range s.v {
			if math.IsNaN(v) || math.IsInf(v, 0) || (s.what == "variance" && v < 0) {
				return 0, errors.Errorf("normalization %q: %s %v is not finite, or is a negative variance", l.Name(), s.what, v)
			}
		}
	}
	if l.adapted != nil && len(l.adapted.mean) != n {
		return 0, errors.Errorf("normalization %q: adapted to %d features, input shape %s has %d", l.Name(), len(l.adapted.mean), ShapeString(in), n)
	}
	return n, nil
}

// CountParams implements ParamCounter: a mean and a variance per feature.
func (l *NormalizationLayer) CountParams(in []int) (int64, []int, error) {
	n, err := l.features(in)
	if err != nil {
		return 0, nil, err
	}
	return 2 * int64(n), Shape(in).Clone(), nil
}

// Build implements Layer: the params hold the adapted statistics if Adapt
// ran, else those given, else 0 and 1.
func (l *NormalizationLayer) Build(in []int, dt tensor.Dtype, rng *rand.Rand) ([]int, error) {
	n, err := l.features(in)
	if err != nil {
		return nil, err
	}
	mean, variance := make([]float64, n), make([]float64, n)
	for i := range mean {
		switch {
		case l.adapted != nil:
			mean[i], variance[i] = l.adapted.mean[i], l.adapted.variance[i]
		case l.InitMean != nil:
			mean[i], variance[i] = l.InitMean[min(i, len(l.InitMean)-1)], l.InitVariance[min(i, len(l.InitVariance)-1)]
		default:
			variance[i] = 1
		}
	}
	if l.Mean, err = graph.NewParam(l.Name()+"/mean", dt, false, 1, n); err != nil {
		return nil, errors.Wrapf(err, "normalization %q", l.Name())
	}
	if l.Variance, err = graph.NewParam(l.Name()+"/variance", dt, false, 1, n); err != nil {
		return nil, errors.Wrapf(err, "normalization %q", l.Name())
	}
	l.set(normStats{mean, variance})
	l.in = Shape(in).Clone()
	return l.in.Clone(), nil
}

// set writes statistics into the params, rounding once to their type.
func (l *NormalizationLayer) set(s normStats) {
	for i := range s.mean {
		l.Mean.SetAt(i, s.mean[i])
		l.Variance.SetAt(i, s.variance[i])
	}
}

// Params implements Layer: the mean, then the variance.
func (l *NormalizationLayer) Params() []*graph.Param {
	return []*graph.Param{l.Mean, l.Variance}
}

// adaptBatch is how many samples Adapt reads from its source at a time.
const adaptBatch = 256

// Adapt sets the layer's statistics to the mean and biased variance of
// each feature over every sample of src (Keras's adapt): two passes over
// the data in float64, the mean first, then the mean squared deviation
// from it, which does not cancel as a sum of squares would. A feature is
// a channel, the last axis of the per-sample shape: the layer's input
// shape once built, else data.ShapeOf(src). A built layer's params change
// at once, in every graph that uses them; an unbuilt one keeps the
// statistics for Build. A source that is empty, of another width, or
// holding a NaN or an infinity is an error naming the layer.
func (l *NormalizationLayer) Adapt(src data.Source) error {
	if src == nil || src.Len() == 0 {
		return errors.Errorf("normalization %q: adapt: no samples", l.Name())
	}
	shape := data.ShapeOf(src)
	return l.adapt(shape, src.Len(), func(idx []int, dst []float32) { src.Fill(idx, dst, nil) })
}

// AdaptRows is Adapt over samples given as rows of features (flat, row
// major in the layer's input shape once built; else each value of a row is
// a feature).
func (l *NormalizationLayer) AdaptRows(rows [][]float32) error {
	if len(rows) == 0 {
		return errors.Errorf("normalization %q: adapt: no samples", l.Name())
	}
	width := len(rows[0])
	for i, r := range rows {
		if len(r) != width {
			return errors.Errorf("normalization %q: adapt: row %d has %d values, row 0 has %d", l.Name(), i, len(r), width)
		}
	}
	return l.adapt([]int{width}, len(rows), func(idx []int, dst []float32) {
		for k, i := range idx {
			copy(dst[k*width:(k+1)*width], rows[i])
		}
	})
}

// adapt computes the statistics of n samples of the given shape (the data's
// own; the layer's input shape wins once built), read in batches by fill.
func (l *NormalizationLayer) adapt(shape []int, n int, fill func(idx []int, dst []float32)) error {
	width := Shape(shape).Size()
	if l.in != nil {
		if l.in.Size() != width {
			return errors.Errorf("normalization %q: adapt: samples have %d values, the layer's input shape %s has %d", l.Name(), width, l.in, l.in.Size())
		}
		shape = l.in
	}
	if err := checkShape("normalization", l.Name(), shape); err != nil {
		return errors.Wrap(err, "adapt")
	}
	c := shape[len(shape)-1]
	per := float64(n) * float64(width/c) // values per feature
	mean, variance := make([]float64, c), make([]float64, c)
	idx, buf := make([]int, 0, adaptBatch), make([]float32, min(n, adaptBatch)*width)
	pass := func(each func(ch int, v float64)) error {
		for from := 0; from < n; from += adaptBatch {
			idx = idx[:0]
			for i := from; i < min(from+adaptBatch, n); i++ {
				idx = append(idx, i)
			}
			b := buf[:len(idx)*width]
			fill(idx, b)
			for k, v := range b {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					return errors.Errorf("normalization %q: adapt: sample %d, value %d is %v", l.Name(), from+k/width, k%width, v)
				}
				each(k%c, float64(v))
			}
		}
		return nil
	}
	if err := pass(func(ch int, v float64) { mean[ch] += v }); err != nil {
		return err
	}
	for ch := range mean {
		mean[ch] /= per
	}
	if err := pass(func(ch int, v float64) {
		d := v - mean[ch]
		variance[ch] += float64(d * d)
	}); err != nil {
		return err
	}
	for ch := range variance {
		variance[ch] /= per
	}
	l.adapted = &normStats{mean, variance}
	if l.Mean != nil && l.Mean.Size() == c {
		l.set(*l.adapted)
	}
	return nil
}

// Forward implements Layer.
func (l *NormalizationLayer) Forward(b *graph.Builder, x *G.Node) (y *G.Node, err error) {
	if l.Mean == nil {
		return nil, errors.Errorf("normalization %q: not built", l.Name())
	}
	if err := wantShape("normalization", l.Name(), x.Shape(), l.in); err != nil {
		return nil, err
	}
	defer func() { err = errors.Wrapf(err, "normalization %q", l.Name()) }()
	r := rowOps{b}
	mean, variance := r.param(l.Mean), r.param(l.Variance)
	// The statistics are asked for in this order in every graph, so that
	// every graph holds the same params (Builder.Params).
	sd, err := graph.StdFloor(variance, NormalizationEpsilon)
	if err != nil {
		return nil, err
	}
	shape := x.Shape().Clone()
	c := l.in[len(l.in)-1]
	flat := x
	if len(l.in) > 1 {
		// (batch·positions, channels) for the per-channel rows, then
		// the batch's shape again; graph.Reshape copies.
		if flat, err = graph.Reshape(x, shape.TotalSize()/c, c); err != nil {
			return nil, err
		}
	}
	defer graphErr(&err)
	y = r.div(r.sub(flat, mean), sd)
	if len(l.in) > 1 {
		return graph.Reshape(y, shape...)
	}
	return y, nil
}
