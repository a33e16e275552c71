//go:build noasm || !amd64

package kernels

import "testing"

// TestNoasmSelectsReferences checks that a build with the noasm tag (or for
// another architecture) runs no assembly: every kernel is its reference.
func TestNoasmSelectsReferences(t *testing.T) {
	if Assembly() || hasFMA32 || hasAVX2 || cpuFMA32 || cpuAVX2 {
		t.Fatalf("noasm build reports assembly: FMA32 %v/%v, AVX2 %v/%v", hasFMA32, cpuFMA32, hasAVX2, cpuAVX2)
	}
	if spPanel(make([]float32, 64), 64, 0, &CSR[float32]{cnt: []int32{0}}, []int32{0, 0}, 1, 0, make([]float32, 64), 64, nil, false) {
		t.Fatal("noasm spPanel reports that it ran")
	}
}
