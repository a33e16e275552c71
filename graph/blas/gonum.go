//go:build !openblas

package blas

// Use installs the best BLAS available in this build into Gorgonia and
// returns its name. This build was made without the openblas tag, so it
// installs gonum's pure-Go implementation and never fails.
func Use() (name string, err error) {
	mu.Lock()
	defer mu.Unlock()
	return installGonum(), nil
}

// setThreads is a no-op for gonum (it is single-threaded).
func setThreads(n int) {}
