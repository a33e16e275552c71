//go:build noasm || !amd64

package split

// cpuRelax is a no-op where there is no assembly spin-wait hint.
func cpuRelax() {}
