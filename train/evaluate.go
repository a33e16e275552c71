package train

import (
	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
)

// Evaluate returns the loss and metrics over every sample of src in
// inference mode (dropout off, BatchNorm on its moving statistics). The last
// partial batch is run through a graph of its own size, so no sample is
// dropped or padded.
func (t *Trainer) Evaluate(src data.Source, batchSize int) (Logs, error) {
	src, err := t.arrange("evaluate", src)
	if err != nil {
		return nil, err
	}
	if err := t.ready("evaluate", src, batchSize); err != nil {
		return nil, err
	}
	if err := t.checkData("evaluate "+t.Model.ModelName(), src); err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.evaluate(src, seq(0, src.Len()), batchSize)
}

// evaluate runs the inference graphs over src's samples idx; the caller
// holds t.mu.
func (t *Trainer) evaluate(src data.Source, idx []int, batchSize int) (Logs, error) {
	tl := t.newTally(true)
	for start := 0; start < len(idx); start += batchSize {
		b := idx[start:min(start+batchSize, len(idx))]
		data.Prefetch(src, idx[min(start+batchSize, len(idx)):min(start+2*batchSize, len(idx))])
		s, err := t.stepFor(len(b), false)
		if err != nil {
			return nil, err
		}
		loss, err := t.run(s, src, b, nil)
		if err == nil {
			err = data.SourceErr(src)
		}
		if err != nil {
			return nil, errors.Wrapf(err, "evaluate %q: samples %d..%d", t.Model.ModelName(), b[0], b[len(b)-1])
		}
		tl.add(s, len(b), loss)
	}
	return tl.logs(), nil
}

// evalMetrics returns the metrics evaluation accumulates in: fresh
// instances of t.Metrics where they implement MetricCloner, made once.
func (t *Trainer) evalMetrics() []Metric {
	if len(t.evalMs) != len(t.Metrics) {
		t.evalMs = make([]Metric, len(t.Metrics))
		for i, mt := range t.Metrics {
			t.evalMs[i] = mt
			if c, ok := mt.(MetricCloner); ok {
				t.evalMs[i] = c.CloneMetric()
			}
		}
	}
	return t.evalMs
}

// Predict returns the model's output for every sample of src in inference
// mode, one row per sample; a model of several outputs gives them one
// after another in each row, in the order of its OutputNames. Targets are read only if src has them in range;
// the loss computed alongside is discarded.
func (t *Trainer) Predict(src data.Source, batchSize int) ([][]float32, error) {
	if err := t.ready("predict", src, batchSize); err != nil {
		return nil, err
	}
	src, err := t.arrange("predict", src)
	if err != nil {
		return nil, err
	}
	n, w := src.Len(), outputWidth(t.Model)
	flat := make([]float32, n*w)
	out := make([][]float32, n)
	hs := t.heads()
	tw := 0
	for _, h := range hs {
		if ce, ok := h.loss.(*CrossEntropy); ok && ce.Sparse {
			tw++
		} else {
			tw += h.width
		}
	}
	pred := predictSource{src, tw}
	t.mu.Lock()
	defer t.mu.Unlock()
	for start := 0; start < n; start += batchSize {
		b := seq(start, min(start+batchSize, n))
		if start+batchSize < n {
			data.Prefetch(src, seq(start+batchSize, min(start+2*batchSize, n)))
		}
		s, err := t.stepFor(len(b), false)
		if err != nil {
			return nil, err
		}
		_, err = t.run(s, pred, b, nil)
		if err == nil {
			err = data.SourceErr(src)
		}
		if err != nil {
			return nil, errors.Wrapf(err, "predict %q: samples %d..%d", t.Model.ModelName(), b[0], b[len(b)-1])
		}
		for i := range b {
			row := flat[(start+i)*w : (start+i+1)*w]
			off := 0
			for k, h := range hs {
				for j := 0; j < h.width; j++ {
					row[off+j] = float32(s.out64[k][i*h.width+j])
				}
				off += h.width
			}
			out[start+i] = row
		}
	}
	return out, nil
}

// predictSource presents src's features with zero targets in the loss's
// target width, so that Predict works on unlabelled data.
type predictSource struct {
	data.Source
	tw int
}

func (p predictSource) TargetWidth() int { return p.tw }

func (p predictSource) Fill(idx []int, x, y []float32) {
	p.Source.Fill(idx, x, nil)
	for i := range y {
		y[i] = 0
	}
}

func (t *Trainer) ready(what string, src data.Source, batchSize int) error {
	m := t.Model
	if !built(m) {
		return errors.Errorf("%s %q: model is not built; call Build or Fit first", what, m.ModelName())
	}
	if batchSize <= 0 {
		return errors.Errorf("%s %q: batch size must be positive, got %d", what, m.ModelName(), batchSize)
	}
	if src == nil || src.Len() == 0 {
		return errors.Errorf("%s %q: no data", what, m.ModelName())
	}
	if src.Features() != inputWidth(m) {
		return errors.Errorf("%s %q: data has %d features, model takes %d", what, m.ModelName(), src.Features(), inputWidth(m))
	}
	return nil
}
