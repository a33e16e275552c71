//go:build !noasm

#include "textflag.h"

// The micro-kernels below compute one register tile of C from packed panels:
//   acc = (acc != 0 ? C : 0)
//   acc += a[p·MR : p·MR+MR] ⊗ b[p·NR : p·NR+NR]   for p = 0 … k−1, one FMA per element and step
//   C = acc
// a is an MR-row micro-panel of op(A) (MR values per k step, zero-padded by
// the packer), b holds NR contiguous columns of op(B) per k step, steps ldb
// elements apart (NR for a packed panel, B's stride when B is read in place);
// c points at the tile's top-left element, ldc is its row stride in elements.
// Each element of C is one FMA chain in ascending p that continues from
// what C held when acc is set: so a product cut into depth blocks gives the
// same bits as one long chain, whatever the depth block, the register width
// or the tile, and every kernel (and the Go one, with fma.F32) agrees bit
// for bit with the others.

// func kern12x32(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)
// 12×32 tile: 24 zmm accumulators (Z0–Z23, row r in Z2r, Z2r+1), two zmm of B
// (Z24, Z25) and rotating broadcasts of A (Z26–Z31): 24 FMAs per k step for
// 2 vector loads and 12 broadcasts.
TEXT ·kern12x32(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ acc+48(FP), AX
	TESTQ AX, AX
	JNZ k512load
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	VPXORD Z8, Z8, Z8
	VPXORD Z9, Z9, Z9
	VPXORD Z10, Z10, Z10
	VPXORD Z11, Z11, Z11
	VPXORD Z12, Z12, Z12
	VPXORD Z13, Z13, Z13
	VPXORD Z14, Z14, Z14
	VPXORD Z15, Z15, Z15
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	JMP k512start

k512load:
	MOVQ DI, AX
	VMOVUPS 0(AX), Z0
	VMOVUPS 64(AX), Z1
	ADDQ R8, AX
	VMOVUPS 0(AX), Z2
	VMOVUPS 64(AX), Z3
	ADDQ R8, AX
	VMOVUPS 0(AX), Z4
	VMOVUPS 64(AX), Z5
	ADDQ R8, AX
	VMOVUPS 0(AX), Z6
	VMOVUPS 64(AX), Z7
	ADDQ R8, AX
	VMOVUPS 0(AX), Z8
	VMOVUPS 64(AX), Z9
	ADDQ R8, AX
	VMOVUPS 0(AX), Z10
	VMOVUPS 64(AX), Z11
	ADDQ R8, AX
	VMOVUPS 0(AX), Z12
	VMOVUPS 64(AX), Z13
	ADDQ R8, AX
	VMOVUPS 0(AX), Z14
	VMOVUPS 64(AX), Z15
	ADDQ R8, AX
	VMOVUPS 0(AX), Z16
	VMOVUPS 64(AX), Z17
	ADDQ R8, AX
	VMOVUPS 0(AX), Z18
	VMOVUPS 64(AX), Z19
	ADDQ R8, AX
	VMOVUPS 0(AX), Z20
	VMOVUPS 64(AX), Z21
	ADDQ R8, AX
	VMOVUPS 0(AX), Z22
	VMOVUPS 64(AX), Z23

k512start:
	TESTQ CX, CX
	JLE k512store

k512loop:
	VMOVUPS 0(DX), Z24
	VMOVUPS 64(DX), Z25
	VBROADCASTSS 0(SI), Z26
	VFMADD231PS Z24, Z26, Z0
	VFMADD231PS Z25, Z26, Z1
	VBROADCASTSS 4(SI), Z27
	VFMADD231PS Z24, Z27, Z2
	VFMADD231PS Z25, Z27, Z3
	VBROADCASTSS 8(SI), Z28
	VFMADD231PS Z24, Z28, Z4
	VFMADD231PS Z25, Z28, Z5
	VBROADCASTSS 12(SI), Z29
	VFMADD231PS Z24, Z29, Z6
	VFMADD231PS Z25, Z29, Z7
	VBROADCASTSS 16(SI), Z30
	VFMADD231PS Z24, Z30, Z8
	VFMADD231PS Z25, Z30, Z9
	VBROADCASTSS 20(SI), Z31
	VFMADD231PS Z24, Z31, Z10
	VFMADD231PS Z25, Z31, Z11
	VBROADCASTSS 24(SI), Z26
	VFMADD231PS Z24, Z26, Z12
	VFMADD231PS Z25, Z26, Z13
	VBROADCASTSS 28(SI), Z27
	VFMADD231PS Z24, Z27, Z14
	VFMADD231PS Z25, Z27, Z15
	VBROADCASTSS 32(SI), Z28
	VFMADD231PS Z24, Z28, Z16
	VFMADD231PS Z25, Z28, Z17
	VBROADCASTSS 36(SI), Z29
	VFMADD231PS Z24, Z29, Z18
	VFMADD231PS Z25, Z29, Z19
	VBROADCASTSS 40(SI), Z30
	VFMADD231PS Z24, Z30, Z20
	VFMADD231PS Z25, Z30, Z21
	VBROADCASTSS 44(SI), Z31
	VFMADD231PS Z24, Z31, Z22
	VFMADD231PS Z25, Z31, Z23
	ADDQ $48, SI
	ADDQ R9, DX
	DECQ CX
	JNZ k512loop

k512store:
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z2, 0(DI)
	VMOVUPS Z3, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z4, 0(DI)
	VMOVUPS Z5, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z6, 0(DI)
	VMOVUPS Z7, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z8, 0(DI)
	VMOVUPS Z9, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z10, 0(DI)
	VMOVUPS Z11, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z12, 0(DI)
	VMOVUPS Z13, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z14, 0(DI)
	VMOVUPS Z15, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z16, 0(DI)
	VMOVUPS Z17, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z18, 0(DI)
	VMOVUPS Z19, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z20, 0(DI)
	VMOVUPS Z21, 64(DI)
	ADDQ R8, DI
	VMOVUPS Z22, 0(DI)
	VMOVUPS Z23, 64(DI)
	VZEROUPPER
	RET


// func kern6x16(k int, a, b *float32, ldb int, c *float32, ldc int, acc int)
// 6×16 tile for AVX2+FMA (16 ymm registers): 12 accumulators (Y0–Y11, row r
// in Y2r, Y2r+1), two ymm of B (Y12, Y13), broadcasts of A in Y14, Y15.
TEXT ·kern6x16(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), CX
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ ldb+24(FP), R9
	SHLQ $2, R9
	MOVQ c+32(FP), DI
	MOVQ ldc+40(FP), R8
	SHLQ $2, R8
	MOVQ acc+48(FP), AX
	TESTQ AX, AX
	JNZ k256load
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	VXORPS Y8, Y8, Y8
	VXORPS Y9, Y9, Y9
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
	JMP k256start

k256load:
	MOVQ DI, AX
	VMOVUPS 0(AX), Y0
	VMOVUPS 32(AX), Y1
	ADDQ R8, AX
	VMOVUPS 0(AX), Y2
	VMOVUPS 32(AX), Y3
	ADDQ R8, AX
	VMOVUPS 0(AX), Y4
	VMOVUPS 32(AX), Y5
	ADDQ R8, AX
	VMOVUPS 0(AX), Y6
	VMOVUPS 32(AX), Y7
	ADDQ R8, AX
	VMOVUPS 0(AX), Y8
	VMOVUPS 32(AX), Y9
	ADDQ R8, AX
	VMOVUPS 0(AX), Y10
	VMOVUPS 32(AX), Y11

k256start:
	TESTQ CX, CX
	JLE k256store

k256loop:
	VMOVUPS 0(DX), Y12
	VMOVUPS 32(DX), Y13
	VBROADCASTSS 0(SI), Y14
	VFMADD231PS Y12, Y14, Y0
	VFMADD231PS Y13, Y14, Y1
	VBROADCASTSS 4(SI), Y15
	VFMADD231PS Y12, Y15, Y2
	VFMADD231PS Y13, Y15, Y3
	VBROADCASTSS 8(SI), Y14
	VFMADD231PS Y12, Y14, Y4
	VFMADD231PS Y13, Y14, Y5
	VBROADCASTSS 12(SI), Y15
	VFMADD231PS Y12, Y15, Y6
	VFMADD231PS Y13, Y15, Y7
	VBROADCASTSS 16(SI), Y14
	VFMADD231PS Y12, Y14, Y8
	VFMADD231PS Y13, Y14, Y9
	VBROADCASTSS 20(SI), Y15
	VFMADD231PS Y12, Y15, Y10
	VFMADD231PS Y13, Y15, Y11
	ADDQ $24, SI
	ADDQ R9, DX
	DECQ CX
	JNZ k256loop

k256store:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	ADDQ R8, DI
	VMOVUPS Y2, 0(DI)
	VMOVUPS Y3, 32(DI)
	ADDQ R8, DI
	VMOVUPS Y4, 0(DI)
	VMOVUPS Y5, 32(DI)
	ADDQ R8, DI
	VMOVUPS Y6, 0(DI)
	VMOVUPS Y7, 32(DI)
	ADDQ R8, DI
	VMOVUPS Y8, 0(DI)
	VMOVUPS Y9, 32(DI)
	ADDQ R8, DI
	VMOVUPS Y10, 0(DI)
	VMOVUPS Y11, 32(DI)
	VZEROUPPER
	RET


// func transpose8(dst *float32, ldd int, src *float32, lds int, blocks int)
// Packs 8 rows of src (row stride lds elements) × 8·blocks columns into
// dst, column p of the rows becoming row p of dst (stride ldd): dst[p·ldd +
// r] = src[r·lds + p]. 8×8 blocks go through registers (unpack, shuffle,
// lane permute), so both sides are read and written 32 bytes at a time;
// packing a transposed operand costs about as much as copying it.
TEXT ·transpose8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ ldd+8(FP), R8
	SHLQ $2, R8
	MOVQ src+16(FP), SI
	MOVQ lds+24(FP), R9
	SHLQ $2, R9
	MOVQ blocks+32(FP), CX
	LEAQ (R9)(R9*2), R10 // 3·lds
	LEAQ (R8)(R8*2), R11 // 3·ldd
	TESTQ CX, CX
	JLE trdone

trloop:
	MOVQ SI, AX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R9*1), Y1
	VMOVUPS (AX)(R9*2), Y2
	VMOVUPS (AX)(R10*1), Y3
	LEAQ (AX)(R9*4), AX
	VMOVUPS (AX), Y4
	VMOVUPS (AX)(R9*1), Y5
	VMOVUPS (AX)(R9*2), Y6
	VMOVUPS (AX)(R10*1), Y7
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15
	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7
	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15
	MOVQ DI, AX
	VMOVUPS Y8, (AX)
	VMOVUPS Y9, (AX)(R8*1)
	VMOVUPS Y10, (AX)(R8*2)
	VMOVUPS Y11, (AX)(R11*1)
	LEAQ (AX)(R8*4), AX
	VMOVUPS Y12, (AX)
	VMOVUPS Y13, (AX)(R8*1)
	VMOVUPS Y14, (AX)(R8*2)
	VMOVUPS Y15, (AX)(R11*1)
	ADDQ $32, SI
	LEAQ (DI)(R8*8), DI
	DECQ CX
	JNZ trloop

