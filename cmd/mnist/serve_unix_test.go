//go:build unix

package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gradgraph/gradgraph/cmd/internal/live/livetest"
)

// TestServe: mnist -serve 127.0.0.1:0 -serve-wait on the embedded digits,
// as livetest.Check runs it.
func TestServe(t *testing.T) {
	rec := livetest.Check(t, run, "-dataset", "digits", "-epochs", "12", "-quiet")
	if !strings.HasPrefix(rec.Meta.Title, "8x8 digits: Dense(100, relu)") || len(rec.Epochs) != 12 {
		t.Errorf("page: title %q, %d epochs", rec.Meta.Title, len(rec.Epochs))
	}
	if got := fmt.Sprint(rec.Meta.Hparams); !strings.Contains(got, "[dataset digits]") || !strings.Contains(got, "[model scratch]") || !strings.Contains(got, "[batch_size 1257]") {
		t.Errorf("hyperparameters %s", got)
	}
}
