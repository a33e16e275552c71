//go:build !noasm

package split

// cpuRelax executes a few PAUSE instructions: the spin-wait hint that
// hands the core's execution units to its other hardware thread and keeps
// a waiting loop from flooding the memory system with loads. A pool worker
// waiting for its next chunk spins with it, so that on a core shared with
// the caller's thread (two vCPUs of one physical core, as on the
// development machine) the wait takes little from the serial work the
// caller does meanwhile. A call takes a fraction of a microsecond (PAUSE's
// latency varies by CPU: BENCHMARKS.md, "Worker pool").
func cpuRelax()
