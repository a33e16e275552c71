package graph

import (
	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
)

// The backward pass of convOp (see its SymDiff): one op per gradient.

type convGradKind int

const (
	convGradReLU   convGradKind = iota // (y, dy) → dz = dy where y > 0, else 0
	convGradKernel                     // (x, dz) → colsᵀ·dz
	convGradBias                       // (dz) → Σrows dz; only for an op with a bias
	convGradInput                      // (dz, K) → col2im(dz·Kᵀ)
)

var convGradNames = [...]string{"conv relu'", "colsᵀ·dz", "Σrows dz", "col2im(dz·Kᵀ)"}

// convGradOp is one piece of convOp's backward pass. Its output and
// scratch are owned and reused like the forward's.
type convGradOp struct {
	opmeta.Owned
	kind convGradKind
	fwd  *convOp
	out  *tensor.Dense
	cols any // []T: per-goroutine im2col rows (kernel gradient) or dz·Kᵀ rows (input gradient), or the bias gradient's partial sums
	part any // []T: the kernel gradient's partial products, one per task
}

func (op *convGradOp) Arity() int {
	if op.kind == convGradBias {
		return 1
	}
	return 2
}

// shapes returns the shapes of the inputs and of the output.
func (op *convGradOp) shapes() ([]tensor.Shape, tensor.Shape) {
	f := op.fwd
	switch op.kind {
	case convGradReLU:
		return []tensor.Shape{f.outShape(), f.outShape()}, f.outShape()
	case convGradKernel:
		return []tensor.Shape{f.inShape(), f.outShape()}, f.kernelShape()
	case convGradBias:
		return []tensor.Shape{f.outShape()}, tensor.Shape{1, f.filters}
	default:
		return []tensor.Shape{f.outShape(), f.kernelShape()}, f.inShape()
	}
}

func (op *convGradOp) Type() hm.Type {
	in, out := op.shapes()
	ts := make([]hm.Type, 0, len(in)+1)
	for _, s := range append(in, out) {
		ts = append(ts, G.TensorType{Dims: s.Dims(), Of: op.fwd.dt})
	}
	return hm.NewFnType(ts...)
}
func (op *convGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	_, out := op.shapes()
	return out, nil
}
func (op *convGradOp) String() string { return convGradNames[op.kind] }

func (op *convGradOp) Do(vals ...G.Value) (G.Value, error) {
	in, out := op.shapes()
	a, err := denseInputs(op, vals, in...)
	if err != nil {
		return nil, err
	}
	op.out = ownedTensor(op.out, op.fwd.dt, out...)
	switch o := op.out.Data().(type) {
	case []float32:
		convGrad(op, o, a[0].Data().([]float32), second[float32](a))
	case []float64:
		convGrad(op, o, a[0].Data().([]float64), second[float64](a))
	default:
		return nil, errors.Errorf("%v: unsupported dtype %v", op, op.fwd.dt)
	}
	return op.out, nil
}

func second[T float32 | float64](a []*tensor.Dense) []T {
	if len(a) < 2 {
		return nil
	}
	return a[1].Data().([]T)
}

