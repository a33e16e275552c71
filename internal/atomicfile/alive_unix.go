//go:build unix

package atomicfile

import (
	"errors"
	"syscall"
)

// ProcessAlive reports whether a process with this PID exists (signal 0
// checks without sending; EPERM means it exists but is someone else's).
// Callers that clean up after killed processes (RemoveStale here,
// cmd/images's staged folders) remove only what a dead PID left. A PID
// that is not positive names no single process (kill(2) reads it as a
// process group) and is reported alive, so that whatever it labels is kept.
func ProcessAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
