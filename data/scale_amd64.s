#include "textflag.h"

DATA ·k255<>+0(SB)/4, $255.0
GLOBL ·k255<>(SB), RODATA|NOPTR, $4

// func scale8(dst *float32, src *byte, blocks int)
// dst[j] = float32(src[j]) / 255 for j < 8·blocks: bytes widened to int32,
// converted exactly, then one correctly rounded division, as in Go.
TEXT ·scale8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	VBROADCASTSS ·k255<>(SB), Y15
	TESTQ CX, CX
	JLE sdone

sloop:
	VPMOVZXBD (SI), Y0
	VCVTDQ2PS Y0, Y0
	VDIVPS Y15, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $8, SI
	ADDQ $32, DI
	DECQ CX
	JNZ sloop

sdone:
	VZEROUPPER
	RET
