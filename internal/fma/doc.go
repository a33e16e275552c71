// Package fma computes float32 fused multiply-adds in portable Go, rounded
// once as the FMA instructions of x86-64 (VFMADD231PS) and arm64 (FMADDS)
// round them.
//
// # Why
//
// gradgraph promises the same bits for the same seed on every CPU. Its
// assembly kernels accumulate with FMA instructions, so the Go paths that
// stand in for them (the noasm build, CPUs without AVX2, other
// architectures) must round x·y+z once too. The Go compiler cannot be
// relied on for that: it fuses x*y+z into an FMA on arm64 and with
// GOAMD64=v3 but not with the default GOAMD64=v1, and math.FMA works on
// float64, whose result rounded again to float32 is off in rare ties.
//
// # How
//
// The product of two float32 values is exact in float64 (24 + 24
// significant bits ≤ 53), so p + z in float64 has a single rounding, and so
// does its conversion to float32 unless the float64 sum landed exactly on a
// midpoint between two float32 values, where the first rounding may have
// hidden which side the exact sum lies on. Only then (one sum in about 2²⁹
// for random operands) F32 computes the float64 sum's error exactly
// (Knuth's TwoSum) and moves the sum one float64 ulp towards the exact
// value before converting. Results in float32's subnormal range are checked
// for ties at that range's coarser spacing. TestF32Hand and TestF32Random
// compare F32 with the exactly rounded result from math/big on worked
// ties and 500,000 random, cancelling and near-tie operand triples; the
// gemm tests compare the Go kernel with the FMA instructions themselves.
package fma
