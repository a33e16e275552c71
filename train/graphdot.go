package train

import (
	"bytes"

	"github.com/pkg/errors"
)

// GraphDOT returns the training graph for batches of batch samples, forward
// and backward passes, in Graphviz's DOT language (graph.Machine.WriteDOT):
// the expression graph gorgonia.Grad differentiated, as Fit runs it.
func (t *Trainer) GraphDOT(batch int) ([]byte, error) {
	if !built(t.Model) {
		return nil, errors.Errorf("graph of %q: model is not built", t.Model.ModelName())
	}
	if batch <= 0 {
		return nil, errors.Errorf("graph of %q: batch size must be positive, got %d", t.Model.ModelName(), batch)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	s, err := t.stepFor(batch, true)
	if err != nil {
		return nil, errors.Wrapf(err, "graph of %q", t.Model.ModelName())
	}
	var buf bytes.Buffer
	if err := s.m.WriteDOT(&buf); err != nil {
		return nil, errors.Wrapf(err, "graph of %q", t.Model.ModelName())
	}
	return buf.Bytes(), nil
}
