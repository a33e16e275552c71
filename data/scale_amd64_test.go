package data

import "testing"

// TestScaleBytesWithoutAVX2 runs TestScaleBytes on the table path, as on a
// CPU without AVX2.
func TestScaleBytesWithoutAVX2(t *testing.T) {
	defer func(v bool) { hasAVX2 = v }(hasAVX2)
	hasAVX2 = false
	TestScaleBytes(t)
}
