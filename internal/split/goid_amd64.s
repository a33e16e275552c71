//go:build !noasm

#include "textflag.h"

// func getg() uintptr
// The g pointer lives in thread-local storage (in R14 too under the
// register ABI; an ABI0 routine reads TLS).
TEXT ·getg(SB), NOSPLIT, $0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