trdone:
	VZEROUPPER
	RET


// func copyRunsAsm(dst, src *float32, ld, w, steps int)
// steps runs of w floats, run p from src + p·ld (elements) to dst + p·w:
// the rows of a panel whose steps are contiguous in memory (B untransposed,
// A transposed), copied with whole-register moves instead of a memmove call
// per run. w is 6, 12, 16 or 32 (the caller checks); steps > 0.
TEXT ·copyRunsAsm(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ ld+16(FP), R9
	SHLQ $2, R9
	MOVQ w+24(FP), AX
	MOVQ steps+32(FP), CX
	CMPQ AX, $16
	JEQ cr16
	CMPQ AX, $32
	JEQ cr32
	CMPQ AX, $12
	JEQ cr12

cr6:
	VMOVUPS (SI), X0
	MOVQ 16(SI), R10
	VMOVUPS X0, (DI)
	MOVQ R10, 16(DI)
	ADDQ R9, SI
	ADDQ $24, DI
	DECQ CX
	JNZ cr6
	RET

cr12:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), X1
	VMOVUPS Y0, (DI)
	VMOVUPS X1, 32(DI)
	ADDQ R9, SI
	ADDQ $48, DI
	DECQ CX
	JNZ cr12
	VZEROUPPER
	RET

