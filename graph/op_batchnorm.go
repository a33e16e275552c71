package graph

import (
	"github.com/gradgraph/gradgraph/internal/kernels"
	"github.com/gradgraph/gradgraph/internal/opmeta"
	"math"

	"github.com/chewxy/hm"
	"github.com/pkg/errors"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The fused batch normalisation: per channel j (the last axis of x, every
// leading axis being rows, Keras's axis=-1),
//
//	y = γ_j·(x − μ_j)/√(σ²_j + ε) + β_j
//
// with μ, σ² the batch's mean and biased variance in training and the
// moving statistics at inference. Composed from Gorgonia's primitives
// (BatchNormTwin, below) it is a dozen nodes forward and twice that
// backward, each allocating a fresh tensor every run; here it is three
// nodes forward and three backward (fewer at inference), whose tensors
// are allocated on the first run and reused by every later one. Sums are
// taken in float64 whatever the element type.

// BatchNormTrain adds training-mode batch normalisation of x over its
// batch statistics, with ε added to the variance inside the root. It
// returns the output (x's shape) and the batch mean and biased variance,
// (1, channels) nodes of their own, so that a caller can observe them
// (Builder.Observe) to fold them into moving averages.
//
// The mean and variance nodes are not differentiable: the output's
// gradient with respect to x already includes their dependence on x
// (dx = γ/σ·(dy − mean(dy) − x̂·mean(dy·x̂)), x̂ the normalised input), and
// gamma and beta get Σ dy·x̂ and Σ dy over the rows. So a loss must not
// be built on mean or variance themselves (their gradient would be
// dropped): they are there to be read. needDx false leaves the input
// gradient out (x is data).
func BatchNormTrain(x, gamma, beta *G.Node, eps float64, needDx bool) (y, mean, variance *G.Node, err error) {
	s, err := bnShapes("batchnorm", x, gamma, beta, eps)
	if err != nil {
		return nil, nil, nil, err
	}
	if mean, err = G.ApplyOp(&bnStatsOp{bnShape: s}, x); err != nil {
		return nil, nil, nil, errors.Wrap(err, "batchnorm: mean")
	}
	if variance, err = G.ApplyOp(&bnStatsOp{bnShape: s, variance: true}, x, mean); err != nil {
		return nil, nil, nil, errors.Wrap(err, "batchnorm: variance")
	}
	op := &bnOp{bnShape: s, training: true, needDx: needDx}
	if y, err = G.ApplyOp(op, x, mean, variance, gamma, beta); err != nil {
		return nil, nil, nil, errors.Wrap(err, "batchnorm")
	}
	return y, mean, variance, nil
}

// BatchNormInfer adds inference-mode batch normalisation of x with the
// given (1, channels) mean and variance (the moving statistics), which are
// taken as constants: not differentiated, the input gradient being
// γ/√(σ² + ε)·dy. needDx false leaves the input gradient out (x is data).
func BatchNormInfer(x, gamma, beta, mean, variance *G.Node, eps float64, needDx bool) (*G.Node, error) {
	if err := needNodes("batchnorm", "x gamma beta mean variance", x, gamma, beta, mean, variance); err != nil {
		return nil, err
	}
	s, err := bnShapes("batchnorm", x, gamma, beta, eps)
	if err != nil {
		return nil, err
	}
	row := tensor.Shape{1, s.channels}
	if !mean.Shape().Eq(row) || !variance.Shape().Eq(row) {
		return nil, errors.Errorf("batchnorm: want a (1, %d) mean and variance, got %v and %v", s.channels, mean.Shape(), variance.Shape())
	}
	if _, err := dtypeOf(x, mean, variance); err != nil {
		return nil, errors.Wrap(err, "batchnorm")
	}
	y, err := G.ApplyOp(&bnOp{bnShape: s, needDx: needDx}, x, mean, variance, gamma, beta)
	return y, errors.Wrap(err, "batchnorm")
}

// bnShape is what every batch-norm op knows: x's shape and element type,
// its channels (last axis) and rows (the product of the others), and ε.
type bnShape struct {
	dt             tensor.Dtype
	shape          tensor.Shape
	rows, channels int
	eps            float64
}

func bnShapes(what string, x, gamma, beta *G.Node, eps float64) (bnShape, error) {
	var s bnShape
	if err := needNodes(what, "x gamma beta", x, gamma, beta); err != nil {
		return s, err
	}
	if x.Dims() < 2 {
		return s, errors.Errorf("%s: want a batch of at least 2 axes, got shape %v", what, x.Shape())
	}
	if !(eps > 0) {
		return s, errors.Errorf("%s: epsilon must be positive, got %v", what, eps)
	}
	dt, err := dtypeOf(x, gamma, beta)
	if err != nil {
		return s, errors.Wrap(err, what)
	}
	shape := x.Shape().Clone()
	c := shape[len(shape)-1]
	row := tensor.Shape{1, c}
	if !gamma.Shape().Eq(row) || !beta.Shape().Eq(row) {
		return s, errors.Errorf("%s: want (1, %d) gamma and beta for input %v, got %v and %v", what, c, shape, gamma.Shape(), beta.Shape())
	}
	if c <= 0 || shape.TotalSize() <= 0 {
		return s, errors.Errorf("%s: empty input shape %v", what, shape)
	}
	return bnShape{dt: dt, shape: shape, rows: shape.TotalSize() / c, channels: c, eps: eps}, nil
}

func (s bnShape) xType() hm.Type { return G.TensorType{Dims: s.shape.Dims(), Of: s.dt} }

// inverseStd fills inv[j] with 1/√(σ²_j + ε), ε rounded to the element
// type first as the twin's constant is.
func inverseStd[T float](variance []T, eps float64, inv []float64) {
	e := float64(T(eps))
	for j, v := range variance {
		inv[j] = 1 / math.Sqrt(float64(v)+e)
	}
}

// bnStatsOp is the batch mean ((x) → μ) or the biased batch variance
// ((x, μ) → mean of (x − μ)²), per channel.
type bnStatsOp struct {
	opmeta.Owned
	bnShape
	variance bool
	out      *tensor.Dense
	acc      []float64
	pass     any // *bnPass[T] (passOf)
}

func (op *bnStatsOp) Arity() int {
	if op.variance {
		return 2
	}
	return 1
}
func (op *bnStatsOp) Type() hm.Type {
	if op.variance {
		return hm.NewFnType(op.xType(), matType(op.dt), matType(op.dt))
	}
	return hm.NewFnType(op.xType(), matType(op.dt))
}
func (op *bnStatsOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{1, op.channels}, nil
}
func (op *bnStatsOp) String() string {
	if op.variance {
		return "batch σ²"
	}
	return "batch μ"
}

func (op *bnStatsOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := bnArgs(op.String(), op.Arity(), op.shape, vals)
	if err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, 1, op.channels)
	if len(op.acc) != op.channels {
		op.acc = make([]float64, op.channels)
	}
	switch op.dt {
	case tensor.Float32:
		d := dataOf(a, (*tensor.Dense).Float32s)
		bnStats(passOf[bnPass[float32]](&op.pass), op.variance, d[0], d[1], op.out.Float32s(), op.acc)
	case tensor.Float64:
		d := dataOf(a, (*tensor.Dense).Float64s)
		bnStats(passOf[bnPass[float64]](&op.pass), op.variance, d[0], d[1], op.out.Float64s(), op.acc)
	}
	return op.out, nil
}

// bnStats writes each channel's mean of x (mu nil) or mean of (x − mu)²
// into out, summing rows in float64 in acc. The channels are shared out
// among the cores (bnChannels); each channel's sum runs over the rows in
// order, so the split changes no bit.
func bnStats[T float](p *bnPass[T], variance bool, x, mu, out []T, acc []float64) {
	c := len(out)
	p.x, p.mu, p.s1, p.c, p.variance = x, mu, acc, c, variance
	bnChannels(c, len(x)/c, p.stats)
	n := float64(len(x) / c)
	for j := range out {
		out[j] = T(acc[j] / n)
	}
}

// bnChannels runs fn over the channels [0, c) of a (rows, c) tensor in
// ranges shared out among the cores (kernels.ParallelRows, work c·rows),
// for the per-channel sums: each range reads its columns of every row, and
// each channel's sum keeps its order.
func bnChannels(c, rows int, fn func(lo, hi int)) { kernels.ParallelRows(c, rows, fn) }

// bnRows runs fn over the rows [0, rows) of a (rows, c) tensor in ranges
// shared out among the cores, for the element-wise passes.
func bnRows(rows, c int, fn func(lo, hi int)) { kernels.ParallelRows(rows, c, fn) }

// bnPass holds one run's slices for the batch-norm loops the cores share,
// their functions bound once (passOf).
type bnPass[T float] struct {
	x, mu, dy, gamma, beta, out []T
	inv, s1, s2                 []float64 // 1/σ; the sums (Σ x or Σ (x − μ)², Σ dy; Σ dy·x̂)
	c                           int
	variance                    bool
	stats, forward, infer       func(lo, hi int)
	dx, sums, sumDy             func(lo, hi int)
}

func (p *bnPass[T]) bind() {
	p.stats, p.forward, p.infer = p.statsOf, p.forwardOf, p.inferOf
	p.dx, p.sums, p.sumDy = p.dxOf, p.sumsOf, p.sumDyOf
}

// statsOf sums channels [lo, hi) of x (or of (x − μ)²) into s1.
func (p *bnPass[T]) statsOf(lo, hi int) {
	c, x, acc := p.c, p.x, p.s1[lo:hi]
	clear(acc)
	for r := 0; r+c <= len(x); r += c {
		xr := x[r+lo : r+hi]
		acc := acc[:len(xr)]
		if !p.variance {
			for j, v := range xr {
				acc[j] += float64(v)
			}
			continue
		}
		mu := p.mu[lo:hi]
		mu = mu[:len(xr)]
		for j, v := range xr {
			d := float64(v) - float64(mu[j])
			acc[j] += float64(d * d)
		}
	}
}

// forwardOf normalises rows [lo, hi) of x into out: γ·(x − μ)/σ + β.
func (p *bnPass[T]) forwardOf(lo, hi int) {
	c, x, out := p.c, p.x, p.out
	for r := lo * c; r < hi*c; r += c {
		xr, yr := x[r:r+c], out[r:r+c]
		yr, mu, inv, gamma, beta := yr[:len(xr)], p.mu[:len(xr)], p.inv[:len(xr)], p.gamma[:len(xr)], p.beta[:len(xr)]
		for j, v := range xr {
			yr[j] = T(float64((float64(v)-float64(mu[j]))*inv[j]*float64(gamma[j])) + float64(beta[j]))
		}
	}
}

// inferOf is dx = dy·γ/σ over rows [lo, hi), the statistics constants.
func (p *bnPass[T]) inferOf(lo, hi int) {
	c, dy, out := p.c, p.dy, p.out
	for r := lo * c; r < hi*c; r += c {
		gr, dr := dy[r:r+c], out[r:r+c]
		dr, gamma, inv := dr[:len(gr)], p.gamma[:len(gr)], p.inv[:len(gr)]
		for j, g := range gr {
			dr[j] = T(float64(g) * float64(gamma[j]) * inv[j])
		}
	}
}

// dxOf is dx = γ/σ·(dy − Σdy/n − x̂·Σ(dy·x̂)/n) over rows [lo, hi), s1 and
// s2 holding the two means.
func (p *bnPass[T]) dxOf(lo, hi int) {
	c, x, dy, out := p.c, p.x, p.dy, p.out
	for r := lo * c; r < hi*c; r += c {
		xr, gr, dr := x[r:r+c], dy[r:r+c], out[r:r+c]
		n := len(xr)
		gr, dr, mu, inv, gamma, sdy, sdyx := gr[:n], dr[:n], p.mu[:n], p.inv[:n], p.gamma[:n], p.s1[:n], p.s2[:n]
		for j, v := range xr {
			xhat := (float64(v) - float64(mu[j])) * inv[j]
			dr[j] = T(float64(gamma[j]) * inv[j] * (float64(gr[j]) - sdy[j] - float64(xhat*sdyx[j])))
		}
	}
}

// sumsOf writes Σ dy and Σ dy·x̂ of channels [lo, hi) into s1 and s2.
func (p *bnPass[T]) sumsOf(lo, hi int) {
	c, x, dy := p.c, p.x, p.dy
	mu, inv, sdy, sdyx := p.mu[lo:hi], p.inv[lo:hi], p.s1[lo:hi], p.s2[lo:hi]
	clear(sdy)
	clear(sdyx)
	for r := 0; r+c <= len(x); r += c {
		xr, gr := x[r+lo:r+hi], dy[r+lo:r+hi]
		n := len(xr)
		gr, mu, inv, sdy, sdyx := gr[:n], mu[:n], inv[:n], sdy[:n], sdyx[:n]
		for j, v := range xr {
			g := float64(gr[j])
			sdy[j] += g
			sdyx[j] += float64(g * (float64(v) - float64(mu[j])) * inv[j])
		}
	}
}

// sumDyOf writes Σ dy of channels [lo, hi) into s1.
func (p *bnPass[T]) sumDyOf(lo, hi int) {
	c, dy, sdy := p.c, p.dy, p.s1[lo:hi]
	clear(sdy)
	for r := 0; r+c <= len(dy); r += c {
		gr := dy[r+lo : r+hi]
		sdy := sdy[:len(gr)]
		for j, g := range gr {
			sdy[j] += float64(g)
		}
	}
}

// lastOutput implements ownedOutput: out is reused by every run.
func (op *bnStatsOp) lastOutput() *tensor.Dense { return op.out }

// DiffWRT: the statistics carry no gradient of their own; the normalising
// op's input gradient accounts for them (see BatchNormTrain).
func (op *bnStatsOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

func (op *bnStatsOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%v: not differentiable on its own", op)
}

// bnOp normalises: (x, μ, σ², γ, β) → γ·(x − μ)/√(σ² + ε) + β. training
// says whether μ and σ² are x's batch statistics (their dependence on x
// enters the input gradient) or constants.
type bnOp struct {
	opmeta.Owned
	bnShape
	training, needDx bool
	out              *tensor.Dense
	inv              []float64
	pass             any // *bnPass[T] (passOf)
}

func (op *bnOp) Arity() int { return 5 }
func (op *bnOp) Type() hm.Type {
	r := matType(op.dt)
	return hm.NewFnType(op.xType(), r, r, r, r, op.xType())
}
func (op *bnOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }
func (op *bnOp) String() string                                 { return "batchnorm" }

func (op *bnOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := bnArgs(op.String(), 5, op.shape, vals)
	if err != nil {
		return nil, err
	}
	op.out = reuse(op.out, op.dt, op.shape...)
	if len(op.inv) != op.channels {
		op.inv = make([]float64, op.channels)
	}
	switch op.dt {
	case tensor.Float32:
		bnForward(op, dataOf(a, (*tensor.Dense).Float32s), op.out.Float32s())
	case tensor.Float64:
		bnForward(op, dataOf(a, (*tensor.Dense).Float64s), op.out.Float64s())
	}
	return op.out, nil
}

func bnForward[T float](op *bnOp, a [5][]T, out []T) {
	x, mu, variance, gamma, beta := a[0], a[1], a[2], a[3], a[4]
	inverseStd(variance, op.eps, op.inv)
	p := passOf[bnPass[T]](&op.pass)
	p.x, p.mu, p.gamma, p.beta, p.inv, p.out, p.c = x, mu, gamma, beta, op.inv, out, op.channels
	bnRows(len(x)/op.channels, op.channels, p.forward)
}

// lastOutput implements ownedOutput: out is reused by every run.
func (op *bnOp) lastOutput() *tensor.Dense { return op.out }

func (op *bnOp) DiffWRT(inputs int) []bool { return []bool{op.needDx, false, false, true, true} }

func (op *bnOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 5 {
		return nil, errors.Errorf("%v: %d inputs", op, len(inputs))
	}
	x, mu, variance, gamma := inputs[0], inputs[1], inputs[2], inputs[3]
	var dx *G.Node
	var err error
	if op.needDx {
		if dx, err = G.ApplyOp(&bnGradOp{bnShape: op.bnShape, kind: bnGradX, training: op.training}, x, mu, variance, gamma, grad); err != nil {
			return nil, errors.Wrap(err, "batchnorm gradient")
		}
	}
	dgamma, err := G.ApplyOp(&bnGradOp{bnShape: op.bnShape, kind: bnGradGamma}, x, mu, variance, grad)
	if err != nil {
		return nil, errors.Wrap(err, "batchnorm gradient")
	}
	dbeta, err := G.ApplyOp(&bnGradOp{bnShape: op.bnShape, kind: bnGradBeta}, grad)
	if err != nil {
		return nil, errors.Wrap(err, "batchnorm gradient")
	}
	return G.Nodes{dx, nil, nil, dgamma, dbeta}, nil
}

type bnGradKind int

const (
	bnGradX     bnGradKind = iota // (x, μ, σ², γ, dy) → dx
	bnGradGamma                   // (x, μ, σ², dy) → Σ rows dy·x̂
	bnGradBeta                    // (dy) → Σ rows dy
)

var bnGradNames = [...]string{"batchnorm dx", "batchnorm dγ", "batchnorm dβ"}

// bnGradOp is one piece of the batch norm's backward pass. Each recomputes
// what it needs from x and the statistics (x̂, the per-channel sums)
// rather than reading another op's buffers: a pass over the batch costs
// less than another node, and each gradient stays a tensor nothing else
// writes (ownedOutput).
type bnGradOp struct {
	opmeta.Owned
	bnShape
	kind     bnGradKind
	training bool // bnGradX: the statistics are x's own
	out      *tensor.Dense
	inv      []float64 // 1/√(σ² + ε) per channel
	sdy      []float64 // Σ dy per channel
	sdyx     []float64 // Σ dy·x̂ per channel
	pass     any       // *bnPass[T] (passOf)
}

func (op *bnGradOp) Arity() int {
	switch op.kind {
	case bnGradX:
		return 5
	case bnGradGamma:
		return 4
	}
	return 1
}
func (op *bnGradOp) Type() hm.Type {
	r := matType(op.dt)
	switch op.kind {
	case bnGradX:
		return hm.NewFnType(op.xType(), r, r, r, op.xType(), op.xType())
	case bnGradGamma:
		return hm.NewFnType(op.xType(), r, r, op.xType(), r)
	}
	return hm.NewFnType(op.xType(), r)
}
func (op *bnGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.kind == bnGradX {
		return op.shape.Clone(), nil
	}
	return tensor.Shape{1, op.channels}, nil
}
func (op *bnGradOp) String() string { return bnGradNames[op.kind] }

func (op *bnGradOp) Do(vals ...G.Value) (G.Value, error) {
	a, err := bnArgs(op.String(), op.Arity(), op.shape, vals)
	if err != nil {
		return nil, err
	}
	if op.kind == bnGradX {
		op.out = reuse(op.out, op.dt, op.shape...)
	} else {
		op.out = reuse(op.out, op.dt, 1, op.channels)
	}
	if len(op.inv) != op.channels {
		op.inv = make([]float64, op.channels)
		op.sdy = make([]float64, op.channels)
		op.sdyx = make([]float64, op.channels)
	}
	switch op.dt {
	case tensor.Float32:
		bnBackward(op, dataOf(a, (*tensor.Dense).Float32s), op.out.Float32s())
	case tensor.Float64:
		bnBackward(op, dataOf(a, (*tensor.Dense).Float64s), op.out.Float64s())
	}
	return op.out, nil
}

func bnBackward[T float](op *bnGradOp, a [5][]T, out []T) {
	c := op.channels
	p := passOf[bnPass[T]](&op.pass)
	p.c = c
	if op.kind == bnGradBeta {
		p.dy, p.s1 = a[0], op.sdy
		bnChannels(c, len(a[0])/c, p.sumDy)
		for j := range out {
			out[j] = T(op.sdy[j])
		}
		return
	}
	x, mu, variance := a[0], a[1], a[2]
	inverseStd(variance, op.eps, op.inv)
	p.x, p.mu, p.inv, p.s1, p.s2, p.out = x, mu, op.inv, op.sdy, op.sdyx, out
	if op.kind == bnGradGamma {
		p.dy = a[3]
		bnChannels(c, len(x)/c, p.sums)
		for j := range out {
			out[j] = T(op.sdyx[j])
		}
		return
	}
	p.gamma, p.dy = a[3], a[4]
	if !op.training {
		bnRows(len(x)/c, c, p.infer)
		return
	}
	// dx = γ/σ·(dy − Σdy/n − x̂·Σ(dy·x̂)/n): the second and third terms
	// are the gradient through the batch mean and variance.
	bnChannels(c, len(x)/c, p.sums)
	n := float64(op.rows)
	for j := range op.sdy {
		op.sdy[j] /= n
		op.sdyx[j] /= n
	}
	bnRows(len(x)/c, c, p.dx)
}

// lastOutput implements ownedOutput: out is reused by every run.
func (op *bnGradOp) lastOutput() *tensor.Dense { return op.out }

func (op *bnGradOp) DiffWRT(inputs int) []bool { return make([]bool, inputs) }

func (op *bnGradOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return nil, errors.Errorf("%v: no second derivative", op)
}

// bnArgs is denseArgs for the batch-norm ops, whose first input, x or dy,
// must also be of shape x.
func bnArgs(what string, n int, x tensor.Shape, vals []G.Value) ([5]*tensor.Dense, error) {
	a, err := denseArgs(what, n, vals)
	if err == nil && !a[0].Shape().Eq(x) {
		err = errors.Errorf("%s: input of shape %v, want %v", what, a[0].Shape(), x)
	}
	return a, err
}

// dataOf returns the backing slices of a's tensors (nil past the last),
// read with slice (Float32s or Float64s), in an array: no allocation per
// run, where Data boxes a new slice header every call.
func dataOf[T float](a [5]*tensor.Dense, slice func(*tensor.Dense) []T) (out [5][]T) {
	for i, d := range a {
		if d != nil {
			out[i] = slice(d)
		}
	}
	return out
}

// BatchNorm adds batch normalisation of x over its last axis (the
// channels; every leading axis is rows): the fused ops (BatchNormTrain,
// BatchNormInfer) or their twin (BatchNormTwin). In training (b.Training)
// it normalises with the batch's mean and biased variance and returns them
// too, (1, channels) nodes for the caller to observe (Builder.Observe);
// at inference it uses movingMean and movingVariance, taken as constants,
// and returns nil for them. The params are asked for in the same order by
// both, and the moving statistics only at inference, so that both graphs
// hold the same params (Builder.Params); a nil one is refused in either
// mode, by name (needBatchNorm).
func (b *Builder) BatchNorm(x *G.Node, gamma, beta, movingMean, movingVariance *Param, eps float64) (y, mean, variance *G.Node, err error) {
	if err := needBatchNorm("batchnorm", b, x, gamma, beta, movingMean, movingVariance); err != nil {
		return nil, nil, nil, err
	}
	type out struct{ y, mean, variance *G.Node }
	o, err := fusedOr(b,
		func() (out, error) {
			y, mean, variance, err := batchNormFused(b, x, gamma, beta, movingMean, movingVariance, eps)
			return out{y, mean, variance}, err
		},
		func() (out, error) {
			y, mean, variance, err := BatchNormTwin(b, x, gamma, beta, movingMean, movingVariance, eps)
			return out{y, mean, variance}, err
		})
	return o.y, o.mean, o.variance, err
}

// batchNormFused is BatchNorm as the fused ops, over x of any rank without
// reshaping it; the input gradient is left out when x is data or computed
// from data alone (FromData).
func batchNormFused(b *Builder, x *G.Node, gamma, beta, movingMean, movingVariance *Param, eps float64) (y, mean, variance *G.Node, err error) {
	needDx := !b.FromData(x)
	if !b.Training {
		ps, err := params(b, movingMean, movingVariance, gamma, beta)
		if err != nil {
			return nil, nil, nil, err
		}
		y, err = BatchNormInfer(x, ps[2], ps[3], ps[0], ps[1], eps, needDx)
		return y, nil, nil, err
	}
	ps, err := params(b, gamma, beta)
	if err != nil {
		return nil, nil, nil, err
	}
	return BatchNormTrain(x, ps[0], ps[1], eps, needDx)
}

// needBatchNorm checks BatchNorm's and BatchNormTwin's builder, input and
// params. The moving statistics are required in training too, where this
// graph does not use them: the layer's inference graph does, and a nil one
// is a mistake better named where it is made.
func needBatchNorm(what string, b *Builder, x *G.Node, gamma, beta, movingMean, movingVariance *Param) error {
	if err := needBuilder(what, b); err != nil {
		return err
	}
	if err := needNodes(what, "x", x); err != nil {
		return err
	}
	return needParams(what, "gamma, beta, moving mean, moving variance", gamma, beta, movingMean, movingVariance)
}

// params returns the nodes of ps, asked for in that order.
func params(b *Builder, ps ...*Param) ([]*G.Node, error) {
	ns := make([]*G.Node, len(ps))
	for i, p := range ps {
		n, err := b.Param(p)
		if err != nil {
			return nil, err
		}
		ns[i] = n
	}
	return ns, nil
}

// BatchNormTwin is BatchNorm from Gorgonia's primitives: per feature
// (column) j of x seen as a (rows, channels) matrix,
//
//	training:  μ = mean_i x_ij,  σ² = mean_i (x_ij − μ)²  (biased, as Keras)
//	inference: μ, σ² = the moving averages
//	x̂ = (x − μ)/√(σ² + ε),  y = γ·x̂ + β
//
// An N-d batch is reshaped (copied: Reshape) to (batch·positions,
// channels) for the per-channel statistics, and back.
func BatchNormTwin(b *Builder, x *G.Node, gamma, beta, movingMean, movingVariance *Param, eps float64) (y, mean, variance *G.Node, err error) {
	if err := needBatchNorm("batchnorm twin", b, x, gamma, beta, movingMean, movingVariance); err != nil {
		return nil, nil, nil, err
	}
	if x.Dims() == 2 {
		return batchNormRows(b, x, gamma, beta, movingMean, movingVariance, eps)
	}
	shape := x.Shape().Clone()
	c := shape[len(shape)-1]
	flat, err := Reshape(x, shape.TotalSize()/c, c)
	if err != nil {
		return nil, nil, nil, err
	}
	if y, mean, variance, err = batchNormRows(b, flat, gamma, beta, movingMean, movingVariance, eps); err != nil {
		return nil, nil, nil, err
	}
	y, err = Reshape(y, shape...)
	return y, mean, variance, err
}

// batchNormRows is BatchNormTwin over a (rows, channels) matrix: each
// (1, channels) row (a statistic, γ, β) broadcast over the rows.
func batchNormRows(b *Builder, x *G.Node, gamma, beta, movingMean, movingVariance *Param, eps float64) (y, mean, variance *G.Node, err error) {
	c := x.Shape()[1]
	row := func(n *G.Node) (*G.Node, error) { return G.Reshape(n, tensor.Shape{1, c}) }
	colMean := func(n *G.Node) (*G.Node, error) {
		m, err := G.Mean(n, 0)
		if err != nil {
			return nil, err
		}
		return row(m)
	}
	bcast := []byte{0}
	var mu, v, d, sq, xhat *G.Node
	if b.Training {
		if mu, err = colMean(x); err != nil {
			return nil, nil, nil, err
		}
		if d, err = G.BroadcastSub(x, mu, nil, bcast); err == nil {
			sq, err = G.Square(d)
		}
		if err == nil {
			v, err = colMean(sq)
		}
		if err != nil {
			return nil, nil, nil, err
		}
		mean, variance = mu, v
	} else {
		ps, err := params(b, movingMean, movingVariance)
		if err != nil {
			return nil, nil, nil, err
		}
		mu, v = ps[0], ps[1]
	}
	// x̂ = (x − μ)/√(σ² + ε), then γ·x̂ + β, γ and β asked for after x̂ is
	// built, as the fused path's order of params is the twin's.
	var den *G.Node
	if d, err = G.BroadcastSub(x, mu, nil, bcast); err == nil {
		den, err = G.Add(v, b.Const(eps))
	}
	if err == nil {
		den, err = G.Sqrt(den)
	}
	if err == nil {
		xhat, err = G.BroadcastHadamardDiv(d, den, nil, bcast)
	}
	if err != nil {
		return nil, nil, nil, err
	}
	g, err := b.Param(gamma)
	if err != nil {
		return nil, nil, nil, err
	}
	if y, err = G.BroadcastHadamardProd(xhat, g, nil, bcast); err != nil {
		return nil, nil, nil, err
	}
	bt, err := b.Param(beta)
	if err != nil {
		return nil, nil, nil, err
	}
	y, err = G.BroadcastAdd(y, bt, nil, bcast)
	return y, mean, variance, err
}
