//go:build !noasm

#include "textflag.h"

// func rmsprop8(w, grad, v *float32, n int, lr, rho, omr, eps float32)
// The Keras RMSprop step on n elements (a multiple of 8), in the order of
// operations of rmsprop32Go and without FMA, so that the results are
// bit-identical to it:
//   v = flush(rho·v + ((1−ρ)·g)·g); w −= (lr·g) / sqrt(v + eps)
// A block of 8 gradients that are all +0 (the rows of a first-layer kernel
// whose pixel is dark in the whole batch: 258 of 784 in a batch of 128
// MNIST images, on average over 200 random batches) only decays
// v, flush(rho·v), and leaves w as it is (w − (+0) is w): the same bits
// without the square root and division, which bound the loop.
TEXT ·rmsprop8(SB), NOSPLIT, $0-48
	MOVQ w+0(FP), DI
	MOVQ grad+8(FP), SI
	MOVQ v+16(FP), DX
	MOVQ n+24(FP), CX
	VBROADCASTSS lr+32(FP), Y8
	VBROADCASTSS rho+36(FP), Y9
	VBROADCASTSS omr+40(FP), Y10
	VBROADCASTSS eps+44(FP), Y11
	MOVL $0x7fffffff, AX
	MOVL AX, X12
	VBROADCASTSS X12, Y12          // |x| mask
	MOVL $0x0da24260, AX           // float32(1e-30)
	MOVL AX, X13
	VBROADCASTSS X13, Y13
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS (SI), Y0               // g
	VPTEST  Y0, Y0
	JZ      zero
	VMULPS  (DX), Y9, Y1           // rho·v
	VMULPS  Y0, Y10, Y2            // (1−ρ)·g
	VMULPS  Y0, Y2, Y2             // ·g
	VADDPS  Y2, Y1, Y1             // v'
	VANDPS  Y12, Y1, Y3            // |v'|
	VCMPPS  $1, Y13, Y3, Y3        // |v'| < 1e-30
	VANDNPS Y1, Y3, Y1             // flushed v'
	VMOVUPS Y1, (DX)
	VADDPS  Y11, Y1, Y1            // v' + eps
	VSQRTPS Y1, Y1
	VMULPS  Y0, Y8, Y2             // lr·g
	VDIVPS  Y1, Y2, Y2             // / sqrt
	VMOVUPS (DI), Y4
	VSUBPS  Y2, Y4, Y4
	VMOVUPS Y4, (DI)

next:
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, DI
	DECQ CX
	JNZ  loop
	JMP  done

zero:
	VMULPS  (DX), Y9, Y1           // rho·v (+ (1−ρ)·0·0 = +0 changes nothing)
	VANDPS  Y12, Y1, Y3
	VCMPPS  $1, Y13, Y3, Y3
	VANDNPS Y1, Y3, Y1
	VMOVUPS Y1, (DX)
	JMP     next

done:
	VZEROUPPER
	RET
