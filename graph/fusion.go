package graph

import (
	"os"
	"strings"
	"sync"

	"github.com/pkg/errors"
)

// FusionEnv is the environment variable that switches gradgraph's fused ops
// off for a whole program: GRADGRAPH_FUSION=0 builds every model from the
// decomposed twins (Gorgonia primitives only), for A/B runs against the
// fused graph without touching the code.
const FusionEnv = "GRADGRAPH_FUSION"

var fusionEnv struct {
	once  sync.Once
	fused bool
	err   error
}

// FusionFromEnv reports the program's default choice of ops, FusionEnv read
// once per process (on the first call; later changes to the environment are
// not seen): unset, empty, "1", "on" or "true" mean fused (the default);
// "0", "off" or "false" mean the twins. Anything else is an error, so that
// a typo does not silently pick one; the error is kept and returned to
// every caller. From there the choice travels by value: nn's
// BuildOptions.Fusion resolves to the model's, and the model gives it to
// every Builder its graphs are built on.
func FusionFromEnv() (bool, error) {
	fusionEnv.once.Do(func() {
		v, ok := os.LookupEnv(FusionEnv)
		fusionEnv.fused, fusionEnv.err = ParseFusion(v, ok)
	})
	return fusionEnv.fused, fusionEnv.err
}

// ParseFusion is FusionFromEnv's reading of a value v of FusionEnv (set
// false when the variable is unset).
func ParseFusion(v string, set bool) (bool, error) {
	if !set {
		return true, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "1", "on", "true":
		return true, nil
	case "0", "off", "false":
		return false, nil
	}
	return true, errors.Errorf("%s=%q: want 1 (fused ops) or 0 (plain Gorgonia twins)", FusionEnv, v)
}

// fusedOr is the one place that chooses between a fused op and its twin:
// every op builder calls it with both constructions, and it runs the fused
// one when b.Fused is set, the twin otherwise. Nothing else reads b.Fused
// (TestOneFusionSwitch checks the sources), so one switch
// (nn.BuildOptions.Fusion, or GRADGRAPH_FUSION=0) turns a whole model into
// plain Gorgonia, and a new op cannot forget to honour it.
func fusedOr[T any](b *Builder, fused, twin func() (T, error)) (T, error) {
	if b.Fused {
		return fused()
	}
	return twin()
}
