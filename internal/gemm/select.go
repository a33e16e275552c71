package gemm

import "github.com/pkg/errors"

// KernelNames lists the micro-kernels this CPU and build can run, widest
// first: "avx512", "avx2" (amd64 with those instruction sets, without the
// noasm tag) and always "go".
func KernelNames() []string {
	var names []string
	for _, k := range append(asmKernels(), goKernel) {
		names = append(names, k.name)
	}
	return names
}

// Kernel returns the name of the micro-kernel Sgemm uses.
func Kernel() string { return kernel.name }

// UseKernel makes Sgemm use the named micro-kernel (one of KernelNames)
// and returns a function that restores the previous one. It is for tests
// that compare kernels in one process, and is not safe while products run.
func UseKernel(name string) (restore func(), err error) {
	for _, k := range append(asmKernels(), goKernel) {
		if k.name == name {
			old := kernel
			kernel = k
			return func() { kernel = old }, nil
		}
	}
	return nil, errors.Errorf("gemm: no kernel %q on this CPU and build (have %v)", name, KernelNames())
}
