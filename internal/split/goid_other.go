//go:build noasm || !(amd64 || arm64)

package split

import (
	"runtime"
	"strconv"
)

// goid identifies the calling goroutine among the live ones (scope.go) by
// the number runtime.Stack prints first ("goroutine 18 [running]:"), where
// there is no assembly to read its g pointer.
func goid() uintptr {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = b[len("goroutine "):]
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	id, err := strconv.ParseUint(string(b[:n]), 10, 64)
	if err != nil {
		panic("split: cannot read the goroutine's number from runtime.Stack: " + string(buf[:]))
	}
	return uintptr(id)
}
