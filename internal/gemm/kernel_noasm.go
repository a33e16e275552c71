//go:build noasm || !amd64

package gemm

// bestKernel is the portable Go kernel where there is no assembly (other
// architectures, or the noasm build tag).
func bestKernel() *microKernel { return goKernel }

// asmKernels is empty: no assembly in this build.
func asmKernels() []*microKernel { return nil }

// asmPack is false: packing runs in Go.
const asmPack = false

// transpose8 is never called when asmPack is false.
func transpose8(dst *float32, ldd int, src *float32, lds int, blocks int) {}

// copyRunsAsm is never called when asmPack is false.
func copyRunsAsm(dst, src *float32, ld, w, steps int) {}

// interleave6 is never called when asmPack is false.
func interleave6(dst, src *float32, lds int, blocks int) {}
