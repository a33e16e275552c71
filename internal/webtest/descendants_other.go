//go:build !linux

package webtest

// DescendantsCPUSeconds is 0 where /proc is missing.
func DescendantsCPUSeconds() float64 { return 0 }
