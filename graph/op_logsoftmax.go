package graph

import (
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// LogSoftmax adds log(softmax(x)) along the rows of a (batch, classes)
// matrix as one node: each row is shifted by its own maximum, so no
// exponent is positive and the largest term of the sum is exactly 1, and
// the result is (x − max) − log Σ exp(x − max). Its gradient is
// dx = dy − softmax(x)·Σ_j dy_j, row by row (with a one-hot cross-entropy
// on top, (p − y)/N). Output and gradient tensors are reused by every run.
func LogSoftmax(x *G.Node) (*G.Node, error) {
	if err := needNodes("log-softmax", "x", x); err != nil {
		return nil, err
	}
	if x.Dims() != 2 {
		return nil, errors.Errorf("log-softmax: want a (batch, classes) matrix, got shape %v", x.Shape())
	}
	dt, err := dtypeOf(x)
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax")
	}
	return G.ApplyOp(&logSoftmaxOp{dt: dt, rows: x.Shape()[0], cols: x.Shape()[1]}, x)
}

// logSoftmaxOp is the forward op (grad false: (x) → log-softmax) and its
// backward op (grad true: (out, dy) → dx). The forward op also keeps the
// probabilities exp(x − max)/Σ it computed on the way, so that the
// backward op and Softmax need not take 1,280 exponentials again per MNIST
// batch (each costs more than the rest of the op).
type logSoftmaxOp struct {
	opmeta.Owned
	grad       bool
	dt         tensor.Dtype
	rows, cols int
	out        *tensor.Dense
	probs      any           // forward: []T, the softmax of the last input
	fwd        *logSoftmaxOp // backward: the forward op, whose probabilities it reuses
}

// probsOf returns the forward op's probabilities when v is the output of
// its last run (the tape runs the forward op before its consumers in every
// run, and out is reused, so the pointer says which run it is from), nil
// otherwise.
func (op *logSoftmaxOp) probsOf(v G.Value) any {
	if op == nil || op.out == nil || v != G.Value(op.out) {
		return nil
	}
	return op.probs
}

func (op *logSoftmaxOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}
func (op *logSoftmaxOp) Type() hm.Type {
	t := matType(op.dt)
	if op.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}
func (op *logSoftmaxOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.rows, op.cols}, nil
}
func (op *logSoftmaxOp) String() string {
	if op.grad {
		return "logsoftmax'"
	}
	return "logsoftmax"
}

func (op *logSoftmaxOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseArgs(op.String(), op.Arity(), vals)
	if err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, op.rows, op.cols)
	switch out := op.out.Data().(type) {
	case []float32:
		logSoftmaxDo(op, a[:], out)
	case []float64:
		logSoftmaxDo(op, a[:], out)
	}
	return op.out, nil
}

func logSoftmaxDo[T float](op *logSoftmaxOp, a []*tensor.Dense, out []T) {
	if op.grad {
		p, _ := op.fwd.probsOf(a[0]).([]T)
		logSoftmaxGrad(a[0].Data().([]T), a[1].Data().([]T), p, out, op.cols)
		return
	}
	p, _ := op.probs.([]T)
	if len(p) != len(out) {
		p = make([]T, len(out))
		op.probs = p
	}
	// Rows are independent, and an exponential costs ~10 ns: the rows of
	// a batch are shared out among the cores.
	x, cols := a[0].Data().([]T), op.cols
	kernels.ParallelRows(op.rows, 64*cols, func(lo, hi int) {
		var buf [64]float64
		e := buf[:]
		if cols > len(buf) {
			e = make([]float64, cols)
		}
		logSoftmaxRows(x[lo*cols:hi*cols], out[lo*cols:hi*cols], p[lo*cols:hi*cols], e[:cols], cols)
	})
}

// lastOutput implements ownedOutput: Do reuses op.out on every run, so a
// gradient taken straight through the log-softmax (a param fed into it) is
// handed out without a copy.
func (op *logSoftmaxOp) lastOutput() *tensor.Dense { return op.out }

// logSoftmaxRows writes log-softmax(x) to out and softmax(x) to p, row by
// row, with one exponential per element (in float64, kept in e, of cols
// elements, until the row's sum is known).
func logSoftmaxRows[T float](x, out, p []T, e []float64, cols int) {
	for r := 0; r+cols <= len(x); r += cols {
		xr, or, pr := x[r:r+cols], out[r:r+cols], p[r:r+cols]
		m := xr[0]
		for _, v := range xr[1:] {
			if v > m {
				m = v
			}
		}
		var s float64
		for j, v := range xr {
			e[j] = math.Exp(float64(v - m))
			s += e[j]
		}
		ls := T(math.Log(s))
		for j, v := range xr {
			or[j] = v - m - ls
			pr[j] = T(e[j] / s)
		}
	}
}

// logSoftmaxGrad writes dx = dy − p·Σ_j dy_j row by row, p being the
// softmax, from the forward op when given and exp(out) otherwise.
func logSoftmaxGrad[T float](out, dy, p, dx []T, cols int) {
	for r := 0; r+cols <= len(out); r += cols {
		o, g, d := out[r:r+cols], dy[r:r+cols], dx[r:r+cols]
		var s T
		for _, v := range g {
			s += v
		}
		if p != nil {
			for j, v := range p[r : r+cols] {
				d[j] = g[j] - T(v*s)
			}
			continue
		}
		for j, v := range o {
			d[j] = g[j] - T(T(math.Exp(float64(v)))*s)
		}
	}
}

func (op *logSoftmaxOp) DiffWRT(inputs int) []bool { return []bool{!op.grad} }

