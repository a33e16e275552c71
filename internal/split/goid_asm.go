//go:build !noasm && (amd64 || arm64)

package split

// getg returns the running goroutine's runtime g pointer (goid_amd64.s,
// goid_arm64.s).
func getg() uintptr

// goid identifies the calling goroutine among the live ones (scope.go).
func goid() uintptr { return getg() }
