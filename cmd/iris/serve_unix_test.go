//go:build unix

package main

import (
	"fmt"
	"testing"

	"github.com/gradgraph/gradgraph/cmd/internal/live/livetest"
)

// TestServe: iris -serve 127.0.0.1:0 -serve-wait, as livetest.Check runs
// it; the page carries the run's title and settings.
func TestServe(t *testing.T) {
	rec := livetest.Check(t, run, "-quiet", "-epochs", "5", "-seed", "2")
	if rec.Meta.Title != title || len(rec.Epochs) != 5 {
		t.Errorf("page: title %q, %d epochs", rec.Meta.Title, len(rec.Epochs))
	}
	if got := fmt.Sprint(rec.Meta.Hparams); got != "[[batch_size 8] [learning_rate 0.001] [max_epochs 5] [optimizer Adam] [patience 10] [seed 2] [split_seed 42] [validation_split 0.2]]" {
		t.Errorf("hyperparameters %s", got)
	}
}
