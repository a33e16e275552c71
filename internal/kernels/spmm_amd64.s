//go:build !noasm

#include "textflag.h"

// func spPanel64(dst *float32, rows int, cut *int32, a *float32, idx *int32, b *float32, ld int, dstStride int, cutStride int, csrStride int, init *float32, mode int)
// For each of rows rows r (strides in bytes: dst by dstStride, cut by
// cutStride, a and idx by csrStride), with t0 = cut[0] and t1 = cut[1] of
// row r: dst_r[0:64] = s + Σ_{t0≤t<t1} a_r[t] · b[idx_r[t]·ld : +64], where s
// is init[0:64] when mode&1 (the first panel: bias or zeros) and dst_r
// otherwise; with mode&2 (the last panel) the result goes through a ReLU,
// as ReLUInPlace: VMAXPS with v as its second source (Intel order), which
// MAXPS returns when either is NaN or both are zeros, so NaN stays NaN;
// then + 0, which turns -0 into +0. A row with no terms is
// skipped when mode is 0 and still initialised / rectified otherwise.
TEXT ·spPanel64(SB), NOSPLIT, $0-96
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), R12
	MOVQ cut+16(FP), R13
	MOVQ a+24(FP), SI
	MOVQ idx+32(FP), DX
	MOVQ b+40(FP), BX
	MOVQ ld+48(FP), R8
	SHLQ $2, R8
	MOVQ init+80(FP), R11
	MOVQ mode+88(FP), R14
	VXORPS Y15, Y15, Y15
	TESTQ R12, R12
	JLE pdone

prow:
	MOVLQSX 0(R13), AX
	MOVLQSX 4(R13), CX
	SUBQ AX, CX
	JG pwork
	TESTQ R14, R14
	JZ pnext
	XORQ CX, CX

pwork:
	LEAQ (SI)(AX*4), R9
	LEAQ (DX)(AX*4), R10
	TESTQ $1, R14
	JNZ pinit
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	JMP pready

pinit:
	VMOVUPS 0(R11), Y0
	VMOVUPS 32(R11), Y1
	VMOVUPS 64(R11), Y2
	VMOVUPS 96(R11), Y3
	VMOVUPS 128(R11), Y4
	VMOVUPS 160(R11), Y5
	VMOVUPS 192(R11), Y6
	VMOVUPS 224(R11), Y7

pready:
	TESTQ CX, CX
	JLE pfinish

ploop:
	VBROADCASTSS (R9), Y8
	MOVLQSX (R10), AX
	IMULQ R8, AX
	ADDQ BX, AX
	VFMADD231PS 0(AX), Y8, Y0
	VFMADD231PS 32(AX), Y8, Y1
	VFMADD231PS 64(AX), Y8, Y2
	VFMADD231PS 96(AX), Y8, Y3
	VFMADD231PS 128(AX), Y8, Y4
	VFMADD231PS 160(AX), Y8, Y5
	VFMADD231PS 192(AX), Y8, Y6
	VFMADD231PS 224(AX), Y8, Y7
	ADDQ $4, R9
	ADDQ $4, R10
	DECQ CX
	JNZ ploop

pfinish:
	TESTQ $2, R14
	JZ pstore
	VMAXPS Y0, Y15, Y0
	VMAXPS Y1, Y15, Y1
	VMAXPS Y2, Y15, Y2
	VMAXPS Y3, Y15, Y3
	VMAXPS Y4, Y15, Y4
	VMAXPS Y5, Y15, Y5
	VMAXPS Y6, Y15, Y6
	VMAXPS Y7, Y15, Y7
	VADDPS Y15, Y0, Y0
	VADDPS Y15, Y1, Y1
	VADDPS Y15, Y2, Y2
	VADDPS Y15, Y3, Y3
	VADDPS Y15, Y4, Y4
	VADDPS Y15, Y5, Y5
	VADDPS Y15, Y6, Y6
	VADDPS Y15, Y7, Y7

pstore:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)

pnext:
	ADDQ dstStride+56(FP), DI
	ADDQ cutStride+64(FP), R13
	ADDQ csrStride+72(FP), SI
	ADDQ csrStride+72(FP), DX
	DECQ R12
	JNZ prow

pdone:
	VZEROUPPER
	RET
