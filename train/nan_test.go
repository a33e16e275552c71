package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"

	"github.com/gradgraph/gradgraph/data"
	"github.com/gradgraph/gradgraph/graph"
	"github.com/gradgraph/gradgraph/nn"
)

// snapshotParams copies the values of every param of m (trainable ones and
// BatchNorm's moving statistics) as float64 bits.
func snapshotParams(m Model) [][]uint64 {
	var snap [][]uint64
	for _, p := range m.Params() {
		v := p.Float64s()
		bits := make([]uint64, len(v))
		for i, x := range v {
			bits[i] = math.Float64bits(x)
		}
		snap = append(snap, bits)
	}
	return snap
}

// checkParamsEqual fails unless every param of m holds the bits in snap.
func checkParamsEqual(t *testing.T, m Model, snap [][]uint64) {
	t.Helper()
	for k, p := range m.Params() {
		for i, x := range p.Float64s() {
			if math.Float64bits(x) != snap[k][i] {
				t.Errorf("param %q[%d] = %v after the failed step, want %v (the last good step's)", p.Name, i, x, math.Float64frombits(snap[k][i]))
				break
			}
		}
	}
}

// fitUntilNonFinite trains tr on src in order (no shuffling, batches of 10)
// from epoch 1, snapshotting every param after each good step, and returns
// the last snapshot with Fit's error.
func fitUntilNonFinite(t *testing.T, tr *Trainer, src data.Source) ([][]uint64, error) {
	t.Helper()
	snap := snapshotParams(tr.Model)
	cb := CallbackFuncs{BatchEnd: func(tr *Trainer, batch int, loss float64) error {
		snap = snapshotParams(tr.Model)
		return nil
	}}
	_, err := tr.Fit(src, FitOptions{Epochs: 3, InitialEpoch: 1, BatchSize: 10, NoShuffle: true, Seed: 3, Callbacks: []Callback{cb}})
	return snap, err
}

func bnModel(t *testing.T, loss Loss) *Trainer {
	t.Helper()
	m := nn.Sequential("bn", nn.Dense(8, nn.ReLU), nn.BatchNorm(), nn.Dense(3, nn.Softmax))
	if err := m.Build(2, nn.BuildOptions{Seed: 2}); err != nil {
		t.Fatal(err)
	}
	tr, err := Compile(m, Adam(0.01), loss)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestNaNLossLeavesEveryParam feeds an Inf feature in the third batch: the
// loss is NaN, and every param, BatchNorm's moving mean and variance
// included, must hold the values of the second batch's step. The moving
// statistics used to be folded from the bad batch during the run, before
// the loss was checked.
func TestNaNLossLeavesEveryParam(t *testing.T) {
	src := blobs(60, 1)
	src.x[2*10*2+3] = float32(math.Inf(1)) // sample 21, batch 3
	tr := bnModel(t, SparseCategoricalCrossentropy())
	snap, err := fitUntilNonFinite(t, tr, src)
	if err == nil {
		t.Fatal("Fit returned no error on an Inf feature")
	}
	checkParamsEqual(t, tr.Model, snap)
	var nf *NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v: errors.As finds no *NonFiniteError", err)
	}
	if nf.Epoch != 1 || nf.Batch != 2 || !math.IsNaN(nf.Loss) || nf.Grad != "" {
		t.Errorf("NonFiniteError{Epoch %d, Batch %d, Loss %v, Grad %q}, want epoch 1, batch 2, a NaN loss, no gradient", nf.Epoch, nf.Batch, nf.Loss, nf.Grad)
	}
	if !errors.Is(err, ErrNonFinite) {
		t.Errorf("error %v: errors.Is(err, ErrNonFinite) is false", err)
	}
	// Callers wrap it further with github.com/pkg/errors.
	wrapped := errors.Wrap(errors.Wrap(err, "train"), "cmd")
	if var2 := (*NonFiniteError)(nil); !errors.As(wrapped, &var2) || var2 != nf || !errors.Is(wrapped, ErrNonFinite) {
		t.Errorf("errors.As/Is do not see through errors.Wrap: %v", wrapped)
	}
	const msg = `fit "bn": loss is NaN at epoch 2, batch 3/6; stopped before updating the weights`
	if got := err.Error(); len(got) < len(msg) || got[:len(msg)] != msg {
		t.Errorf("message %q, want it to start %q", got, msg)
	}
}

// nanGradLoss is a loss whose value is finite (0) and whose gradient is
// NaN: mean(√((out − out)²)) has the derivative 0·∞ at 0.
type nanGradLoss struct{ MSE }

func (nanGradLoss) Build(b *graph.Builder, out, target *G.Node) (*G.Node, error) {
	d, err := G.Sub(out, out)
	if err != nil {
		return nil, err
	}
	r, err := G.Sqrt(G.Must(G.Square(d)))
	if err != nil {
		return nil, err
	}
	return G.Mean(r)
}

func (nanGradLoss) Encode(y []float32, rows, outputs int, dst []float32) error {
	return SparseCategoricalCrossentropy().Encode(y, rows, outputs, dst)
}

func (nanGradLoss) Check(src data.Source, outputs int) error { return nil }

// TestNaNGradientLeavesEveryParam: a finite loss with a NaN gradient must
// stop Fit before the optimiser or BatchNorm's fold touches any param.
func TestNaNGradientLeavesEveryParam(t *testing.T) {
	src := blobs(60, 1)
	tr := bnModel(t, nanGradLoss{})
	snap, err := fitUntilNonFinite(t, tr, src)
	if err == nil {
		t.Fatal("Fit returned no error on a NaN gradient")
	}
	checkParamsEqual(t, tr.Model, snap)
	var nf *NonFiniteError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v: errors.As finds no *NonFiniteError", err)
	}
	if nf.Epoch != 1 || nf.Batch != 0 || nf.Loss != 0 || nf.Grad == "" {
		t.Errorf("NonFiniteError{Epoch %d, Batch %d, Loss %v, Grad %q}, want epoch 1, batch 0, loss 0, a gradient named", nf.Epoch, nf.Batch, nf.Loss, nf.Grad)
	}
}

// TestSaveRefusesNonFiniteWeights: a model whose weights went NaN (by a
// hand here; an overflowing update in life) is not saved, and the file
// already at the path is left as it was.
func TestSaveRefusesNonFiniteWeights(t *testing.T) {
	tr, _ := irisTrainer(t)
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	p := tr.Model.Params()[0]
	p.SetAt(3, math.Inf(1))
	err := tr.Save(path)
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), p.Name) {
		t.Errorf("Save with an infinite weight: %v, want ErrNonFinite naming %q", err, p.Name)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the good checkpoint was overwritten")
	}
}

// TestSaveRefusesNonFiniteOptimizerState: an Inf in Adam's second moment
// (set by hand; an overflowing g² in life, which the step guard now
// refuses) is not saved either, naming the param, and the file already at
// the path is left as it was.
func TestSaveRefusesNonFiniteOptimizerState(t *testing.T) {
	tr, _ := irisTrainer(t)
	path := filepath.Join(t.TempDir(), "m.ckpt")
	if err := tr.Save(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	st := tr.Optimizer.(*AdamOptimizer).state()
	st.f32[1][1][0] = float32(math.Inf(1))
	err := tr.Save(path)
	if !errors.Is(err, ErrNonFinite) || !strings.Contains(err.Error(), st.bind[1].Name) {
		t.Errorf("Save with an infinite optimiser state: %v, want ErrNonFinite naming %q", err, st.bind[1].Name)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("the good checkpoint was overwritten")
	}
}
