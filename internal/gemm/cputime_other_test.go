//go:build !linux

package gemm

import "time"

// threadCPU is not measured here: benchmarks report wall-clock rates only.
func threadCPU() time.Duration { return 0 }
