//go:build !openblas || !cgo

package blas

import (
	"testing"

	"gonum.org/v1/gonum/blas/gonum"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func gemmCalls() uint64 { return 0 }

func checkGemmCalls(t *testing.T, calls uint64, min int) {}

func benchBackends() []benchBackend {
	return []benchBackend{{"gonum", gonum.Implementation{}, nil}}
}

func TestDefaultIsGonum(t *testing.T) {
	if got := Name(); got != GonumName {
		t.Fatalf("Name() before Use = %q", got)
	}
	name, _ := Use()
	if name != GonumName {
		t.Fatalf("Use() = %q, want %q", name, GonumName)
	}
	if _, ok := gorgonia.WhichBLAS().(gonum.Implementation); !ok {
		t.Fatalf("gorgonia BLAS is %T", gorgonia.WhichBLAS())
	}
	if _, ok := tensor.WhichBLAS().(gonum.Implementation); !ok {
		t.Fatalf("tensor BLAS is %T", tensor.WhichBLAS())
	}
}

func defaultThreadsForBench() int { return 1 }
