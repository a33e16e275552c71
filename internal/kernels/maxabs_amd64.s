//go:build !noasm

#include "textflag.h"

// func maxAbs32x32(x *float32, blocks int) uint32
// maxAbsBits32Go over x[0:32·blocks]: four accumulators of unsigned maxima
// of bits & 0x7fffffff, folded at the end.
TEXT ·maxAbs32x32(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ blocks+8(FP), CX
	MOVL $0x7fffffff, AX
	MOVD AX, X12
	VPBROADCASTD X12, Y12
	VPXOR Y8, Y8, Y8
	VPXOR Y9, Y9, Y9
	VPXOR Y10, Y10, Y10
	VPXOR Y11, Y11, Y11

mloop:
	VPAND 0(SI), Y12, Y0
	VPAND 32(SI), Y12, Y1
	VPAND 64(SI), Y12, Y2
	VPAND 96(SI), Y12, Y3
	VPMAXUD Y0, Y8, Y8
	VPMAXUD Y1, Y9, Y9
	VPMAXUD Y2, Y10, Y10
	VPMAXUD Y3, Y11, Y11
	ADDQ $128, SI
	DECQ CX
	JNZ mloop

	VPMAXUD Y9, Y8, Y8
	VPMAXUD Y11, Y10, Y10
	VPMAXUD Y10, Y8, Y8
	VEXTRACTI128 $1, Y8, X9
	VPMAXUD X9, X8, X8
	VPSHUFD $0x4e, X8, X9
	VPMAXUD X9, X8, X8
	VPSHUFD $0xb1, X8, X9
	VPMAXUD X9, X8, X8
	MOVL X8, AX
	MOVL AX, ret+16(FP)
	VZEROUPPER
	RET
