#include "textflag.h"

// func spPanel64(dst *float32, rows int, cut *int32, a *float32, idx *int32, b *float32, ld int, dstStride int, cutStride int, csrStride int, init *float32, mode int)
// For each of rows rows r (strides in bytes: dst by dstStride, cut by
// cutStride, a and idx by csrStride), with t0 = cut[0] and t1 = cut[1] of
// row r: dst_r[0:64] = s + Σ_{t0≤t<t1} a_r[t] · b[idx_r[t]·ld : +64], where s
// is init[0:64] when mode&1 (the first panel: bias or zeros) and dst_r
// otherwise; with mode&2 (the last panel) the result goes through a ReLU,
// max(v, 0), which also turns -0 and NaN into +0. A row with no terms is
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
	VMAXPS Y15, Y0, Y0
	VMAXPS Y15, Y1, Y1
	VMAXPS Y15, Y2, Y2
	VMAXPS Y15, Y3, Y3
	VMAXPS Y15, Y4, Y4
	VMAXPS Y15, Y5, Y5
	VMAXPS Y15, Y6, Y6
	VMAXPS Y15, Y7, Y7

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

// func reluGrad8(y, dy, dz *float32, blocks int)
// dz = dy where y ≠ 0 (after a ReLU: y > 0) and +0 elsewhere, 8 at a time.
TEXT ·reluGrad8(SB), NOSPLIT, $0-32
	MOVQ y+0(FP), SI
	MOVQ dy+8(FP), DX
	MOVQ dz+16(FP), DI
	MOVQ blocks+24(FP), CX
	VXORPS Y15, Y15, Y15
	TESTQ CX, CX
	JLE rgdone

rgloop:
	VMOVUPS (SI), Y0
	VCMPPS $4, Y15, Y0, Y1
	VANDPS (DX), Y1, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ rgloop

rgdone:
	VZEROUPPER
	RET

// func add8(dst, src *float32, blocks int)
// dst += src, 8 at a time.
TEXT ·add8(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ blocks+16(FP), CX
	TESTQ CX, CX
	JLE addone

adloop:
	VMOVUPS (DI), Y0
	VADDPS (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	DECQ CX
	JNZ adloop

addone:
	VZEROUPPER
	RET

// func dot4x16(a, b *float32, ldb int, blocks int, out *float32)
// out[r] = Σ_{t<16·blocks} a[t]·b[r·ldb + t] for r < 4: four dot products
// sharing the loads of a, each accumulated in two registers (even and odd
// 8-element halves of every block of 16, so that eight FMAs are in flight),
// summed pairwise at the end in a fixed order.
TEXT ·dot4x16(SB), NOSPLIT, $0-40
	MOVQ a+0(FP), SI
	MOVQ b+8(FP), BX
	MOVQ ldb+16(FP), R8
	SHLQ $2, R8
	MOVQ blocks+24(FP), CX
	MOVQ out+32(FP), DI
	LEAQ (BX)(R8*1), R9
	LEAQ (R9)(R8*1), R10
	LEAQ (R10)(R8*1), R11
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	TESTQ CX, CX
	JLE dsum

dloop:
	VMOVUPS (SI), Y8
	VMOVUPS 32(SI), Y9
	VFMADD231PS (BX), Y8, Y0
	VFMADD231PS (R9), Y8, Y1
	VFMADD231PS (R10), Y8, Y2
	VFMADD231PS (R11), Y8, Y3
	VFMADD231PS 32(BX), Y9, Y4
	VFMADD231PS 32(R9), Y9, Y5
	VFMADD231PS 32(R10), Y9, Y6
	VFMADD231PS 32(R11), Y9, Y7
	ADDQ $64, SI
	ADDQ $64, BX
	ADDQ $64, R9
	ADDQ $64, R10
	ADDQ $64, R11
	DECQ CX
	JNZ dloop

dsum:
	VADDPS Y4, Y0, Y0
	VADDPS Y5, Y1, Y1
	VADDPS Y6, Y2, Y2
	VADDPS Y7, Y3, Y3
	VHADDPS Y1, Y0, Y8
	VHADDPS Y3, Y2, Y9
	VHADDPS Y9, Y8, Y10
	VEXTRACTF128 $1, Y10, X11
	VADDPS X11, X10, X10
	VMOVUPS X10, (DI)
	VZEROUPPER
	RET

// func transpose8(dst *float32, ldd int, src *float32, lds int, blocks int)
// Transposes blocks 8×8 blocks: block q is src[r·lds + 8q + c] for r, c < 8
// and goes to dst[(8q + c)·ldd + r]. Strides are in elements.
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
	JLE tdone

tloop:
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
	JNZ tloop

tdone:
	VZEROUPPER
	RET
