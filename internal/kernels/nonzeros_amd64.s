//go:build !noasm

#include "textflag.h"

// func nonzeros8(x *float32, blocks int, idx *int32, val *float32, perm *[256][8]int32, step *[16]int32) int
// Writes the positions (from 0) and values of the nonzero elements of
// x[0:8·blocks] to idx and val, in order, and returns how many there are.
// Each block of 8 is compared with zero (NaN counts as nonzero, -0 does
// not), its 8-bit mask picks a permutation that packs the nonzeros to the
// front, and all 8 lanes are stored: idx and val need 8 elements of room
// past the count.
TEXT ·nonzeros8(SB), NOSPLIT, $0-56
	MOVQ x+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVQ idx+16(FP), DI
	MOVQ val+24(FP), DX
	MOVQ perm+32(FP), BX
	MOVQ step+40(FP), R8
	VMOVDQU 0(R8), Y13
	VMOVDQU 32(R8), Y14
	VXORPS Y15, Y15, Y15
	XORQ R9, R9
	TESTQ CX, CX
	JLE nzdone

nzloop:
	VMOVUPS (SI), Y0
	VCMPPS $4, Y15, Y0, Y1
	VMOVMSKPS Y1, AX
	MOVQ AX, R10
	SHLQ $5, R10
	VMOVDQU (BX)(R10*1), Y2
	VPERMPS Y0, Y2, Y3
	VMOVUPS Y3, (DX)(R9*4)
	VPADDD Y13, Y2, Y4
	VMOVDQU Y4, (DI)(R9*4)
	POPCNTL AX, AX
	ADDQ AX, R9
	VPADDD Y14, Y13, Y13
	ADDQ $32, SI
	DECQ CX
	JNZ nzloop

nzdone:
	MOVQ R9, ret+48(FP)
	VZEROUPPER
	RET
