//go:build unix

package train

import (
	"syscall"
	"time"
)

// processCPU is the user and system CPU time of the process so far, 0 where
// getrusage fails.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
