package kernels

// hasFMA32 and hasAVX2 say whether the assembly kernels run: the CPU's
// features (cpuFMA32, cpuAVX2; false without assembly) unless
// DisableAssembly has switched them off.
var hasFMA32, hasAVX2 = cpuFMA32, cpuAVX2

// Assembly reports whether the float32 assembly kernels (AVX2 and FMA) run
// on this machine and build.
func Assembly() bool { return hasFMA32 }

// DisableAssembly switches every assembly kernel off, as on a CPU without
// AVX2 or a build with the noasm tag, and returns a function that switches
// them back to what they were. It is for tests (not safe while kernels
// run): the Go paths must pass the same checks.
func DisableAssembly() (restore func()) {
	f, a := hasFMA32, hasAVX2
	hasFMA32, hasAVX2 = false, false
	return func() { hasFMA32, hasAVX2 = f, a }
}
