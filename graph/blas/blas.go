package blas

import (
	"sync"

	gblas "gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
)

// GonumName is the name reported for the pure-Go BLAS: gradgraph's sgemm
// (internal/gemm) and gonum for the rest.
const GonumName = "pure Go (gradgraph sgemm, gonum)"

// ThreadsEnv names the environment variable that overrides the number of
// threads OpenBLAS uses (a positive integer). It has no effect on gonum.
const ThreadsEnv = "GRADGRAPH_BLAS_THREADS"

var (
	mu      sync.Mutex
	current = GonumName
)

// Name returns the human-readable name of the BLAS backend installed by the
// last call to Use, or GonumName if Use has not been called.
func Name() string {
	mu.Lock()
	defer mu.Unlock()
	return current
}

// install makes impl the BLAS of Gorgonia and of the tensor package.
// gorgonia.Use also calls tensor.Use, which is the one MatMul/MatVecMul/Outer
// and Inner of dense tensors actually call.
func install(impl gorgonia.BLAS, name string) {
	gorgonia.Use(impl)
	current = name
}

func installGonum() string {
	install(pureGo{}, GonumName)
	return GonumName
}

// Compile-time check that gonum satisfies the interface Gorgonia wants.
var _ gorgonia.BLAS = gonum.Implementation{}
var _ gorgonia.BLAS = pureGo{}
var _ gblas.Float32 = gonum.Implementation{}
