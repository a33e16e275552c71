package graph

// passOf returns the pass of type P kept in *slot, making it and binding
// its loops' functions (bind) on the first call. An op whose loops the
// cores share (kernels.ParallelRows, ParallelElems) keeps, in a field of
// type any, a pass: one run's slices, and each loop's function bound to it
// once, since the pool keeps the function it is handed and a closure made
// per run would be allocated per run (bnPass in op_batchnorm.go, reluPass
// in op_relu.go).
func passOf[P any, PP interface {
	*P
	bind()
}](slot *any) PP {
	if p, ok := (*slot).(PP); ok {
		return p
	}
	p := PP(new(P))
	p.bind()
	*slot = p
	return p
}
