package train

// Metric accumulates a figure over the batches of an epoch, weighted by
// samples, from the model's outputs and the encoded targets.
type Metric interface {
	// Name is the key in logs and History ("accuracy").
	Name() string
	Reset()
	// Update adds rows samples: out and target are (rows, width) row-major.
	Update(out, target []float64, rows, width int)
	Result() float64
}

// MetricCloner is implemented by metrics that can make a fresh instance of
// themselves (same settings, no accumulated state). Evaluate then
// accumulates in its own instances, so evaluating between Fit's steps (from
// a callback or another goroutine) leaves Fit's training figures alone; a
// metric without it is shared by both.
type MetricCloner interface {
	CloneMetric() Metric
}

// AccuracyMetric is the share of samples whose largest output is the target
// class (Keras picks this for "accuracy" with a categorical loss). A model
// with one output is a binary classifier: there the prediction is
// output > 0.5 and the target is target > 0.5, as Keras's binary accuracy
// (argmax over one column would call every sample right).
type AccuracyMetric struct{ correct, total int }

// Accuracy returns a categorical accuracy metric.
func Accuracy() *AccuracyMetric { return &AccuracyMetric{} }

// Name implements Metric.
func (m *AccuracyMetric) Name() string { return "accuracy" }

// Reset implements Metric.
func (m *AccuracyMetric) Reset() { m.correct, m.total = 0, 0 }

// CloneMetric implements MetricCloner.
func (m *AccuracyMetric) CloneMetric() Metric { return Accuracy() }

// Update implements Metric.
func (m *AccuracyMetric) Update(out, target []float64, rows, width int) {
	if width == 1 {
		for i := 0; i < rows; i++ {
			if (out[i] > 0.5) == (target[i] > 0.5) {
				m.correct++
			}
		}
		m.total += rows
		return
	}
	for i := 0; i < rows; i++ {
		if argmax(out[i*width:(i+1)*width]) == argmax(target[i*width:(i+1)*width]) {
			m.correct++
		}
	}
	m.total += rows
}

// Result implements Metric.
func (m *AccuracyMetric) Result() float64 {
	if m.total == 0 {
		return 0
	}
	return float64(m.correct) / float64(m.total)
}

// argmax returns the index of the first largest value.
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}

// Argmax returns each row's predicted class.
func Argmax(rows [][]float32) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		for j, x := range r {
			if x > r[out[i]] {
				out[i] = j
			}
		}
	}
	return out
}