cr16:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ R9, SI
	ADDQ $64, DI
	DECQ CX
	JNZ cr16
	VZEROUPPER
	RET

cr32:
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y1
	VMOVUPS 64(SI), Y2
	VMOVUPS 96(SI), Y3
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ R9, SI
	ADDQ $128, DI
	DECQ CX
	JNZ cr32
	VZEROUPPER
	RET


// func interleave6(dst, src *float32, lds int, blocks int)
// Packs 6 rows of src (row stride lds elements) × 8·blocks columns into a
// 6-wide panel: dst[6p + r] = src[r·lds + p], 48 contiguous floats per
// block of 8 columns. The rows go through transpose8's register transpose
// with rows 6 and 7 zero (Y14, Y15 of the unpack step), and each column's 6
// values are stored exactly (16 bytes, then 8), so nothing past the
// panel's steps is written. The AVX2 kernel's panels of A have 6 rows,
// which transpose8 (8 rows) cannot fill.
TEXT ·interleave6(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ lds+16(FP), R9
	SHLQ $2, R9
	MOVQ blocks+24(FP), CX
	LEAQ (R9)(R9*2), R10 // 3·lds
	TESTQ CX, CX
	JLE i6done
	VXORPS Y14, Y14, Y14
	VXORPS Y15, Y15, Y15

i6loop:
	MOVQ SI, AX
	VMOVUPS (AX), Y0
	VMOVUPS (AX)(R9*1), Y1
	VMOVUPS (AX)(R9*2), Y2
	VMOVUPS (AX)(R10*1), Y3
	LEAQ (AX)(R9*4), AX
	VMOVUPS (AX), Y4
	VMOVUPS (AX)(R9*1), Y5
	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VSHUFPS $0x44, Y10, Y8, Y0 // rows 0–3 of columns 0 | 4
	VSHUFPS $0xEE, Y10, Y8, Y1 // 1 | 5
	VSHUFPS $0x44, Y11, Y9, Y2 // 2 | 6
	VSHUFPS $0xEE, Y11, Y9, Y3 // 3 | 7
	VSHUFPS $0x44, Y14, Y12, Y4 // rows 4–5 (6–7 zero) of columns 0 | 4
	VSHUFPS $0xEE, Y14, Y12, Y5 // 1 | 5
	VSHUFPS $0x44, Y15, Y13, Y8 // 2 | 6
	VSHUFPS $0xEE, Y15, Y13, Y9 // 3 | 7
	VMOVUPS X0, 0(DI)
	VMOVQ X4, 16(DI)
	VMOVUPS X1, 24(DI)
	VMOVQ X5, 40(DI)
	VMOVUPS X2, 48(DI)
	VMOVQ X8, 64(DI)
	VMOVUPS X3, 72(DI)
	VMOVQ X9, 88(DI)
	VEXTRACTF128 $1, Y0, X10
	VEXTRACTF128 $1, Y4, X11
	VMOVUPS X10, 96(DI)
	VMOVQ X11, 112(DI)
	VEXTRACTF128 $1, Y1, X10
	VEXTRACTF128 $1, Y5, X11
	VMOVUPS X10, 120(DI)
	VMOVQ X11, 136(DI)
	VEXTRACTF128 $1, Y2, X10
	VEXTRACTF128 $1, Y8, X11
	VMOVUPS X10, 144(DI)
	VMOVQ X11, 160(DI)
	VEXTRACTF128 $1, Y3, X10
	VEXTRACTF128 $1, Y9, X11
	VMOVUPS X10, 168(DI)
	VMOVQ X11, 184(DI)
	ADDQ $32, SI
	ADDQ $192, DI
	DECQ CX
	JNZ i6loop

i6done:
	VZEROUPPER
	RET
