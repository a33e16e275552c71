package graph

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LogSoftmax adds log(softmax(x)) along the rows of a (batch, classes)
// matrix as one node: each row is shifted by its own maximum, so no
// exponent is positive and the largest term of the sum is exactly 1, and
// the result is (x − max) − log Σ exp(x − max). Its gradient is
// dx = dy − softmax(x)·Σ_j dy_j, row by row (with a one-hot cross-entropy
// on top, (p − y)/N). Output and gradient tensors are reused by every run.
func LogSoftmax(x *G.Node) (*G.Node, error) {
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
// backward op (grad true: (out, dy) → dx).
type logSoftmaxOp struct {
	grad       bool
	dt         tensor.Dtype
	rows, cols int
	out        *tensor.Dense
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
func (op *logSoftmaxOp) ReturnsPtr() bool      { return false }
func (op *logSoftmaxOp) CallsExtern() bool     { return false }
func (op *logSoftmaxOp) OverwritesInput() int  { return -1 }
func (op *logSoftmaxOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "gradgraph.logsoftmax %p", op) }
func (op *logSoftmaxOp) Hashcode() uint32      { return opHash("gradgraph.logsoftmax", op) }
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
		if op.grad {
			logSoftmaxGrad(a[0].Data().([]float32), a[1].Data().([]float32), out, op.cols)
		} else {
			logSoftmaxRows(a[0].Data().([]float32), out, op.cols)
		}
	case []float64:
		if op.grad {
			logSoftmaxGrad(a[0].Data().([]float64), a[1].Data().([]float64), out, op.cols)
		} else {
			logSoftmaxRows(a[0].Data().([]float64), out, op.cols)
		}
	}
	return op.out, nil
}

// lastOutput implements ownedOutput: Do reuses op.out on every run, so a
// gradient taken straight through the log-softmax (a param fed into it) is
// handed out without a copy.
func (op *logSoftmaxOp) lastOutput() *tensor.Dense { return op.out }

func logSoftmaxRows[T float](x, out []T, cols int) {
	for r := 0; r+cols <= len(x); r += cols {
		xr, or := x[r:r+cols], out[r:r+cols]
		m := xr[0]
		for _, v := range xr[1:] {
			if v > m {
				m = v
			}
		}
		var s float64
		for _, v := range xr {
			s += math.Exp(float64(v - m))
		}
		ls := T(math.Log(s))
		for j, v := range xr {
			or[j] = v - m - ls
		}
	}
}

func logSoftmaxGrad[T float](out, dy, dx []T, cols int) {
	for r := 0; r+cols <= len(out); r += cols {
		o, g, d := out[r:r+cols], dy[r:r+cols], dx[r:r+cols]
		var s T
		for _, v := range g {
			s += v
		}
		for j, v := range o {
			d[j] = g[j] - T(math.Exp(float64(v)))*s
		}
	}
}

func (op *logSoftmaxOp) DiffWRT(inputs int) []bool { return []bool{!op.grad} }

func (op *logSoftmaxOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if op.grad {
		return nil, errors.New("log-softmax: no second derivative")
	}
	dx, err := G.ApplyOp(&logSoftmaxOp{grad: true, dt: op.dt, rows: op.rows, cols: op.cols}, output, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx}, nil
}
