package train

import (
	"math"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
)

// Loss turns a model's output and the targets into the scalar that training
// minimises. The graph always receives targets as a (batch, outputs) matrix;
// Encode maps the data's target rows onto it (class indices become one-hot
// rows).
type Loss interface {
	// Name is the loss's Keras name.
	Name() string
	// Check validates a data set's targets against a model with outputs
	// outputs before any training step runs.
	Check(src data.Source, outputs int) error
	// Encode writes rows data target rows y as a (rows, outputs) matrix into dst.
	Encode(y []float32, rows, outputs int, dst []float32) error
	// Build adds the mean loss over the batch to the graph.
	Build(b *graph.Builder, out, target *G.Node) (*G.Node, error)
}

// WeightedLoss is a Loss that can weight each sample's loss (Keras's
// sample_weight and class_weight): BuildWeighted adds Σᵢ wᵢ·lossᵢ / batch
// for a (batch, 1) weight node w, Keras's sum_over_batch_size reduction.
// Fit's ClassWeight and SampleWeight need it; both built-in losses have it.
type WeightedLoss interface {
	Loss
	BuildWeighted(b *graph.Builder, out, target, w *G.Node) (*G.Node, error)
}

// CrossEntropy is categorical cross-entropy, −Σ y·log p averaged over the
// batch, with targets either as class indices (Sparse, Keras's
// SparseCategoricalCrossentropy) or one-hot rows.
//
// With FromLogits the model's output is taken as logits and passed through a
// stable log-softmax. Otherwise the output is taken as probabilities; when it
// comes from a Softmax activation the loss uses that activation's
// log-probabilities directly, which is exact where log(p) of a float32
// probability would give −Inf.
type CrossEntropy struct {
	Sparse     bool
	FromLogits bool
}

// SparseCategoricalCrossentropy takes class indices as targets and
// probabilities as outputs.
func SparseCategoricalCrossentropy() *CrossEntropy { return &CrossEntropy{Sparse: true} }

// CategoricalCrossentropy takes one-hot rows as targets and probabilities as outputs.
func CategoricalCrossentropy() *CrossEntropy { return &CrossEntropy{} }

// Name implements Loss.
func (l *CrossEntropy) Name() string {
	if l.Sparse {
		return "sparse_categorical_crossentropy"
	}
	return "categorical_crossentropy"
}

// Check implements Loss.
func (l *CrossEntropy) Check(src data.Source, outputs int) error {
	if l.Sparse {
		if src.TargetWidth() != 1 {
			return errors.Errorf("%s: targets have width %d, want 1 class index per sample", l.Name(), src.TargetWidth())
		}
		return checkLabels(src, outputs)
	}
	if src.TargetWidth() != outputs {
		return errors.Errorf("%s: targets have width %d, model outputs %d", l.Name(), src.TargetWidth(), outputs)
	}
	return nil
}

// Encode implements Loss.
func (l *CrossEntropy) Encode(y []float32, rows, outputs int, dst []float32) error {
	if !l.Sparse {
		copy(dst, y[:rows*outputs])
		return nil
	}
	for i := range dst[:rows*outputs] {
		dst[i] = 0
	}
	for i := 0; i < rows; i++ {
		c := int(y[i])
		if float32(c) != y[i] || c < 0 || c >= outputs {
			return errors.Errorf("%s: label %v is not a class index in [0, %d)", l.Name(), y[i], outputs)
		}
		dst[i*outputs+c] = 1
	}
	return nil
}

// Build implements Loss.
func (l *CrossEntropy) Build(b *graph.Builder, out, target *G.Node) (*G.Node, error) {
	var logp *G.Node
	var err error
	switch {
	case l.FromLogits:
		logp, err = b.LogSoftmax(out)
	case b.LogProbsOf(out) != nil:
		logp = b.LogProbsOf(out)
	default:
		logp, err = logOfProbabilities(b, out)
	}
	if err != nil {
		return nil, errors.Wrap(err, l.Name())
	}
	// −(1/N) Σ logp ⊙ target: one fused node summed in float64 with a
	// one-pass gradient (graph.CrossEntropy), or its twin.
	loss, err := b.CrossEntropy(logp, target)
	return loss, errors.Wrap(err, l.Name())
}

// BuildWeighted implements WeightedLoss. The loss is linear in the
// targets, so weighting sample i's loss by wᵢ is scaling its target row by
// wᵢ: −(1/N) Σᵢ wᵢ·log pᵢ[yᵢ], with the fused op's gradient unchanged in
// form (−g·target/N).
func (l *CrossEntropy) BuildWeighted(b *graph.Builder, out, target, w *G.Node) (*G.Node, error) {
	t, err := G.BroadcastHadamardProd(target, w, nil, []byte{1})
	if err != nil {
		return nil, errors.Wrap(err, l.Name())
	}
	return l.Build(b, out, t)
}

// clipEpsilon is Keras's backend.epsilon(), the clip applied to
// probabilities before their log.
const clipEpsilon = 1e-7

