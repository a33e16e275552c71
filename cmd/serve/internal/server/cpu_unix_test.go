//go:build unix

package server

import (
	"syscall"
	"time"
)

// processCPU is the CPU time (user and system) the test process has used:
// the server and its clients together.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
