//go:build !noasm

#include "textflag.h"

// func biasReLU8(y, b *float32, rows, blocks int)
// For each of rows rows of 8·blocks values: y = max(y + b, 0), NaN kept.
// VMAXPS returns its second source when either is NaN or both are zero,
// so max(src1 = 0, src2 = w) is 0 for w < 0 and w otherwise, NaN
// included; −0 comes out as −0 and adding +0 makes it +0 (and changes no
// other value).
TEXT ·biasReLU8(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), DI
	MOVQ b+8(FP), SI
	MOVQ rows+16(FP), DX
	MOVQ blocks+24(FP), R8
	VXORPS Y1, Y1, Y1
	TESTQ DX, DX
	JLE brdone
	TESTQ R8, R8
	JLE brdone

brrow:
	MOVQ SI, BX
	MOVQ R8, CX

brblock:
	VMOVUPS (DI), Y0
	VADDPS (BX), Y0, Y0
	VMAXPS Y0, Y1, Y0
	VADDPS Y1, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, BX
	DECQ CX
	JNZ brblock
	DECQ DX
	JNZ brrow

brdone:
	VZEROUPPER
	RET
