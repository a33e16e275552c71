//go:build !unix

package webtest

// CPUSeconds is 0 where getrusage is missing.
func CPUSeconds() float64 { return 0 }
