//go:build !noasm

#include "textflag.h"

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
