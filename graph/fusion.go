package graph

import (
	"os"
	"strings"

	"github.com/pkg/errors"
)

// FusionEnv is the environment variable that switches gradgraph's fused ops
// off for a whole program: GRADGRAPH_FUSION=0 builds every model from the
// decomposed twins (Gorgonia primitives only), for A/B runs against the
// fused graph without touching the code.
const FusionEnv = "GRADGRAPH_FUSION"

// FusionFromEnv reads FusionEnv: unset, empty, "1", "on" or "true" mean
// fused (the default); "0", "off" or "false" mean the twins. Anything else
// is an error, so that a typo does not silently pick one.
func FusionFromEnv() (bool, error) {
	v, ok := os.LookupEnv(FusionEnv)
	if !ok {
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
