package train

import (
	"math"

	"github.com/pkg/errors"

	"github.com/gradgraph/gradgraph/data"
)

// weighting is a Fit's per-sample loss weights: Keras's class_weight and
// sample_weight, multiplied.
type weighting struct {
	class   map[int]float64
	sample  []float64
	classes int  // outputs of the model's one output, for class weights
	sparse  bool // targets are class indices rather than one-hot rows
}

// newWeighting checks FitOptions' weights against the training data and the
// model; it returns nil when there are none.
func (t *Trainer) newWeighting(src data.Source, opt FitOptions) (*weighting, error) {
	if opt.ClassWeight == nil && opt.SampleWeight == nil {
		return nil, nil
	}
	w := &weighting{class: opt.ClassWeight, sample: opt.SampleWeight}
	for _, h := range t.heads() {
		if _, ok := h.loss.(WeightedLoss); !ok {
			return nil, errors.Errorf("loss %s cannot weight samples (it does not implement train.WeightedLoss)", h.loss.Name())
		}
	}
	if opt.SampleWeight != nil {
		if len(opt.SampleWeight) != src.Len() {
			return nil, errors.Errorf("%d sample weights for %d samples", len(opt.SampleWeight), src.Len())
		}
		for i, v := range opt.SampleWeight {
			if !(v >= 0 && v <= math.MaxFloat32) {
				return nil, errors.Errorf("sample %d has weight %v; weights must be finite and not negative", i, v)
			}
		}
	}
	if opt.ClassWeight != nil {
		hs := t.heads()
		ce, ok := hs[0].loss.(*CrossEntropy)
		if len(hs) != 1 || !ok {
			return nil, errors.New("class weights take a model of one output trained with a cross-entropy (as in Keras)")
		}
		w.classes, w.sparse = hs[0].width, ce.Sparse
		for c, v := range opt.ClassWeight {
			if c < 0 || c >= w.classes {
				return nil, errors.Errorf("class weight for class %d; the model has classes 0..%d", c, w.classes-1)
			}
			if !(v >= 0 && v <= math.MaxFloat32) {
				return nil, errors.Errorf("class %d has weight %v; weights must be finite and not negative", c, v)
			}
		}
	}
	return w, nil
}

// fill writes the weights of the samples idx, whose raw target rows of
// width tw are ys, into the step's weight input.
func (w *weighting) fill(s *step, src data.Source, idx []int, ys []float32, tw int) error {
	if cap(s.wbuf) < s.rows {
		s.wbuf = make([]float32, s.rows)
	}
	buf := s.wbuf[:s.rows]
	for r, i := range idx {
		v := 1.0
		if w.sample != nil {
			v = w.sample[i]
		}
		if w.class != nil {
			row := ys[r*tw : (r+1)*tw]
			c := 0
			if w.sparse {
				c = int(row[0])
			} else {
				for j, x := range row {
					if x > row[c] {
						c = j
					}
				}
			}
			if cw, ok := w.class[c]; ok {
				v *= cw
			}
		}
		buf[r] = float32(v)
	}
	return s.w.Set(buf)
}
