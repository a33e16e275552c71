#include "textflag.h"

// func spAccum64(dst *float32, a *float32, idx *int32, n int, b *float32, ld int)
// dst[0:64] += Σ_{t<n} a[t] · b[idx[t]·ld : idx[t]·ld+64], with AVX2 and FMA.
TEXT ·spAccum64(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ idx+16(FP), DX
	MOVQ n+24(FP), CX
	MOVQ b+32(FP), BX
	MOVQ ld+40(FP), R8
	SHLQ $2, R8
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7
	TESTQ CX, CX
	JLE done

loop:
	VBROADCASTSS (SI), Y8
	MOVLQSX (DX), AX
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
	ADDQ $4, SI
	ADDQ $4, DX
	DECQ CX
	JNZ loop

done:
	VMOVUPS Y0, 0(DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	VMOVUPS Y4, 128(DI)
	VMOVUPS Y5, 160(DI)
	VMOVUPS Y6, 192(DI)
	VMOVUPS Y7, 224(DI)
	VZEROUPPER
	RET

// func spPanel64(dst *float32, rows int, cut *int32, a *float32, idx *int32, b *float32, ld int, dstStride int, cutStride int, csrStride int)
// For each of rows rows r (strides in bytes: dst by dstStride, cut by
// cutStride, a and idx by csrStride), with t0 = cut[0] and t1 = cut[1] of
// row r: dst_r[0:64] += Σ_{t0≤t<t1} a_r[t] · b[idx_r[t]·ld : +64].
TEXT ·spPanel64(SB), NOSPLIT, $0-80
	MOVQ dst+0(FP), DI
	MOVQ rows+8(FP), R12
	MOVQ cut+16(FP), R13
	MOVQ a+24(FP), SI
	MOVQ idx+32(FP), DX
	MOVQ b+40(FP), BX
	MOVQ ld+48(FP), R8
	SHLQ $2, R8
	TESTQ R12, R12
	JLE pdone

prow:
	MOVLQSX 0(R13), AX
	MOVLQSX 4(R13), CX
	SUBQ AX, CX
	JLE pnext
	LEAQ (SI)(AX*4), R9
	LEAQ (DX)(AX*4), R10
	VMOVUPS 0(DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	VMOVUPS 128(DI), Y4
	VMOVUPS 160(DI), Y5
	VMOVUPS 192(DI), Y6
	VMOVUPS 224(DI), Y7

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
