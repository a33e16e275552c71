package graph

import (
	"fmt"
	"hash"
	"math"
	"math/rand"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestDirectTapeMatchesRunAll runs the MNIST-shaped graph compiled twice
// over the same params, one machine with the tape's loop called directly
// and one through Gorgonia's RunAll, on several batches: the loss and every
// gradient must be the same bits after every run.
func TestDirectTapeMatchesRunAll(t *testing.T) {
	if !directTape {
		t.Skip("the direct tape run is off in this binary")
	}
	defer func() { directTape = true }()
	rng := rand.New(rand.NewSource(11))
	params := mlpParams(t, Float32, rng, 64, 32, 10)
	direct, runAll := newMLP(t, Float32, params, 8), newMLP(t, Float32, params, 8)
	md, err := direct.b.Compile(direct.loss, params)
	if err != nil {
		t.Fatal(err)
	}
	defer md.Close()
	mr, err := runAll.b.Compile(runAll.loss, params)
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Close()
	for step := 0; step < 4; step++ {
		fillBatch(rng, 0.8, direct, runAll)
		directTape = true
		if err := md.Run(nil); err != nil {
			t.Fatal(err)
		}
		directTape = false
		if err := mr.Run(nil); err != nil {
			t.Fatal(err)
		}
		if math.Float64bits(md.Loss()) != math.Float64bits(mr.Loss()) || math.IsNaN(md.Loss()) {
			t.Fatalf("step %d: loss %v direct, %v through RunAll", step, md.Loss(), mr.Loss())
		}
		for i := range params {
			gd, gr := md.Grad(i).Data().([]float32), mr.Grad(i).Data().([]float32)
			for j := range gd {
				if math.Float32bits(gd[j]) != math.Float32bits(gr[j]) {
					t.Fatalf("step %d: gradient %d[%d] = %v direct, %v through RunAll", step, i, j, gd[j], gr[j])
				}
			}
		}
	}
}

// failOp is an op whose Do always fails.
type failOp struct{}

func (failOp) Arity() int { return 1 }
func (failOp) Type() hm.Type {
	t := G.TensorType{Dims: 2, Of: Float32}
	return hm.NewFnType(t, t)
}
func (failOp) InferShape(ds ...G.DimSizer) (tensor.Shape, error) {
	return ds[0].(tensor.Shape).Clone(), nil
}
func (failOp) Do(...G.Value) (G.Value, error) { return nil, errors.New("planted failure") }
func (failOp) ReturnsPtr() bool               { return false }
func (failOp) CallsExtern() bool              { return false }
func (failOp) OverwritesInput() int           { return -1 }
func (failOp) WriteHash(h hash.Hash)          { fmt.Fprint(h, "failOp") }
func (failOp) Hashcode() uint32               { return 1 }
func (failOp) String() string                 { return "failOp" }

// TestTapeRunReportsOpErrors checks that an op's error reaches the caller
// of Machine.Run, with the direct loop and through RunAll, and that the
// machine runs (and fails) again after it.
func TestTapeRunReportsOpErrors(t *testing.T) {
	defer func(d bool) { directTape = d }(directTape)
	for _, direct := range []bool{true, false} {
		directTape = direct
		b, _ := NewBuilder(Float32, 2, false)
		x := b.Input("x", 2, 3)
		y, err := G.ApplyOp(failOp{}, x.Node)
		if err != nil {
			t.Fatal(err)
		}
		m, err := b.Compile(nil, nil, y)
		if err != nil {
			t.Fatal(err)
		}
		for run := 0; run < 2; run++ {
			if err := m.Run(nil); err == nil || !strings.Contains(err.Error(), "planted failure") {
				t.Errorf("direct %v run %d: error %v, want the op's", direct, run, err)
			}
		}
		m.Close()
	}
}

// TestGorgoniaPinned checks that go.mod requires the Gorgonia release that
// the direct tape run was checked against, unreplaced: upgrading it means
// reading (*tapeMachine).runall in vm_tape.go again and updating
// checkedGorgonia.
func TestGorgoniaPinned(t *testing.T) {
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*gorgonia\.org/gorgonia (v\S+)`).FindSubmatch(mod)
	if m == nil || string(m[1]) != checkedGorgonia {
		t.Fatalf("go.mod requires gorgonia %q; graph/tape.go was checked against %s", m, checkedGorgonia)
	}
	if regexp.MustCompile(`(?m)^\s*(replace\s+)?gorgonia\.org/gorgonia\s.*=>`).Match(mod) {
		t.Fatal("go.mod replaces gorgonia; graph/tape.go was checked against the released " + checkedGorgonia)
	}
}
