//go:build !noasm

package gemm

// setAsmPack sets asmPack and returns its previous value.
func setAsmPack(v bool) bool {
	old := asmPack
	asmPack = v
	return old
}
