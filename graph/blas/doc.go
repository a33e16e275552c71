// Package blas picks the BLAS (matrix-multiply library) that Gorgonia and
// gorgonia.org/tensor use for gradgraph's graphs.
//
//	name, err := blas.Use()
//	if err != nil {
//		log.Print(err) // still usable: gonum was installed instead
//	}
//	log.Printf("BLAS: %s", name) // e.g. "openblas (SkylakeX, 2 threads)"
//
// Use calls gorgonia.Use, which also calls tensor.Use; tensor's MatMul,
// MatVecMul, Inner and Outer (what Gorgonia's Mul of float32/float64
// matrices and vectors runs, forward and backward) call the installed
// implementation. Call Use once, before building machines. Name reports the
// backend in use.
//
// # Backends
//
// Default build (no tags, cgo not required): gonum's pure-Go BLAS with its
// Sgemm replaced by gradgraph's packed GEMM (internal/gemm, AVX-512 or
// AVX2+FMA micro-kernels in Go assembly), reported as "pure Go (gradgraph
// sgemm, gonum)": near the core's FMA peak on AVX-512 and AVX2, many times
// gonum's own Sgemm (internal/gemm's BenchmarkSgemm; BENCHMARKS.md,
// "Sgemm"). It is installed when the package is loaded (package
// graph imports it), so every graph uses it unless Use installs OpenBLAS.
//
// Build tag openblas (needs cgo and a C compiler):
//
//	go build -tags openblas ./...
//	go test  -tags openblas ./graph/blas/
//
// installs gonum's implementation with Sgemm, Dgemm, Sgemv, Dgemv and
// (for vectors of 4096 elements or more) Saxpy, Daxpy, Sdot, Ddot replaced by
// OpenBLAS's CBLAS routines, called row-major like gonum's interface. Every
// other BLAS routine, and any call gonum would reject or that is empty,
// stays with gonum, so panics and edge cases are gonum's. OpenBLAS is not
// linked at build time: the binary builds and runs without it, and Use
// loads it with dlopen (libopenblas.so.0, then the usual Debian/Ubuntu,
// RPM, /usr/local and Homebrew paths; GRADGRAPH_OPENBLAS=/path/to/lib
// overrides the search). If it is not found, Use installs gonum and returns
// an error that says how to install it:
//
//	apt-get install libopenblas-dev     # Debian/Ubuntu (libopenblas0 is enough at run time)
//	dnf install openblas                # Fedora/RHEL
//	brew install openblas               # macOS
//
// If the openblas tag is given with CGO_ENABLED=0, Use installs gonum and
// returns an error saying so.
//
// # Why the core type is set before loading
//
// OpenBLAS chooses its kernels once, in the library's constructor, when it
// is loaded. Distribution builds (Debian's 0.3.21 among them) do not
// recognise some newer CPUs and fall back to old SSE3 "Prescott" kernels,
// several times slower (BenchmarkSgemm here, -tags openblas; BENCHMARKS.md,
// "BLAS backends"). OPENBLAS_CORETYPE overrides the choice, but only if it is in
// the C environment when the library loads: setting it from Go's main is
// too late for a linked library. So this package reads CPUID
// (__builtin_cpu_supports, which also checks that the OS enables the
// registers), and, unless the user already set OPENBLAS_CORETYPE, sets it
// with setenv to SkylakeX (AVX-512 F+BW+VL) or Haswell (AVX2+FMA), leaves
// it unset otherwise, then dlopens the library and unsets the variable
// again so child processes see the environment the user left. The name
// returned by Use shows the core OpenBLAS actually runs
// (openblas_get_corename); OPENBLAS_VERBOSE=2 prints it too. To force a
// core, set OPENBLAS_CORETYPE yourself: it is respected.
//
// # Threads
//
// OpenBLAS uses one thread unless GRADGRAPH_BLAS_THREADS is a positive
// integer (capped at NumCPU). Measured alone on a 2-core machine, two
// threads made the gemms of an MNIST-recipe step faster
// (BenchmarkMNISTStep); but a whole gradgraph training epoch, whose own
// kernels and optimiser run on Go goroutines beside BLAS, was slower with
// two threads than with one (cmd/mnistbench; BENCHMARKS.md, "BLAS
// backends"), because OpenBLAS's idle workers spin on the cores those
// goroutines need.
//
// See bench_test.go for the benchmarks (BenchmarkSgemm, BenchmarkMNISTStep,
// BenchmarkGorgoniaMLPStep); they report GFLOP/s or ms/step per backend and
// thread count.
package blas
