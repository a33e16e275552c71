//go:build !noasm

#include "textflag.h"

// func finite32x32(x *float32, blocks int) bool
// allFinite32Go over x[0:32·blocks]: each lane ORs (bits & 0x7f800000) +
// 0x00800000 into an accumulator, whose sign bits are tested at the end.
TEXT ·finite32x32(SB), NOSPLIT, $0-17
	MOVQ x+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVL $0x7f800000, AX
	MOVD AX, X12
	VPBROADCASTD X12, Y12
	MOVL $0x00800000, AX
	MOVD AX, X13
	VPBROADCASTD X13, Y13
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9

floop:
	VPAND 0(SI), Y12, Y0
	VPAND 32(SI), Y12, Y1
	VPAND 64(SI), Y12, Y2
	VPAND 96(SI), Y12, Y3
	VPADDD Y13, Y0, Y0
	VPADDD Y13, Y1, Y1
	VPADDD Y13, Y2, Y2
	VPADDD Y13, Y3, Y3
	VPOR Y0, Y8, Y8
	VPOR Y1, Y9, Y9
	VPOR Y2, Y8, Y8
	VPOR Y3, Y9, Y9
	ADDQ $128, SI
	DECQ CX
	JNZ floop

	VPOR Y9, Y8, Y8
	VMOVMSKPS Y8, AX
	TESTL AX, AX
	SETEQ ret+16(FP)
	VZEROUPPER
	RET
