//go:build openblas && !cgo

package blas

import "errors"

// Use installs gonum's BLAS: the openblas tag needs cgo, and this build has
// CGO_ENABLED=0. The error says so; callers can print it and go on.
func Use() (name string, err error) {
	mu.Lock()
	defer mu.Unlock()
	return installGonum(), errors.New("blas: built with -tags openblas but without cgo (CGO_ENABLED=0); using " + GonumName)
}

func setThreads(n int) {}
