//go:build openblas && cgo

package blas

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func gemmCalls() uint64 { return openblasGemmCalls.Load() }

// checkGemmCalls proves that Gorgonia's float32 matmuls reached OpenBLAS.
func checkGemmCalls(t *testing.T, calls uint64, min int) {
	t.Helper()
	if !loaded {
		t.Logf("OpenBLAS not loaded (%v): cannot check the call counter", loadErr)
		return
	}
	if calls < uint64(min) {
		t.Fatalf("only %d gemm calls reached OpenBLAS, want at least %d", calls, min)
	}
}

func benchBackends() []benchBackend {
	bs := []benchBackend{{"gonum", gonum.Implementation{}, nil}}
	if _, err := Use(); err != nil {
		return bs
	}
	for n := 1; n <= runtime.NumCPU(); n++ {
		n := n
		bs = append(bs, benchBackend{fmt.Sprintf("openblas-%dt", n), openblasImpl{}, func() { setThreads(n) }})
	}
	return bs
}

func TestOpenBLASInstalled(t *testing.T) {
	name, err := Use()
	if err != nil {
		if name != GonumName {
			t.Fatalf("on failure Use returned %q, want %q", name, GonumName)
		}
		if !strings.Contains(err.Error(), "apt-get install libopenblas-dev") {
			t.Fatalf("error does not say how to install OpenBLAS: %v", err)
		}
		if os.Getenv("GRADGRAPH_REQUIRE_OPENBLAS") != "" {
			t.Fatalf("GRADGRAPH_REQUIRE_OPENBLAS is set but: %v", err)
		}
		t.Skipf("OpenBLAS not available: %v", err)
	}
	t.Logf("backend: %s", name)
	if !strings.HasPrefix(name, "openblas (") || name != Name() {
		t.Fatalf("Use() = %q, Name() = %q", name, Name())
	}
	if _, ok := gorgonia.WhichBLAS().(openblasImpl); !ok {
		t.Fatalf("gorgonia BLAS is %T", gorgonia.WhichBLAS())
	}
	if _, ok := tensor.WhichBLAS().(openblasImpl); !ok {
		t.Fatalf("tensor BLAS is %T", tensor.WhichBLAS())
	}
	if os.Getenv(ThreadsEnv) == "" && !strings.Contains(name, fmt.Sprintf(" %d thread", defaultThreads())) {
		t.Errorf("name %q does not show the default thread count %d", name, defaultThreads())
	}
}

// On this project's AVX-512 machines OpenBLAS must run its SkylakeX kernels
// without the user setting anything.
func TestCoreTypeChosen(t *testing.T) {
	if _, err := Use(); err != nil {
		t.Skip(err)
	}
	want := pickedCoreType()
	t.Logf("CPU wants %q, OpenBLAS runs %q", want, coreName)
	if want == "" || os.Getenv("OPENBLAS_CORETYPE") != "" {
		t.Skipf("core %s (OPENBLAS_CORETYPE=%q)", coreName, os.Getenv("OPENBLAS_CORETYPE"))
	}
	if !strings.EqualFold(coreName, want) {
		t.Fatalf("OpenBLAS core %q, want %q", coreName, want)
	}
}

func TestThreadsOverride(t *testing.T) {
	t.Setenv(ThreadsEnv, "1")
	name, err := Use()
	if err != nil {
		t.Skip(err)
	}
	if !strings.HasSuffix(name, ", 1 thread)") {
		t.Fatalf("with %s=1 got %q", ThreadsEnv, name)
	}
	os.Unsetenv(ThreadsEnv)
	Use()
}

func defaultThreadsForBench() int { return threadsFromEnv(defaultThreads()) }