func convGrad[T float32 | float64](op *convGradOp, out, a, b []T) {
	f := op.fwd
	g, nf, n := f.g, f.filters, f.g.PatchLen()
	switch op.kind {
	case convGradReLU: // a = y, b = dy
		s, per := f.taskSamples(), g.oh*g.ow*nf
		kernels.ParallelTasks((f.batch+s-1)/s, func(t int) {
			lo, hi := t*s*per, min((t+1)*s, f.batch)*per
			kernels.ReLUGrad(a[lo:hi], b[lo:hi], out[lo:hi])
		})
	case convGradKernel: // a = x, b = dz
		// colsᵀ·dz sums over every row (output position) of the batch: each
		// task takes its group of samples' rows of the im2col matrix
		// (computed again, into its goroutine's scratch) into a partial
		// product of its own, and the partials are added in task order.
		// One product over all rows split by columns (GemmRows) had each
		// core pack the whole 8.9 MB matrix of the second MNIST layer, and
		// the first layer's 32 filters were not split at all
		// (BenchmarkTrainStepConvnet; BENCHMARKS.md, "Convolution and
		// pooling").
		sz := n * nf
		s, per, tasks := f.tasks()
		workers := kernels.TaskWorkers(tasks)
		cols := patchScratch[T](f, &op.cols, workers)
		part, _ := op.part.([]T)
		part = kernels.Grow(part, tasks*sz)
		op.part = part
		kernels.ParallelTasksOn(tasks, workers, func(t, w int) {
			b0, b1 := t*s, min((t+1)*s, f.batch)
			r0, r1 := b0*per, b1*per
			c := taskPatches(f, a, cols, w, s, b0, b1)
			kernels.Gemm(true, false, n, nf, r1-r0, c, n, b[r0*nf:], nf, false, part[t*sz:(t+1)*sz], nf)
		})
		sumParts(out, part, tasks)
	case convGradBias: // a = dz
		// Per task, the column sums of its rows (one pass over dz shared by
		// the cores); then the tasks' sums in task order. The tasks depend
		// on the shapes only, so the sum's order does too.
		s, per, tasks := f.tasks()
		part, _ := op.cols.([]T)
		part = kernels.Grow(part, tasks*nf)
		op.cols = part
		kernels.ParallelTasks(tasks, func(t int) {
			p := part[t*nf : (t+1)*nf]
			clear(p)
			for i := t * s * per; i < min((t+1)*s, f.batch)*per; i++ {
				kernels.AddTo(p, a[i*nf:(i+1)*nf])
			}
		})
		clear(out)
		for t := 0; t < tasks; t++ {
			kernels.AddTo(out, part[t*nf:(t+1)*nf])
		}
	case convGradInput: // a = dz, b = K
		// By groups of samples, as convForward: each task's rows of dz·Kᵀ
		// go into its goroutine's scratch and are added back onto its
		// samples' images (col2im) while in cache.
		s, per, tasks := f.tasks()
		workers := kernels.TaskWorkers(tasks)
		dcols := patchScratch[T](f, &op.cols, workers)
		kernels.ParallelTasksOn(tasks, workers, func(t, w int) {
			b0, b1 := t*s, min((t+1)*s, f.batch)
			r0, r1 := b0*per, b1*per
			if f.direct() {
				kernels.Gemm(false, true, r1-r0, n, nf, a[r0*nf:], nf, b, nf, false, out[r0*n:], n)
				return
			}
			d := dcols[w*s*per*n:]
			kernels.Gemm(false, true, r1-r0, n, nf, a[r0*nf:], nf, b, nf, false, d, n)
			col2imSamples(g, b0, b1, d, out)
		})
	}
}

// sumParts sets out to the sum of the tasks partials part[t·len(out):],
// added in task order for every element (so the result depends on the
// shapes only), the elements shared out among the cores.
func sumParts[T float32 | float64](out, part []T, tasks int) {
	sz := len(out)
	const chunks = 8
	step := (sz + chunks - 1) / chunks
	kernels.ParallelTasks(chunks, func(c int) {
		lo, hi := min(c*step, sz), min((c+1)*step, sz)
		o := out[lo:hi]
		copy(o, part[lo:hi])
		for t := 1; t < tasks; t++ {
			kernels.AddTo(o, part[t*sz+lo:t*sz+hi])
		}
	})
}

// DiffWRT implements gorgonia.SDOp: the backward pass is not differentiated
// again.
func (op *convGradOp) DiffWRT(n int) []bool { return make([]bool, n) }

// SymDiff implements gorgonia.SDOp.
func (op *convGradOp) SymDiff(G.Nodes, *G.Node, *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%v: no second derivative", op)
}