// logOfProbabilities is Keras 3's categorical_crossentropy on
// probabilities (from_logits=False): q = p / Σ_row p, clipped to
// [ε, 1 − ε], then log q. Built from Gorgonia's primitives, so that
// gorgonia.Grad differentiates it: Sum along the rows and
// BroadcastHadamardDiv for the normalisation, MaxBetween and MinBetween
// against constant matrices for the clip. Their gradient goes to the
// first argument where it is the result (p ≥ ε, p ≤ 1 − ε) and to the
// constant otherwise, so a clipped element passes no gradient, as
// through Keras's clip (TensorFlow's clip_by_value).
func logOfProbabilities(b *graph.Builder, p *G.Node) (*G.Node, error) {
	if p.Dims() != 2 {
		return nil, errors.Errorf("probabilities have shape %v, want (batch, classes)", p.Shape())
	}
	rows, cols := p.Shape()[0], p.Shape()[1]
	sum, err := G.Sum(p, 1)
	if err != nil {
		return nil, err
	}
	if sum, err = G.Reshape(sum, tensor.Shape{rows, 1}); err != nil {
		return nil, err
	}
	q, err := G.BroadcastHadamardDiv(p, sum, nil, []byte{1})
	if err != nil {
		return nil, err
	}
	if q, err = G.MaxBetween(q, constMatrix(b, rows, cols, clipEpsilon)); err != nil {
		return nil, err
	}
	if q, err = G.MinBetween(q, constMatrix(b, rows, cols, 1-clipEpsilon)); err != nil {
		return nil, err
	}
	return G.Log(q)
}

// constMatrix is a (rows, cols) constant of the graph's type filled with
// v: MaxBetween and MinBetween take two operands of one shape.
func constMatrix(b *graph.Builder, rows, cols int, v float64) *G.Node {
	var backing any
	if b.DType == graph.Float32 {
		backing = filled(rows*cols, float32(v))
	} else {
		backing = filled(rows*cols, v)
	}
	return G.NewConstant(tensor.New(tensor.WithShape(rows, cols), tensor.WithBacking(backing)))
}

// filled is a slice of n copies of v.
func filled[T float32 | float64](n int, v T) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// MSE is the mean squared error over every output of every sample.
type MSE struct{}

// MeanSquaredError returns the MSE loss.
func MeanSquaredError() MSE { return MSE{} }

// Name implements Loss.
func (MSE) Name() string { return "mean_squared_error" }

// Check implements Loss.
func (MSE) Check(src data.Source, outputs int) error {
	if src.TargetWidth() != outputs {
		return errors.Errorf("mean_squared_error: targets have width %d, model outputs %d", src.TargetWidth(), outputs)
	}
	return nil
}

// Encode implements Loss.
func (MSE) Encode(y []float32, rows, outputs int, dst []float32) error {
	copy(dst, y[:rows*outputs])
	return nil
}

// Build implements Loss.
func (MSE) Build(b *graph.Builder, out, target *G.Node) (*G.Node, error) {
	d, err := G.Sub(out, target)
	if err != nil {
		return nil, errors.Wrap(err, "mean_squared_error")
	}
	sq, err := G.Square(d)
	if err != nil {
		return nil, errors.Wrap(err, "mean_squared_error")
	}
	m, err := G.Mean(sq)
	return m, errors.Wrap(err, "mean_squared_error")
}

// BuildWeighted implements WeightedLoss: each sample's mean squared error
// over its outputs, times its weight, averaged over the batch.
func (MSE) BuildWeighted(b *graph.Builder, out, target, w *G.Node) (*G.Node, error) {
	d, err := G.Sub(out, target)
	if err != nil {
		return nil, errors.Wrap(err, "mean_squared_error")
	}
	sq, err := G.Square(d)
	if err != nil {
		return nil, errors.Wrap(err, "mean_squared_error")
	}
	// Σᵢⱼ wᵢ·sqᵢⱼ / (N·K) is Σᵢ wᵢ·mseᵢ / N, without reshaping w (a
	// Gorgonia reshape aliases its input).
	weighted, err := G.BroadcastHadamardProd(sq, w, nil, []byte{1})
	if err != nil {
		return nil, errors.Wrap(err, "mean_squared_error")
	}
	m, err := G.Mean(weighted)
	return m, errors.Wrap(err, "mean_squared_error")
}

// checkLabels reads every target of src once and reports the first that is
// not a class index below outputs.
func checkLabels(src data.Source, outputs int) error {
	const chunk = 4096
	n := src.Len()
	idx := make([]int, 0, chunk)
	y := make([]float32, chunk)
	for start := 0; start < n; start += chunk {
		idx = idx[:0]
		for i := start; i < n && i < start+chunk; i++ {
			idx = append(idx, i)
		}
		src.Fill(idx, nil, y[:len(idx)])
		for k, v := range y[:len(idx)] {
			if math.IsNaN(float64(v)) || float32(int(v)) != v || v < 0 || int(v) >= outputs {
				return errors.Errorf("sample %d has label %v; the model outputs %d classes, labels must be 0..%d", start+k, v, outputs, outputs-1)
			}
		}
	}
	return nil
}
