package train

import "github.com/pkg/errors"

// Clone returns an independent copy of the trainer: the same architecture,
// weights (BatchNorm's moving statistics included), loss, metrics,
// optimiser settings and state and epoch count, with graphs and metric
// state of its own, built the same way (fused or not). A Trainer runs one
// graph at a time (its methods take turns); clones run in parallel, one per
// goroutine, for inference on many cores.
//
// The copy goes through the checkpoint encoding (in memory), so it holds for
// every model that Save can write, and a model that Save cannot write (a
// layer type not registered with nn.RegisterLayer, say) cannot be cloned.
func (t *Trainer) Clone() (*Trainer, error) {
	t.mu.Lock()
	raw, err := t.encode()
	t.mu.Unlock()
	if err != nil {
		return nil, errors.Wrapf(err, "clone %q", t.Model.ModelName())
	}
	c, err := decodeTrainer(raw, "clone of "+t.Model.ModelName())
	if err != nil {
		return nil, errors.Wrapf(err, "clone %q", t.Model.ModelName())
	}
	if f, ok := t.Model.(Fusable); ok {
		if cf, ok := c.Model.(Fusable); ok {
			cf.SetFused(f.Fused())
		}
	}
	return c, nil
}
