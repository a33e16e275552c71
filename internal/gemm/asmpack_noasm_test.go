//go:build noasm || !amd64

package gemm

// setAsmPack does nothing: this build packs in Go only.
func setAsmPack(bool) bool { return false }
