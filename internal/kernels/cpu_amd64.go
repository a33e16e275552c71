//go:build !noasm

package kernels

import "golang.org/x/sys/cpu"

// cpuFMA32 reports whether the CPU and OS support AVX2 and FMA, which the
// float32 kernels need (x/sys/cpu also checks that the OS saves the YMM
// registers); cpuAVX2 whether they support AVX2 (the RMSprop and scaling
// kernels use AVX and AVX2 only).
var (
	cpuFMA32 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	cpuAVX2  = cpu.X86.HasAVX2
)
