package train

import "github.com/gradgraph/gradgraph/graph"

// snapshotWeights copies every param (graph.Snapshot) under the trainer's
// lock, so that a step or a load on another goroutine cannot tear it.
func (t *Trainer) snapshotWeights() [][]float64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return graph.Snapshot(t.Model.Params())
}

// restoreWeights writes back a snapshot (graph.Restore) under the lock,
// so that no Evaluate or Predict reads half-restored weights.
func (t *Trainer) restoreWeights(v [][]float64) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.guard.reset()
	return graph.Restore(t.Model.Params(), v)
}
