package graph

import (
	"strings"

	"fmt"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGlobalPoolTwinParity: each global pooling op and its twin, value and
// input gradient, in float32 and float64, over inputs from one pixel to
// 5×7×9 and 4×4×16 (every position a candidate, one channel and many). The
// average's twin sums in the same order and divides the same way, and the
// max's copies values, so both in fact agree to the bit; the tolerance
// stays that of a sum of h·w terms, so that a change of summation order in
// Gorgonia's reduction would not fail it.
func TestGlobalPoolTwinParity(t *testing.T) {
	pools := []struct {
		kind     string
		op, twin func(*G.Node) (*G.Node, error)
	}{
		{"avg", globalAvgPool2D, GlobalAvgPoolTwin},
		{"max", globalMaxPool2D, GlobalMaxPoolTwin},
	}
	geoms := [][4]int{{1, 1, 1, 1}, {2, 1, 1, 3}, {1, 1, 5, 1}, {2, 4, 1, 2}, {1, 2, 2, 1}, {2, 3, 3, 3}, {3, 5, 7, 9}, {2, 4, 4, 16}}
	for pi, p := range pools {
		for gi, g := range geoms {
			for _, dt := range []tensor.Dtype{Float32, Float64} {
				name := fmt.Sprintf("%s/%v/in%dx%dx%dx%d", p.kind, dt, g[0], g[1], g[2], g[3])
				xs := twinInputValues(g[0]*g[1]*g[2]*g[3], int64(100*pi+gi))
				op := twinRun(t, name, dt, g[:], xs, int64(gi), p.op)
				twin := twinRun(t, name, dt, g[:], xs, int64(gi), p.twin)
				twinCompare(t, name, dt, g[1]*g[2], op, twin)
			}
		}
	}
}

// TestGlobalPoolGradCheck checks the input gradient of both pools, op and
// twin, against central differences in float64, through x → pool → tanh
// → Σ ⊙ R. Inputs are distinct (twinInputValues), so a max has one arg
// max and no difference crosses a kink.
func TestGlobalPoolGradCheck(t *testing.T) {
	for pi, p := range []struct {
		kind string
		fn   func(*G.Node) (*G.Node, error)
	}{{"avg op", globalAvgPool2D}, {"avg twin", GlobalAvgPoolTwin}, {"max op", globalMaxPool2D}, {"max twin", GlobalMaxPoolTwin}} {
		for gi, g := range [][4]int{{2, 3, 4, 3}, {1, 5, 5, 1}, {3, 2, 3, 9}} {
			name := fmt.Sprintf("%s/in%v", p.kind, g)
			xs := twinInputValues(g[0]*g[1]*g[2]*g[3], int64(200+10*pi+gi))
			b, x, _, loss := twinBuild(t, name, Float64, g[:], xs, int64(300+gi), func(x *G.Node) (*G.Node, error) {
				y, err := p.fn(x)
				if err != nil {
					return nil, err
				}
				return G.Tanh(y)
			})
			res, err := GradCheck(b, loss, []*Param{x}, 1e-6, 1)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if res.MaxRelErr > gradTol || res.Checked != len(xs) {
				t.Errorf("%s: %v, want max rel err ≤ %g over %d elements", name, res, gradTol, len(xs))
			}
		}
	}
}

// TestGlobalPoolRefusesBadInputs: the ops and twins refuse what nn's
// layers let through to no op: a node that is not 4-D, or of an integer
// type.
func TestGlobalPoolRefusesBadInputs(t *testing.T) {
	g := G.NewGraph()
	flat := G.NewMatrix(g, tensor.Float32, G.WithShape(2, 3), G.WithName("flat"))
	ints := G.NewTensor(g, tensor.Int, 4, G.WithShape(1, 2, 2, 1), G.WithName("ints"))
	for _, f := range []struct {
		name string
		fn   func(*G.Node) (*G.Node, error)
	}{{"avg op", globalAvgPool2D}, {"avg twin", GlobalAvgPoolTwin}, {"max op", globalMaxPool2D}, {"max twin", GlobalMaxPoolTwin}} {
		if _, err := f.fn(flat); err == nil || !strings.Contains(err.Error(), "(2, 3)") {
			t.Errorf("%s on a matrix: error %v, want one naming its shape (2, 3)", f.name, err)
		}
		if _, err := f.fn(ints); err == nil || !strings.Contains(err.Error(), "unsupported dtype int") {
			t.Errorf("%s on ints: error %v, want \"unsupported dtype int\"", f.name, err)
		}
	}
}