func (op *logSoftmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("log-softmax: no second derivative")
	}
	dx, err := G.ApplyOp(&logSoftmaxOp{grad: true, dt: op.dt, rows: op.rows, cols: op.cols, fwd: op}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}

// Softmax adds exp(lp) for log-probabilities lp, a (batch, classes) matrix,
// as one node. When lp is a LogSoftmax node's output, the probabilities
// that op computed in the same run are copied instead of exponentiated
// again. Its gradient is dlp = p ⊙ dp.
func Softmax(lp *G.Node) (*G.Node, error) {
	if err := needNodes("softmax", "lp", lp); err != nil {
		return nil, err
	}
	if lp.Dims() != 2 {
		return nil, errors.Errorf("softmax: want a (batch, classes) matrix, got shape %v", lp.Shape())
	}
	dt, err := dtypeOf(lp)
	if err != nil {
		return nil, errors.Wrap(err, "softmax")
	}
	src, _ := lp.Op().(*logSoftmaxOp)
	if src != nil && src.grad {
		src = nil
	}
	return G.ApplyOp(&softmaxOp{dt: dt, rows: lp.Shape()[0], cols: lp.Shape()[1], src: src}, lp)
}

// softmaxOp is exp of log-probabilities.
type softmaxOp struct {
	opmeta.Owned
	dt         tensor.Dtype
	rows, cols int
	out        *tensor.Dense
	src        *logSoftmaxOp // the op computing the input, when it is a LogSoftmax
}

func (op *softmaxOp) Arity() int { return 1 }
func (op *softmaxOp) Type() hm.Type {
	t := matType(op.dt)
	return hm.NewFnType(t, t)
}
func (op *softmaxOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.rows, op.cols}, nil
}
func (op *softmaxOp) String() string { return "softmax" }

func (op *softmaxOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := denseArgs(op.String(), 1, vals)
	if err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, op.rows, op.cols)
	switch out := op.out.Data().(type) {
	case []float32:
		softmaxDo(op, a[0], out)
	case []float64:
		softmaxDo(op, a[0], out)
	}
	return op.out, nil
}

func softmaxDo[T float](op *softmaxOp, lp *tensor.Dense, out []T) {
	if p, ok := op.src.probsOf(lp).([]T); ok {
		copy(out, p)
		return
	}
	for j, v := range lp.Data().([]T) {
		out[j] = T(math.Exp(float64(v)))
	}
}

func (op *softmaxOp) DiffWRT(inputs int) []bool { return []bool{true} }

func (op *softmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dlp, err := G.HadamardProd(output, grad)
	if err != nil {
		return nil, errors.Wrap(err, "softmax gradient")
	}
	return G.Nodes{dlp}, nil
}

// LogSoftmax adds the row-wise log-softmax of a (batch, classes) matrix.
func (b *Builder) LogSoftmax(x *G.Node) (*G.Node, error) {
	if err := needBuilder("log-softmax", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return LogSoftmax(x) },
		func() (*G.Node, error) { return LogSoftmaxTwin(b, x) })
}

// LogSoftmaxTwin is LogSoftmax from primitives, as GORGONIA-NOTES.md
// prescribes (Gorgonia's own SoftMax takes every row's maximum from the
// first element of the whole tensor): s = x − rowmax(x), then
// s − log Σ exp(s). The maximum is differentiated too; its share of the
// gradient cancels (the log-softmax does not depend on the shift), up to
// rounding.
func LogSoftmaxTwin(b *Builder, x *G.Node) (*G.Node, error) {
	if err := needBuilder("log-softmax twin", b); err != nil {
		return nil, err
	}
	if err := needNodes("log-softmax twin", "x", x); err != nil {
		return nil, err
	}
	if x.Dims() != 2 {
		return nil, errors.Errorf("log-softmax twin: want a (batch, classes) matrix, got shape %v", x.Shape())
	}
	col := tensor.Shape{x.Shape()[0], 1}
	m, err := G.Max(x, 1)
	if err == nil {
		m, err = G.Reshape(m, col)
	}
	var s, e, sum, ls *G.Node
	if err == nil {
		s, err = G.BroadcastSub(x, m, nil, []byte{1})
	}
	if err == nil {
		e, err = G.Exp(s)
	}
	if err == nil {
		sum, err = G.Sum(e, 1)
	}
	if err == nil {
		sum, err = G.Reshape(sum, col)
	}
	if err == nil {
		ls, err = G.Log(sum)
	}
	if err != nil {
		return nil, errors.Wrap(err, "log-softmax twin")
	}
	y, err := G.BroadcastSub(s, ls, nil, []byte{1})
	return y, errors.Wrap(err, "log-softmax twin")
}

// Softmax adds exp of log-probabilities lp.
func (b *Builder) Softmax(lp *G.Node) (*G.Node, error) {
	if err := needBuilder("softmax", b); err != nil {
		return nil, err
	}
	return fusedOr(b,
		func() (*G.Node, error) { return Softmax(lp) },
		func() (*G.Node, error) { return SoftmaxTwin(b, lp) })
}

// SoftmaxTwin is Softmax from primitives: exp of the log-probabilities.
func SoftmaxTwin(b *Builder, lp *G.Node) (*G.Node, error) {
	if err := needBuilder("softmax twin", b); err != nil {
		return nil, err
	}
	if err := needNodes("softmax twin", "lp", lp); err != nil {
		return nil, err
	}
	p, err := G.Exp(lp)
	return p, errors.Wrap(err, "softmax twin")
}
