// Package kernels holds gradgraph's arithmetic: the loops behind the fused
// ops of package graph, the optimisers of package train and the pixel
// scaling of package data. Nothing here knows about graphs, nodes or data
// sets; every routine works on row-major slices.
//
// # What is here
//
//   - parallel.go: ParallelRows and ParallelElems share a loop out among
//     the cores in no more chunks than the work pays for (the floors of
//     thresholds.go), and as many of those as internal/split's timings
//     say pay; ParallelTasks hands many small tasks to whichever goroutine
//     is free. All of them run on internal/split's worker pool, the one
//     pool of the process (the sgemm's column blocks run there too).
//     Inside split.Inline (a trainer's step gate) they run on the caller.
//   - gemm.go: Gemm and GemmRows call a BLAS (gonum's interfaces; package
//     graph hands over Gorgonia's with UseBLAS, so that nothing here
//     imports Gorgonia: TestLeafPackagesDoNotImportGorgonia), the latter
//     one call per core on its share of the rows.
//   - csr.go, nonzeros.go: CSR lists the nonzeros of a matrix row by row.
//   - spmm.go: Spmm multiplies such a sparse matrix by a dense one, 64
//     columns at a time (a panel kernel in assembly for float32).
//   - skinny.go, dot.go: products with a narrow side (at most SkinnyMax),
//     which BLAS libraries handle badly.
//   - transpose.go, relu.go, add.go: transposition, ReLU and its
//     derivative, vector addition; biasrelu.go, maxinto.go: a
//     convolution's bias and ReLU, a max pooling's step.
//   - rmsprop.go: the float32 RMSprop step; scale.go: bytes to [0, 1].
//   - thresholds.go: the sizes and densities that choose among kernels,
//     each with the measurement that gives it.
//
// # Assembly and its references
//
// This follows the pattern of gonum's internal/asm. Every assembly routine
// (the files *_amd64.s, with their Go declarations in *_amd64.go, built
// with //go:build !noasm) has a pure-Go reference in the file named for
// the kernel, and the doc comment of each exported routine states the loop
// it computes. Building with the tag noasm (go test -tags noasm ./...), or
// for another architecture, selects the references (noasm.go). At run time
// the assembly is used only when golang.org/x/sys/cpu reports AVX2 and FMA
// (also checking that the OS saves the YMM registers); DisableAssembly
// switches it off, so that tests can cover the Go paths on any machine.
// Each routine has one copy (TestNoDuplicateAssembly): TransposeRows's 8×8
// blocks are internal/gemm's packing routine, gemm.Transpose8.
//
// # Bits
//
// Every kernel gives the same bits as its reference, so that a CPU without
// AVX2, another architecture or the noasm build trains to the same weights
// as an AVX2 or AVX-512 machine (train's TestSameBitsEveryKernel). Where
// the assembly multiplies and adds separately (RMSprop32, ScaleBytes,
// ReLUGrad, AddTo, Nonzeros, TransposeRows), the reference converts each
// product to its type (float32(a*b) + c), which the Go specification says
// rounds it, so that the compiler cannot fuse it into an FMA (it does on
// arm64 and with GOAMD64=v3; internal/fma's TestNoFusableExpressions
// checks the whole module). Where the assembly uses FMA instructions
// (Spmm's panels, dot4's lanes), the reference uses fma.F32 in the same
// order: dot4Go keeps the assembly's sixteen lanes and its final pairing.
// Which kernel runs a product (skinny, sparse, gemm) is decided from the
// shapes and the data, never from the instruction set.
package kernels
