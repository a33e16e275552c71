//go:build !noasm

#include "textflag.h"

// iota8 is the int32s 0..7.
DATA iota8<>+0(SB)/4, $0
DATA iota8<>+4(SB)/4, $1
DATA iota8<>+8(SB)/4, $2
DATA iota8<>+12(SB)/4, $3
DATA iota8<>+16(SB)/4, $4
DATA iota8<>+20(SB)/4, $5
DATA iota8<>+24(SB)/4, $6
DATA iota8<>+28(SB)/4, $7
GLOBL iota8<>(SB), RODATA|NOPTR, $32

// eight8 is the int32 8, eight times.
DATA eight8<>+0(SB)/4, $8
DATA eight8<>+4(SB)/4, $8
DATA eight8<>+8(SB)/4, $8
DATA eight8<>+12(SB)/4, $8
DATA eight8<>+16(SB)/4, $8
DATA eight8<>+20(SB)/4, $8
DATA eight8<>+24(SB)/4, $8
DATA eight8<>+28(SB)/4, $8
GLOBL eight8<>(SB), RODATA|NOPTR, $32

// func maxInto8(dst *float32, at *int32, src *float32, from int32, blocks int)
// Where src > dst (ordered, quiet: false with a NaN), dst = src and
// at = from + i; 8 at a time.
TEXT ·maxInto8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ at+8(FP), R8
	MOVQ src+16(FP), SI
	MOVL from+24(FP), AX
	MOVQ blocks+32(FP), CX
	TESTQ CX, CX
	JLE mxdone
	VMOVD AX, X4
	VPBROADCASTD X4, Y4
	VPADDD iota8<>(SB), Y4, Y4 // the indices of this block
	VMOVDQU eight8<>(SB), Y5

mxloop:
	VMOVUPS (SI), Y0
	VMOVUPS (DI), Y1
	VCMPPS $0x1e, Y1, Y0, Y2   // Y2 = Y0 > Y1 (GT_OQ)
	VBLENDVPS Y2, Y0, Y1, Y1   // Y1 = Y2 ? Y0 : Y1
	VMOVUPS Y1, (DI)
	VMOVDQU (R8), Y3
	VBLENDVPS Y2, Y4, Y3, Y3   // Y3 = Y2 ? Y4 : Y3
	VMOVDQU Y3, (R8)
	VPADDD Y5, Y4, Y4
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, R8
	DECQ CX
	JNZ mxloop

mxdone:
	VZEROUPPER
	RET
