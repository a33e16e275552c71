//go:build !noasm

#include "textflag.h"

DATA ·k255<>+0(SB)/4, $255.0
GLOBL ·k255<>(SB), RODATA|NOPTR, $4

// func scale8(dst *float32, src *byte, blocks int, next *byte, lines int)
// dst[j] = float32(src[j]) / 255 for j < 8·blocks: bytes widened to int32,
// converted exactly, then one correctly rounded division, as in Go. First
// it asks for the cache lines of next (the next image, lines of 64 bytes)
// to be fetched: images of a shuffled batch are scattered over the whole
// data set, and each one's first lines otherwise miss all caches.
TEXT ·scale8(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	MOVQ next+24(FP), AX
	MOVQ lines+32(FP), DX
	VBROADCASTSS ·k255<>(SB), Y15
	TESTQ DX, DX
	JLE sstart

spref:
	PREFETCHT0 (AX)
	ADDQ $64, AX
	DECQ DX
	JNZ spref

sstart:
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
