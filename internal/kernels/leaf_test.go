package kernels

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// leafPackages are the engine's packages below the graphs: plain slices in,
// plain slices out. Gorgonia is met in package graph only (op_kernels.go
// hands the kernels Gorgonia's BLAS through UseBLAS).
var leafPackages = []string{
	"github.com/gradgraph/gradgraph/internal/kernels",
	"github.com/gradgraph/gradgraph/internal/gemm",
	"github.com/gradgraph/gradgraph/internal/split",
	"github.com/gradgraph/gradgraph/internal/fma",
}

// TestLeafPackagesDoNotImportGorgonia lists, with go list -deps, every
// package the leaf packages are built from (directly or not), in the
// default build, with -tags noasm and for arm64, and fails on any of
// Gorgonia's (gorgonia.org/...).
func TestLeafPackagesDoNotImportGorgonia(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, build := range []struct {
		name string
		args []string
		env  []string
	}{
		{"default", nil, nil},
		{"noasm", []string{"-tags", "noasm"}, nil},
		{"arm64", nil, []string{"GOARCH=arm64"}},
	} {
		for _, pkg := range leafPackages {
			args := append([]string{"list", "-deps"}, build.args...)
			cmd := exec.Command("go", append(args, pkg)...)
			cmd.Env = append(os.Environ(), build.env...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s: go list %s: %v\n%s", build.name, pkg, err, out)
			}
			var bad []string
			for _, dep := range strings.Fields(string(out)) {
				if strings.HasPrefix(dep, "gorgonia.org/") {
					bad = append(bad, dep)
				}
			}
			if len(bad) > 0 {
				t.Errorf("%s build: %s depends on %s; the leaf packages take plain slices and leave Gorgonia to package graph", build.name, pkg, strings.Join(bad, ", "))
			}
		}
	}
}
