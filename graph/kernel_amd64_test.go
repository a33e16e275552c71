package graph

import "testing"

// TestKernelsWithoutAVX2 runs the kernel tests with the assembly switched
// off, as on a CPU without AVX2/FMA (or another architecture): the Go
// paths (and gemm for the narrow products) must pass the same checks.
func TestKernelsWithoutAVX2(t *testing.T) {
	defer func(v bool) { hasFMA32 = v }(hasFMA32)
	hasFMA32 = false
	for name, test := range map[string]func(*testing.T){
		"spmm":       TestSpmmKernel,
		"nonzeros":   TestNonzeros,
		"vector":     TestVectorKernels,
		"transpose":  TestTransposeRows,
		"dense":      TestDenseKernelsFloat32,
		"skinny":     TestSkinnyProducts,
		"csr":        TestCSRRowsCols,
		"weightgrad": TestWeightGradReusesForward,
	} {
		t.Run(name, test)
	}
}
